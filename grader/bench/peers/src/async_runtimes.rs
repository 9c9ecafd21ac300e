//! tokio's runtimes and futures' `LocalPool`: peers of exercises 5 (futures), 6 (runtime)
//! and 7 (multi-thread).

use benchkit::futures::{poll_to_end, yield_once};
use benchkit::measure::timed;
use benchkit::{Measure, Workload};
use delayserver::DelayServer;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The same numbers as the runtime's own bench program.
const SLEEPERS: usize = 10_000;
const SLEEP: Duration = Duration::from_millis(50);
const REQUESTS: usize = 100;
const CHILDREN: u64 = 1_000;

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "futures/join_all",
        peer: Some("futures join_all"),
        what: "one child of 1,000 joined, each waking once before it is ready",
        measure: Measure::PerOp(futures_join_all),
    },
    Workload {
        name: "runtime/spawn_await",
        peer: Some("tokio current_thread"),
        what: "spawn a task and await its JoinHandle",
        measure: Measure::PerOp(tokio_spawn_await),
    },
    Workload {
        name: "runtime/spawn_await",
        peer: Some("futures LocalPool"),
        what: "spawn a task and await its handle",
        measure: Measure::PerOp(local_pool_spawn_await),
    },
    Workload {
        name: "runtime/wake_repoll",
        peer: Some("tokio current_thread"),
        what: "a task wakes itself and is polled again",
        measure: Measure::PerOp(tokio_wake_repoll),
    },
    Workload {
        name: "runtime/wake_repoll",
        peer: Some("futures LocalPool"),
        what: "a task wakes itself and is polled again",
        measure: Measure::PerOp(local_pool_wake_repoll),
    },
    Workload {
        name: "runtime/many_sleeps",
        peer: Some("tokio current_thread"),
        what: "10,000 tasks sleep 50 ms at once: time above 50 ms, per task",
        measure: Measure::Scenario(tokio_many_sleeps),
    },
    Workload {
        name: "runtime/http_requests",
        peer: Some("tokio current_thread"),
        what: "100 concurrent HTTP GETs to a loopback server, per request",
        measure: Measure::Scenario(tokio_http_requests),
    },
    Workload {
        name: "multi-thread/spawn_join",
        peer: Some("tokio multi_thread"),
        what: "spawn a task from outside the runtime and block on its handle",
        measure: Measure::PerOp(tokio_mt_spawn_join),
    },
    Workload {
        name: "multi-thread/wake_repoll",
        peer: Some("tokio multi_thread"),
        what: "a task wakes itself and is polled again",
        measure: Measure::PerOp(tokio_mt_wake_repoll),
    },
    Workload {
        name: "multi-thread/many_sleeps",
        peer: Some("tokio multi_thread"),
        what: "10,000 tasks sleep 50 ms at once: time above 50 ms, per task",
        measure: Measure::Scenario(tokio_mt_many_sleeps),
    },
];

/// tokio's multi-thread runtime with as many workers as exercise 7's bench program uses.
fn tokio_multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn tokio_mt_spawn_join(n: u64) -> Duration {
    let rt = tokio_multi_thread();
    timed(|| {
        for i in 0..n {
            let got = rt.block_on(rt.spawn(async move { i })).expect("finished");
            assert_eq!(got, i);
        }
    })
}

fn tokio_mt_wake_repoll(n: u64) -> Duration {
    let rt = tokio_multi_thread();
    timed(|| {
        rt.block_on(rt.spawn(async move {
            for _ in 0..n {
                yield_once().await;
            }
        }))
        .expect("finished");
    })
}

fn tokio_mt_many_sleeps() -> f64 {
    let rt = tokio_multi_thread();
    let took = timed(|| {
        rt.block_on(async {
            let sleepers: Vec<_> = (0..SLEEPERS)
                .map(|_| tokio::spawn(tokio::time::sleep(SLEEP)))
                .collect();
            for sleeper in sleepers {
                sleeper.await.expect("finished");
            }
        })
    });
    took.saturating_sub(SLEEP).as_nanos() as f64 / SLEEPERS as f64
}

fn futures_join_all(n: u64) -> Duration {
    let calls = n.div_ceil(CHILDREN);
    let took = timed(|| {
        for _ in 0..calls {
            let children = (0..CHILDREN).map(|_| yield_once());
            poll_to_end(futures::future::join_all(children));
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (calls * CHILDREN) as f64)
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn tokio_spawn_await(n: u64) -> Duration {
    let rt = tokio();
    timed(|| {
        rt.block_on(async {
            for i in 0..n {
                let got = tokio::spawn(async move { i }).await.expect("finished");
                assert_eq!(got, i);
            }
        })
    })
}

fn local_pool_spawn_await(n: u64) -> Duration {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    timed(|| {
        pool.run_until(async {
            for i in 0..n {
                let handle = spawner
                    .spawn_local_with_handle(async move { i })
                    .expect("spawned");
                assert_eq!(handle.await, i);
            }
        })
    })
}

fn tokio_wake_repoll(n: u64) -> Duration {
    let rt = tokio();
    timed(|| {
        rt.block_on(async {
            tokio::spawn(async move {
                for _ in 0..n {
                    yield_once().await;
                }
            })
            .await
            .expect("finished");
        })
    })
}

fn local_pool_wake_repoll(n: u64) -> Duration {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    timed(|| {
        pool.run_until(async {
            spawner
                .spawn_local_with_handle(async move {
                    for _ in 0..n {
                        yield_once().await;
                    }
                })
                .expect("spawned")
                .await
        })
    })
}

fn tokio_many_sleeps() -> f64 {
    let rt = tokio();
    let start = Instant::now();
    rt.block_on(async {
        let sleepers: Vec<_> = (0..SLEEPERS)
            .map(|_| tokio::spawn(tokio::time::sleep(SLEEP)))
            .collect();
        for sleeper in sleepers {
            sleeper.await.expect("finished");
        }
    });
    start.elapsed().saturating_sub(SLEEP).as_nanos() as f64 / SLEEPERS as f64
}

fn tokio_http_requests() -> f64 {
    let server = DelayServer::start().expect("the delay server starts");
    let addr = server.addr();
    let rt = tokio();
    let start = Instant::now();
    rt.block_on(async {
        let requests: Vec<_> = (0..REQUESTS)
            .map(|i| {
                let path = DelayServer::path(Duration::ZERO, &format!("r{i}"));
                tokio::spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(addr).await?;
                    let request =
                        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
                    stream.write_all(request.as_bytes()).await?;
                    let mut raw = Vec::new();
                    stream.read_to_end(&mut raw).await?;
                    std::io::Result::Ok(raw)
                })
            })
            .collect();
        for request in requests {
            let raw = request
                .await
                .expect("finished")
                .expect("the request succeeded");
            assert!(raw.starts_with(b"HTTP/1.1 200"), "a 200 response");
        }
    });
    start.elapsed().as_nanos() as f64 / REQUESTS as f64
}
