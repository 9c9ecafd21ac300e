//! Exercise 1's workloads, run on whichever implementation this program was built with.

use benchkit::trace::{span, work};
use benchkit::{Measure, Scenario, Workload, measure::timed};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use threads::pool::ThreadPool;
use threads::scoped::parallel_map;

/// Items per `parallel_map` call, the same as the peers' `rayon` workload.
const ITEMS: u64 = 10_000;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "pool_job",
                peer: None,
                what: "a job run on a pool of 2 threads",
                measure: Measure::PerOp(pool_job),
            },
            Workload {
                name: "parallel_map",
                peer: None,
                what: "one item of 10,000 mapped on 2 threads",
                measure: Measure::PerOp(map_items),
            },
        ],
        &[Scenario {
            name: "pool",
            what: "six jobs of 2 ms on a pool of 2 threads, one lane per thread that ran a job: a correct pool runs two at a time",
            run: pool,
        }],
    )
}

fn pool_job(n: u64) -> Duration {
    let done = Arc::new(AtomicU64::new(0));
    let took = timed(|| {
        let pool = ThreadPool::new(2);
        for _ in 0..n {
            let done = Arc::clone(&done);
            pool.execute(move || {
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        drop(pool);
    });
    assert_eq!(done.load(Ordering::Relaxed), n, "every job ran");
    took
}

fn map_items(n: u64) -> Duration {
    let items: Vec<u64> = (0..ITEMS).collect();
    let calls = n.div_ceil(ITEMS);
    let took = timed(|| {
        for _ in 0..calls {
            black_box(parallel_map(&items, 2, |x| x * 2 + 1));
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (calls * ITEMS) as f64)
}

fn pool() {
    let pool = ThreadPool::new(2);
    let (done, finished) = mpsc::channel();
    for _ in 0..6 {
        let done = done.clone();
        pool.execute(move || {
            {
                let _ran = span(&worker_lane(), "run");
                work(2_000);
            }
            let _ = done.send(());
        });
    }
    for _ in 0..6 {
        finished.recv().expect("every job finishes");
    }
}

/// `thread N`, numbered in the order threads first ran a job.
fn worker_lane() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static NUMBER: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    format!("thread {}", NUMBER.with(|n| *n))
}
