use multi_thread::{JoinError, Runtime, spawn};
use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Wake, Waker};
use std::thread;
use testkit::executor::yield_now;
use testkit::{Rendezvous, ThreadLog, check};

/// A waker that raises a flag a thread can wait for.
#[derive(Default)]
struct Flag {
    raised: Mutex<bool>,
    rung: Condvar,
}

impl Flag {
    fn wait(&self, patience: std::time::Duration) -> bool {
        let raised = self.raised.lock().unwrap();
        let (raised, _) = self
            .rung
            .wait_timeout_while(raised, patience, |r| !*r)
            .unwrap();
        *raised
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        *self.raised.lock().unwrap() = true;
        self.rung.notify_all();
    }
}

check! {
    /// A `JoinHandle` gives its task's value to a task that awaits it and to a thread that
    /// blocks on `join`, whether the task finished before or after; tasks spawn tasks;
    /// dropping a handle does not cancel its task.
    fn join_handle_value() {
        let rt = Runtime::new(2).unwrap();
        let report = rt.block_on(async {
            let early = spawn(async { "finished before it was awaited" });
            for _ in 0..20 {
                yield_now(1).await;
            }
            let late = spawn(async {
                for _ in 0..20 {
                    yield_now(1).await;
                }
                "finished after it was awaited"
            });
            let nested = spawn(async {
                let inner = spawn(async { 40 });
                inner.await.unwrap() + 2
            });
            let (tx, rx) = mpsc::channel();
            drop(spawn(async move {
                yield_now(1).await;
                let _ = tx.send("a task whose handle was dropped ran to its end");
            }));
            let detached = thread::spawn(move || rx.recv_timeout(crate::PATIENCE))
                .join()
                .unwrap()
                .map_err(|_| "cancelled when its handle was dropped");
            format!("{:?}\n{:?}\n{:?}\n{:?}", early.await, late.await, nested.await, detached)
        });
        let blocking = rt.spawn(async { "joined from a thread outside the runtime" });
        let joined = thread::spawn(move || blocking.join()).join().unwrap();
        // Polled by hand with two wakers, the handle wakes the second when its task ends.
        let gate = crate::Gate::default();
        let waiting = gate.clone();
        let (ended, ending) = mpsc::channel();
        let mut handle = std::pin::pin!(rt.spawn(async move {
            waiting.wait().await;
            let _ = ended.send(());
        }));
        let (first, second) = (Arc::new(Flag::default()), Arc::new(Flag::default()));
        for flag in [&first, &second] {
            let waker = Waker::from(Arc::clone(flag));
            let polled = handle.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(polled.is_pending(), "a handle whose task waits was ready");
        }
        gate.open();
        ending.recv_timeout(crate::PATIENCE).expect(
            "a task woken from another thread never finished (see task::wakes_from_any_thread)",
        );
        assert!(
            second.wait(crate::PATIENCE),
            "a JoinHandle polled with two different wakers did not wake the latest when its \
             task finished: every poll that returns Pending must replace the stored waker"
        );
        insta::assert_snapshot!(format!("{report}\n{joined:?}"), @r#"
        Ok("finished before it was awaited")
        Ok("finished after it was awaited")
        Ok(42)
        Ok("a task whose handle was dropped ran to its end")
        Ok("joined from a thread outside the runtime")
        "#);
    }

    /// `Runtime::spawn` works from any thread, many at once; the free `spawn` works on the
    /// runtime's threads and panics elsewhere.
    fn spawn_from_any_thread() {
        const THREADS: u64 = 4;
        const EACH: u64 = 100;
        let rt = Runtime::new(2).unwrap();
        let sums: Vec<u64> = thread::scope(|s| {
            let spawners: Vec<_> = (0..THREADS)
                .map(|t| {
                    let rt = &rt;
                    s.spawn(move || {
                        let handles: Vec<_> =
                            (0..EACH).map(|i| rt.spawn(async move { t * EACH + i })).collect();
                        handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
                    })
                })
                .collect();
            spawners.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let n = THREADS * EACH;
        assert_eq!(
            sums.iter().sum::<u64>(),
            n * (n - 1) / 2,
            "tasks spawned from {THREADS} threads at once did not all give their values"
        );
        let from_a_task = rt
            .spawn(async { spawn(async { "spawned from a worker" }).await })
            .join()
            .unwrap();
        assert_eq!(from_a_task, Ok("spawned from a worker"));
        let outside = testkit::panics::panic_message(|| drop(spawn(async {})));
        assert!(
            outside.is_some(),
            "the free spawn must panic on a thread that is neither a worker nor in block_on"
        );
    }

    /// A panicking task is reported through its handle with its message (`&str` and
    /// `String` payloads); the worker that polled it carries on.
    fn panic_through_handle() {
        const WORKERS: usize = 2;
        let rt = Runtime::new(WORKERS).unwrap();
        let failed: Result<(), JoinError> = rt
            .spawn(async {
                yield_now(1).await;
                testkit::panic_on_purpose!("this task fails on purpose")
            })
            .join();
        let failed: JoinError = failed.expect_err("a panicking task's handle must give an Err");
        assert_eq!(failed, JoinError::Panicked("this task fails on purpose".into()));
        assert_eq!(failed.to_string(), "the task panicked: this task fails on purpose");
        let n = std::hint::black_box(7);
        let formatted: Result<(), JoinError> = rt.spawn(async move { testkit::panic_on_purpose!("task {n} failed") }).join();
        assert_eq!(
            formatted,
            Err(JoinError::Panicked("task 7 failed".into())),
            "the message of a panic formatted at run time (a String payload)"
        );
        // Every worker meets the others once before the panics: a runtime that cannot run
        // its workers at once fails here, not below.
        let control = Arc::new(Rendezvous::new(WORKERS));
        let meetings: Vec<_> = (0..WORKERS)
            .map(|_| {
                let control = Arc::clone(&control);
                rt.spawn(async move { control.arrive() })
            })
            .collect();
        if !meetings.into_iter().all(|m| m.join() == Ok(true)) {
            panic!(
                "before any task panicked, {WORKERS} tasks could not run at once on {WORKERS} \
                 workers: {} (see join::tasks_run_in_parallel)",
                control.explain()
            );
        }
        // More panics than workers, then every worker is needed at once.
        let panics: Vec<_> = (0..WORKERS * 3)
            .map(|i| rt.spawn(async move { testkit::panic_on_purpose!("panic {i}") }))
            .collect();
        for handle in panics {
            let _: Result<(), JoinError> = handle.join();
        }
        let meeting = Arc::new(Rendezvous::new(WORKERS));
        let arrivals: Vec<_> = (0..WORKERS)
            .map(|_| {
                let meeting = Arc::clone(&meeting);
                rt.spawn(async move { meeting.arrive() })
            })
            .collect();
        for arrival in arrivals {
            assert_eq!(
                arrival.join(),
                Ok(true),
                "after {} tasks panicked, {WORKERS} tasks could no longer run at once: a panic \
                 took a worker with it. {}",
                WORKERS * 3,
                meeting.explain()
            );
        }
    }

    /// As many tasks as workers run at the same time, each on a thread of its own, none of
    /// them the thread that called `block_on`.
    fn tasks_run_in_parallel() {
        const WORKERS: usize = 3;
        let rt = Runtime::new(WORKERS).unwrap();
        let meeting = Arc::new(Rendezvous::new(WORKERS));
        let log = Arc::new(ThreadLog::new());
        let outcomes: Vec<bool> = rt.block_on(async {
            let handles: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let (meeting, log) = (Arc::clone(&meeting), Arc::clone(&log));
                    spawn(async move {
                        log.record();
                        meeting.arrive()
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for handle in handles {
                outcomes.push(handle.await.unwrap());
            }
            outcomes
        });
        assert!(
            outcomes.iter().all(|&met| met),
            "{WORKERS} tasks on a runtime of {WORKERS} workers did not all run at the same time: {}",
            meeting.explain()
        );
        assert_eq!(log.distinct(), WORKERS, "the tasks ran on {} threads", log.distinct());
        assert!(
            !log.contains(thread::current().id()),
            "a task ran on the thread that called block_on: tasks belong on the workers"
        );
        drop(rt);
        let none = testkit::panics::panic_message(|| Runtime::new(0).map(drop));
        assert!(none.is_some(), "Runtime::new(0) must panic: a runtime needs at least one worker");
    }

    /// `spawn` refuses a future that is not `Send`: it would move to another worker.
    fn rejects_non_send() {
        // Only a spawn that runs tasks is worth asking about its types.
        let rt = Runtime::new(1).unwrap();
        assert_eq!(rt.spawn(async { 1 }).join(), Ok(1));
        drop(rt);
        const CONTROL: &str = "
            pub fn probe(rt: &multi_thread::Runtime) {
                let shared = std::sync::Arc::new(7);
                drop(rt.spawn(async move { *shared + 1 }));
            }
        ";
        const PROBE: &str = "
            pub fn probe(rt: &multi_thread::Runtime) {
                let shared = std::rc::Rc::new(7);
                drop(rt.spawn(async move { *shared + 1 }));
            }
        ";
        testkit::compile::assert_rejected(
            "multi_thread",
            "a task holding an Rc (not Send) given to Runtime::spawn",
            CONTROL,
            PROBE,
            &["cannot be sent between threads safely"],
        );
        const FREE_CONTROL: &str = "
            pub fn probe() {
                let shared = std::sync::Arc::new(7);
                drop(multi_thread::spawn(async move { *shared + 1 }));
            }
        ";
        const FREE_PROBE: &str = "
            pub fn probe() {
                let shared = std::rc::Rc::new(7);
                drop(multi_thread::spawn(async move { *shared + 1 }));
            }
        ";
        testkit::compile::assert_rejected(
            "multi_thread",
            "a task holding an Rc (not Send) given to the free spawn",
            FREE_CONTROL,
            FREE_PROBE,
            &["cannot be sent between threads safely"],
        );
    }
}
