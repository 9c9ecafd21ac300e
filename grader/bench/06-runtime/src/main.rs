//! Exercise 6's workloads, run on whichever implementation this program was built with.

use benchkit::futures::yield_once;
use benchkit::trace::{span, traced, work};
use benchkit::{Measure, Scenario, Workload, measure::timed};
use delayserver::DelayServer;
use runtime::{Runtime, http, sleep, spawn};
use std::time::{Duration, Instant};

/// How many tasks sleep at once in `many_sleeps`, and for how long.
const SLEEPERS: usize = 10_000;
const SLEEP: Duration = Duration::from_millis(50);
/// How many HTTP requests are in flight at once in `http_requests`.
const REQUESTS: usize = 100;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "spawn_await",
                peer: None,
                what: "spawn a task and await its JoinHandle",
                measure: Measure::PerOp(spawn_await),
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
            Workload {
                name: "http_requests",
                peer: None,
                what: "100 concurrent HTTP GETs to a loopback server, per request",
                measure: Measure::Scenario(http_requests),
            },
        ],
        &[Scenario {
            name: "sleepers",
            what: "three tasks sleep 10, 20 and 30 ms, then work 2 ms: a correct runtime polls each task twice, once to start and once after its wake",
            run: sleepers,
        }],
    )
}

fn runtime() -> Runtime {
    Runtime::new().expect("a runtime starts")
}

fn spawn_await(n: u64) -> Duration {
    let mut rt = runtime();
    timed(|| {
        rt.block_on(async {
            for i in 0..n {
                let got = spawn(async move { i }).await.expect("the task finished");
                assert_eq!(got, i);
            }
        })
    })
}

fn wake_repoll(n: u64) -> Duration {
    let mut rt = runtime();
    timed(|| {
        rt.block_on(async {
            spawn(async move {
                for _ in 0..n {
                    yield_once().await;
                }
            })
            .await
            .expect("the task finished");
        })
    })
}

fn many_sleeps() -> f64 {
    let mut rt = runtime();
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

fn http_requests() -> f64 {
    let server = DelayServer::start().expect("the delay server starts");
    let addr = server.addr();
    let mut rt = runtime();
    let took = timed(|| {
        rt.block_on(async {
            let requests: Vec<_> = (0..REQUESTS)
                .map(|i| {
                    let path = DelayServer::path(Duration::ZERO, &format!("r{i}"));
                    spawn(async move { http::get(addr, &path).await })
                })
                .collect();
            for request in requests {
                let response = request.await.expect("the request's task finished");
                assert_eq!(response.expect("the request succeeded").status, 200);
            }
        })
    });
    took.as_nanos() as f64 / REQUESTS as f64
}

fn sleepers() {
    let mut rt = runtime();
    let start = Instant::now();
    rt.block_on(async move {
        let tasks: Vec<_> = [10u64, 20, 30]
            .into_iter()
            .enumerate()
            .map(|(i, ms)| {
                let lane = format!("task {}", i + 1);
                spawn(traced(&lane.clone(), async move {
                    sleep(Duration::from_millis(ms)).await;
                    let _work = span(&lane, "run");
                    work(2_000);
                }))
            })
            .collect();
        for task in tasks {
            task.await.expect("the task finished");
        }
    });
    assert!(start.elapsed() >= Duration::from_millis(30));
}
