use crate::{Gate, PATIENCE, join_within};
use multi_thread::{JoinError, Runtime, TcpStream, sleep, spawn};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use testkit::gated::{self, GatedServer};
use testkit::{Hypotheses, ThreadLog, check, ms, procfs};

/// How many finished tasks the memory check runs: a few dozen bytes kept of each would
/// grow the process by several megabytes.
const TASKS_FOR_MEMORY: usize = 100_000;

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

check! {
    /// Sleeps work in tasks on the workers and in `block_on`: the workers share one
    /// reactor, and the sleeps wait at the same time.
    fn sleeps_on_workers() {
        const TASKS: u32 = 20;
        let delay = ms(100);
        let rt = Runtime::new(2).unwrap();
        let log = Arc::new(ThreadLog::new());
        let started = Instant::now();
        let handles: Vec<_> = (0..TASKS)
            .map(|_| {
                let log = Arc::clone(&log);
                rt.spawn(async move {
                    sleep(delay).await;
                    log.record();
                })
            })
            .collect();
        let outcomes = rt.block_on(async {
            sleep(delay).await;
            let mut outcomes = Vec::new();
            for handle in handles {
                outcomes.push(handle.await);
            }
            outcomes
        });
        let elapsed = started.elapsed();
        for outcome in outcomes {
            assert_eq!(
                outcome,
                Ok(()),
                "a task that slept on a worker did not finish: does every worker enter the \
                 runtime's reactor (reactor::enter)?"
            );
        }
        Hypotheses::for_equal_parts(TASKS + 1, delay).assert(
            &format!("{TASKS} tasks and block_on sleeping {} ms each, at once", delay.as_millis()),
            elapsed,
        );
        assert!(!log.contains(std::thread::current().id()), "a sleeping task ran on the thread in block_on");
    }

    /// Tasks on different workers use sockets through the shared reactor: six requests on
    /// three workers are all in flight at once (the server answers none until it holds
    /// all six), and each task reads its own response.
    fn sockets_across_workers() {
        const REQUESTS: usize = 6;
        let paths: Vec<String> = (0..REQUESTS).map(|i| format!("/r{i}")).collect();
        let server = GatedServer::start(paths, gated::Gate::Read);
        let addr = server.addr();
        let rt = Runtime::new(3).unwrap();
        let handles: Vec<_> = (0..REQUESTS)
            .map(|i| {
                rt.spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let request =
                        format!("GET /r{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    stream.write_all(request.as_bytes()).await.unwrap();
                    let mut response = Vec::new();
                    stream.read_to_end(&mut response).await.unwrap();
                    let response = String::from_utf8_lossy(&response).into_owned();
                    response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned()
                })
            })
            .collect();
        let mut bodies = Vec::new();
        for (i, handle) in handles.into_iter().enumerate() {
            match join_within(handle, PATIENCE) {
                Some(Ok(body)) => bodies.push(format!("r{i}:{body}")),
                other => panic!("a request never finished (its handle gave {other:?})"),
            }
        }
        let together = server.together();
        assert_eq!(
            together, REQUESTS,
            "only {together} of {REQUESTS} requests reached the server before it answered any: \
             a task that waits for its response must let its worker run the others (register \
             the socket with the reactor and return Pending, never block the worker)"
        );
        insta::assert_snapshot!(bodies.join(" "), @"r0:r0 r1:r1 r2:r2 r3:r3 r4:r4 r5:r5");
    }

    /// Dropping the runtime stops and joins every worker and the reactor's thread, closes
    /// the reactor's descriptors, and returns even while tasks still wait.
    fn shutdown_joins_workers() {
        let threads_before = procfs::live_threads().expect("Linux has /proc");
        let fds_before = procfs::open_fds().expect("Linux has /proc");
        for workers in [1, 4] {
            let rt = Runtime::new(workers).unwrap();
            let gate = Gate::default();
            for _ in 0..10 {
                let gate = gate.clone();
                drop(rt.spawn(async move { gate.wait().await }));
            }
            drop(rt.spawn(sleep(Duration::from_secs(3600))));
            rt.block_on(sleep(ms(20)));
            let dropping = thread::spawn(move || drop(rt));
            let until = Instant::now() + PATIENCE;
            while !dropping.is_finished() && Instant::now() < until {
                thread::sleep(ms(1));
            }
            if !dropping.is_finished() {
                testkit::stuck::show_where();
                panic!(
                    "dropping a runtime of {workers} workers, with tasks still waiting, did not \
                     return within {} s: tell every worker to stop, wake the sleeping ones, and \
                     join them",
                    PATIENCE.as_secs()
                );
            }
            dropping.join().unwrap();
            let threads = procfs::settle_threads(threads_before, ms(200)).unwrap();
            assert_eq!(
                threads,
                threads_before,
                "after a runtime of {workers} workers was dropped, {} threads were still alive \
                 (the workers and the reactor's thread must be joined)",
                threads - threads_before.min(threads)
            );
            let fds = procfs::settle_fds(fds_before, ms(200)).unwrap();
            assert_eq!(
                fds,
                fds_before,
                "after a runtime of {workers} workers was dropped, descriptors were left open: \
                 the reactor's epoll instance and eventfd close when the last reference to it \
                 goes, so something still holds it (a reactor never shut down, or unfinished \
                 tasks the runtime did not drop, whose sleeps hold the reactor)"
            );
        }
    }

    /// Dropping the runtime drops every unfinished task (their handles then say
    /// `Cancelled`); a finished task is dropped as soon as it finishes; a waker kept past
    /// the runtime keeps nothing alive and can still be woken.
    fn shutdown_drops_tasks() {
        let rt = Runtime::new(2).unwrap();
        let finished = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let counted = Counted(Arc::clone(&finished));
                rt.spawn(async move {
                    let _counted = counted;
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(finished.load(Ordering::SeqCst), 20, "finished tasks must be dropped at once");
        // Nothing of a finished task stays behind: many of them leave the memory as it was.
        let run = |tasks: usize| {
            rt.block_on(async {
                for _ in 0..tasks / 1000 {
                    let batch: Vec<_> = (0..1000).map(|i| spawn(async move { i })).collect();
                    for handle in batch {
                        handle.await.unwrap();
                    }
                }
            })
        };
        run(20_000);
        let before = procfs::resident_memory().expect("Linux has /proc");
        run(TASKS_FOR_MEMORY);
        let grown = procfs::resident_memory().expect("Linux has /proc").saturating_sub(before);
        assert!(
            grown < 4 << 20,
            "the process grew by {:.1} MB while {TASKS_FOR_MEMORY} tasks ran to their end, one \
             thousand at a time (about {} bytes a task): something of every finished task is \
             kept. Remove a task from the runtime's registry when it finishes",
            grown as f64 / (1 << 20) as f64,
            grown / TASKS_FOR_MEMORY
        );

        let dropped = Arc::new(AtomicUsize::new(0));
        let gate = Gate::default();
        let waiting: Vec<_> = (0..20)
            .map(|_| {
                let (counted, gate) = (Counted(Arc::clone(&dropped)), gate.clone());
                rt.spawn(async move {
                    let _counted = counted;
                    gate.wait().await;
                })
            })
            .collect();
        let queued_later = {
            let counted = Counted(Arc::clone(&dropped));
            rt.spawn(async move {
                let _counted = counted;
                sleep(Duration::from_secs(3600)).await;
            })
        };
        rt.block_on(sleep(ms(20)));
        let kept_waker = gate.0.lock().unwrap().waker.clone();
        drop(rt);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            21,
            "after the runtime was dropped, {} of 21 unfinished tasks were still alive: drop \
             every task the runtime still has, queued or waiting",
            21 - dropped.load(Ordering::SeqCst).min(21)
        );
        for handle in waiting {
            assert_eq!(
                join_within(handle, PATIENCE),
                Some(Err(JoinError::Cancelled)),
                "the handle of a task the runtime dropped must give Err(JoinError::Cancelled)"
            );
        }
        assert_eq!(join_within(queued_later, PATIENCE), Some(Err(JoinError::Cancelled)));
        assert_eq!(JoinError::Cancelled.to_string(), "the task was cancelled: its runtime shut down");
        // A waker that outlived its runtime: waking it does nothing.
        if let Some(waker) = kept_waker {
            waker.wake();
        }
        gate.open();
    }
}
