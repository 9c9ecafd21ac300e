use crate::ms;
use futures::channel::oneshot;
use runtime::{JoinError, Runtime, spawn};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Instant;
use testkit::check;

struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Pending once (waking itself at once), then ready: lets the other tasks run, without
/// needing the reactor of step 3.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn yield_now(times: u32) {
    for _ in 0..times {
        YieldNow(false).await;
    }
}

/// A future that holds a `Counted` and keeps it after completing: only dropping the future
/// itself drops the value.
struct Holding<F> {
    _counted: Counted,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Holding<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.inner.as_mut().poll(cx)
    }
}

check! {
    /// A `JoinHandle` gives back its task's value, whether the task finished before or
    /// after the handle was awaited; tasks spawn tasks.
    fn join_handle_value() {
        let mut rt = Runtime::new().unwrap();
        let report = rt.block_on(async {
            let early = spawn(async { "finished before it was awaited" });
            yield_now(3).await;
            let late = spawn(async {
                yield_now(3).await;
                "finished after it was awaited"
            });
            let nested = spawn(async {
                let inner = spawn(async { 40 });
                inner.await.unwrap() + 2
            });
            format!(
                "{:?}\n{:?}\n{:?}",
                early.await,
                late.await,
                nested.await
            )
        });
        insta::assert_snapshot!(report, @r#"
        Ok("finished before it was awaited")
        Ok("finished after it was awaited")
        Ok(42)
        "#);
    }

    /// A panicking task is reported through its `JoinHandle`; the runtime and the other
    /// tasks carry on.
    fn panic_through_handle() {
        let mut rt = Runtime::new().unwrap();
        let (failed, fine): (Result<u32, JoinError>, Result<u32, JoinError>) = rt.block_on(async {
            let failing = spawn(async {
                yield_now(2).await;
                panic!("this task fails on purpose")
            });
            let fine = spawn(async { 7 });
            (failing.await, fine.await)
        });
        let failed = failed.expect_err("a panicking task's handle must give an Err");
        assert_eq!(failed.panic, "this task fails on purpose");
        assert_eq!(fine, Ok(7));
        assert_eq!(rt.block_on(async { spawn(async { "still running" }).await }), Ok("still running"));
    }

    /// Spawning and awaiting a task costs at least ten times less than spawning and
    /// joining an OS thread, measured in the same run.
    fn spawn_throughput() {
        const N: u32 = 2000;
        let mut rt = Runtime::new().unwrap();
        // The best of three rounds: the first also pays for growing the heap.
        let tasks = (0..3)
            .map(|_| {
                let started = Instant::now();
                let sum = rt.block_on(async {
                    let handles: Vec<_> = (0..N).map(|i| spawn(async move { i })).collect();
                    let outputs = futures::future::join_all(handles).await;
                    outputs.into_iter().map(|o| u64::from(o.unwrap())).sum::<u64>()
                });
                assert_eq!(sum, u64::from(N) * u64::from(N - 1) / 2);
                started.elapsed() / N
            })
            .min()
            .unwrap();
        let started = Instant::now();
        for i in 0..N / 4 {
            thread::spawn(move || i).join().unwrap();
        }
        let threads = started.elapsed() / (N / 4);
        let ratio = threads.as_secs_f64() / tasks.as_secs_f64().max(1e-12);
        assert!(
            ratio >= 10.0,
            "spawning and awaiting a task took {:.2} µs, spawning and joining a thread {:.2} µs: \
             only {ratio:.1}× cheaper, expected at least 10×",
            tasks.as_secs_f64() * 1e6,
            threads.as_secs_f64() * 1e6
        );
    }

    /// A finished task's future is dropped at once; one still pending is dropped with the
    /// runtime.
    fn tasks_are_freed() {
        let drops = Rc::new(Cell::new(0));
        let (_never_sent, never) = oneshot::channel::<()>();
        {
            let mut rt = Runtime::new().unwrap();
            let counted = || Counted(Rc::clone(&drops));
            rt.block_on(async {
                let handles: Vec<_> = (0..100)
                    .map(|_| {
                        spawn(Holding {
                            _counted: counted(),
                            inner: Box::pin(yield_now(1)),
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
                spawn(Holding {
                    _counted: counted(),
                    inner: Box::pin(never),
                });
                yield_now(3).await;
            });
            assert_eq!(
                drops.get(),
                100,
                "{} of 100 finished tasks were dropped: drop a task's future as soon as it \
                 completes (and make sure nothing keeps it alive, such as its own waker)",
                drops.get()
            );
        }
        assert_eq!(drops.get(), 101, "a task still pending was not dropped with its runtime");
    }

    /// The executor runs futures from the `futures` crate: `join_all` over join handles and
    /// a oneshot completed by another thread.
    fn runs_futures_crate_futures() {
        let mut rt = Runtime::new().unwrap();
        let report = rt.block_on(async {
            let (tx, rx) = oneshot::channel::<u32>();
            let sender = thread::spawn(move || {
                thread::sleep(ms(30));
                tx.send(99).unwrap();
            });
            let handles: Vec<_> = (1..=3u64)
                .map(|n| {
                    let (tx, rx) = oneshot::channel::<u64>();
                    thread::spawn(move || {
                        thread::sleep(ms(10 * n));
                        tx.send(n).unwrap();
                    });
                    spawn(async move { rx.await.unwrap() })
                })
                .collect();
            let joined = futures::future::join_all(handles).await;
            let from_thread = spawn(rx).await;
            sender.join().unwrap();
            format!("{joined:?} {from_thread:?}")
        });
        insta::assert_snapshot!(report, @"[Ok(1), Ok(2), Ok(3)] Ok(Ok(99))");
    }
}
