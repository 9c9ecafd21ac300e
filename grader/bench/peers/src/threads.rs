//! OS threads and rayon: peers of exercises 1 (threads) and 2 (callbacks' blocking jobs).

use benchkit::measure::timed;
use benchkit::{Measure, Workload};
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "threads/pool_job",
        peer: Some("rayon pool"),
        what: "a job run on a pool of 2 threads",
        measure: Measure::PerOp(rayon_pool_job),
    },
    Workload {
        name: "threads/pool_job",
        peer: Some("thread per job"),
        what: "a job run on a thread of its own",
        measure: Measure::PerOp(thread_per_job),
    },
    Workload {
        name: "threads/parallel_map",
        peer: Some("rayon par_iter"),
        what: "one item of 10,000 mapped on 2 threads",
        measure: Measure::PerOp(rayon_map),
    },
];

fn rayon_pool_job(n: u64) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a rayon pool");
    let done = AtomicU64::new(0);
    let took = timed(|| {
        pool.scope(|s| {
            for _ in 0..n {
                s.spawn(|_| {
                    done.fetch_add(1, Ordering::Relaxed);
                });
            }
        })
    });
    assert_eq!(done.load(Ordering::Relaxed), n);
    took
}

fn thread_per_job(n: u64) -> Duration {
    let done = AtomicU64::new(0);
    let took = timed(|| {
        std::thread::scope(|s| {
            for _ in 0..n {
                s.spawn(|| done.fetch_add(1, Ordering::Relaxed));
            }
        })
    });
    assert_eq!(done.load(Ordering::Relaxed), n);
    took
}

/// Items per call, the same as the exercise's `parallel_map` workload.
pub const ITEMS: u64 = 10_000;

fn rayon_map(n: u64) -> Duration {
    let items: Vec<u64> = (0..ITEMS).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a rayon pool");
    let calls = n.div_ceil(ITEMS);
    let took = timed(|| {
        for _ in 0..calls {
            let out: Vec<u64> = pool.install(|| items.par_iter().map(|x| x * 2 + 1).collect());
            black_box(out);
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (calls * ITEMS) as f64)
}
