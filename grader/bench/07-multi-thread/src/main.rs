//! Exercise 7's workloads, run on whichever implementation this program was built with.

use benchkit::futures::yield_once;
use benchkit::trace::{span, traced, work};
use benchkit::{Measure, Scenario, Workload, measure::timed};
use multi_thread::{Runtime, sleep, spawn};
use std::time::Duration;

/// Workers of every runtime measured: the machine the course targets has two cores.
const WORKERS: usize = 2;
/// How many tasks sleep at once in `many_sleeps`, and for how long.
const SLEEPERS: usize = 10_000;
const SLEEP: Duration = Duration::from_millis(50);

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "spawn_join",
                peer: None,
                what: "spawn a task from outside the runtime and block on its handle",
                measure: Measure::PerOp(spawn_join),
            },
            Workload {
                name: "wake_repoll",
                peer: None,
                what: "a task wakes itself and is polled again",
                measure: Measure::PerOp(wake_repoll),
            },
            Workload {
                name: "many_sleeps",
                peer: None,
                what: "10,000 tasks sleep 50 ms at once: time above 50 ms, per task",
                measure: Measure::Scenario(many_sleeps),
            },
        ],
        &[Scenario {
            name: "workers",
            what: "four tasks of 4 ms of work each on two workers: two run at any time, and a task waits only for a free worker",
            run: workers,
        }],
    )
}

fn runtime() -> Runtime {
    Runtime::new(WORKERS).expect("a runtime starts")
}

fn spawn_join(n: u64) -> Duration {
    let rt = runtime();
    timed(|| {
        for i in 0..n {
            assert_eq!(rt.spawn(async move { i }).join(), Ok(i));
        }
    })
}

fn wake_repoll(n: u64) -> Duration {
    let rt = runtime();
    timed(|| {
        rt.spawn(async move {
            for _ in 0..n {
                yield_once().await;
            }
        })
        .join()
        .expect("the task finished");
    })
}

fn many_sleeps() -> f64 {
    let rt = runtime();
    let took = timed(|| {
        rt.block_on(async {
            let sleepers: Vec<_> = (0..SLEEPERS).map(|_| spawn(sleep(SLEEP))).collect();
            for sleeper in sleepers {
                sleeper.await.expect("the sleeper finished");
            }
        })
    });
    took.saturating_sub(SLEEP).as_nanos() as f64 / SLEEPERS as f64
}

fn workers() {
    let rt = runtime();
    let tasks: Vec<_> = (1..=4)
        .map(|i| {
            let lane = format!("task {i}");
            rt.spawn(traced(&lane.clone(), async move {
                let _work = span(&lane, "run");
                work(4_000);
            }))
        })
        .collect();
    for task in tasks {
        task.join().expect("the task finished");
    }
}
