use crate::handover;
use crate::{ms, tracked_waker};
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
use testkit::executor::yield_now;

/// Counts its polls; pending until `open` is set, then ready.
struct Gate {
    polls: Rc<Cell<usize>>,
    open: Rc<Cell<bool>>,
    waker: Rc<std::cell::RefCell<Option<std::task::Waker>>>,
}

impl Future for Gate {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.open.get() {
            return Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Counts the polls of the future it wraps.
struct PollCount<F> {
    polls: Rc<Cell<usize>>,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for PollCount<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
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

/// Where a gate keeps the waker of its latest poll.
type WakerSlot = Rc<std::cell::RefCell<Option<std::task::Waker>>>;

check! {
    /// A `JoinHandle` gives back its task's value, whether the task finished before or
    /// after the handle was awaited; tasks spawn tasks; dropping a handle does not cancel
    /// its task.
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
            // A task whose handle is dropped still runs to its end.
            let (tx, rx) = oneshot::channel();
            // The stubs' handle has no `Drop` of its own; a learner's may.
            #[allow(clippy::drop_non_drop)]
            drop(spawn(async move {
                yield_now(3).await;
                let _ = tx.send("a task whose handle was dropped ran to its end");
            }));
            let detached = rx.await.map_err(|_| "cancelled when its handle was dropped");
            format!(
                "{:?}\n{:?}\n{:?}\n{:?}",
                early.await,
                late.await,
                nested.await,
                detached
            )
        });
        insta::assert_snapshot!(report, @r#"
        Ok("finished before it was awaited")
        Ok("finished after it was awaited")
        Ok(42)
        Ok("a task whose handle was dropped ran to its end")
        "#);
    }

    /// A panicking task is reported through its `JoinHandle`; the runtime and the other
    /// tasks carry on.
    fn panic_through_handle() {
        let mut rt = Runtime::new().unwrap();
        let (failed, fine): (Result<u32, JoinError>, Result<u32, JoinError>) = rt.block_on(async {
            let failing = spawn(async {
                yield_now(2).await;
                testkit::panic_on_purpose!("this task fails on purpose")
            });
            let fine = spawn(async { 7 });
            (failing.await, fine.await)
        });
        let failed = failed.expect_err("a panicking task's handle must give an Err");
        assert_eq!(failed.panic, "this task fails on purpose");
        assert_eq!(failed.to_string(), "the task panicked: this task fails on purpose");
        assert_eq!(fine, Ok(7));
        // A message formatted at run time is a `String` payload, not a `&str`.
        let formatted = rt.block_on(async {
            let n = std::hint::black_box(7);
            spawn(async move { testkit::panic_on_purpose!("task {n} failed") }).await
        });
        assert_eq!(
            formatted.map_err(|e| e.panic),
            Err("task 7 failed".to_owned()),
            "the message of a panic formatted at run time (a String payload)"
        );
        assert_eq!(rt.block_on(async { spawn(async { "still running" }).await }), Ok("still running"));
    }

    /// Spawning and awaiting a task costs at least ten times less than spawning and
    /// joining an OS thread, measured in the same run.
    fn spawn_throughput() {
        const N: u32 = 2000;
        let mut rt = Runtime::new().unwrap();
        // The best of three rounds: the first also pays for growing the heap. Threads are
        // counted, not only timed: a thread that starts and ends on its own is cheap next
        // to the control's spawn and join on a busy machine, but there is one per task.
        let (tasks, threads_started) = testkit::spawns::count(|| {
            (0..3)
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
                .unwrap()
        });
        assert!(
            threads_started < N as usize / 10,
            "spawning and awaiting {} tasks started {threads_started} threads: a task, and the \
             handle that awaits it, must need no thread of its own",
            3 * N
        );
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

    /// A task is polled only after its waker was woken: fifty idle tasks stay at one poll
    /// each while another task wakes itself 200 times, and the main future is polled only
    /// when something wakes it.
    fn polls_only_woken_tasks() {
        let mut rt = Runtime::new().unwrap();
        let (gate_polls, main_polls) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let open = Rc::new(Cell::new(false));
        let wakers: Rc<std::cell::RefCell<Vec<WakerSlot>>> = Rc::default();
        let (polls, opened, slots) = (Rc::clone(&gate_polls), Rc::clone(&open), Rc::clone(&wakers));
        let busy_main = rt.block_on(PollCount {
            polls: Rc::clone(&main_polls),
            inner: Box::pin(async move {
                let gates: Vec<_> = (0..50)
                    .map(|_| {
                        let slot = Rc::default();
                        slots.borrow_mut().push(Rc::clone(&slot));
                        spawn(Gate { polls: Rc::clone(&polls), open: Rc::clone(&opened), waker: slot })
                    })
                    .collect();
                let busy = spawn(yield_now(200));
                busy.await.unwrap();
                let idle_polls = polls.get();
                opened.set(true);
                for slot in slots.borrow().iter() {
                    if let Some(waker) = slot.borrow_mut().take() {
                        waker.wake();
                    }
                }
                for gate in gates {
                    gate.await.unwrap();
                }
                idle_polls
            }),
        });
        assert_eq!(
            busy_main, 50,
            "while another task woke itself 200 times, 50 idle tasks were polled {busy_main} \
             times in all, not once each: poll a task only when its own waker was woken"
        );
        assert_eq!(gate_polls.get(), 100, "once woken, each of the 50 tasks must be polled once more");
        assert!(
            main_polls.get() <= 55,
            "the main future was polled {} times, though it was woken only when the busy task \
             and the 50 others finished: poll the main future only after its waker was woken",
            main_polls.get()
        );
    }

    /// A `JoinHandle` polled with one waker, then another, wakes the latest when its task
    /// finishes, never the earlier one.
    fn join_handle_wakes_latest_waker() {
        let mut rt = Runtime::new().unwrap();
        let (first, first_count) = crate::tracked_waker();
        let (second, second_count) = crate::tracked_waker();
        rt.block_on(async move {
            let mut handle = spawn(async {
                yield_now(5).await;
                1
            });
            let mut polled = 0;
            std::future::poll_fn(|cx| {
                let waker = if polled == 0 { &first } else { &second };
                polled += 1;
                match Pin::new(&mut handle).poll(&mut Context::from_waker(waker)) {
                    Poll::Ready(out) => Poll::Ready(out),
                    Poll::Pending if polled < 2 => {
                        // Poll again soon, with the second waker.
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    // Let the task finish while the handle waits with the second waker.
                    Poll::Pending => Poll::Ready(Ok(0)),
                }
            })
            .await
            .unwrap();
            yield_now(10).await;
        });
        let woken = (
            first_count.wakes.load(std::sync::atomic::Ordering::SeqCst),
            second_count.wakes.load(std::sync::atomic::Ordering::SeqCst),
        );
        assert_eq!(
            woken,
            (0, 1),
            "a JoinHandle polled with waker A, then B, woke A {} times and B {} times when its \
             task finished: keep only the waker of the latest poll",
            woken.0,
            woken.1
        );
    }

    /// Waking a task after it finished, twice, changes nothing: no poll of a finished task,
    /// no panic.
    fn late_wakes_are_harmless() {
        let mut rt = Runtime::new().unwrap();
        let polls = Rc::new(Cell::new(0));
        let kept: Rc<std::cell::RefCell<Option<std::task::Waker>>> = Rc::default();
        let (counted, slot) = (Rc::clone(&polls), Rc::clone(&kept));
        let out = rt.block_on(async move {
            let task = spawn(PollCount {
                polls: counted,
                inner: Box::pin(std::future::poll_fn(move |cx| {
                    *slot.borrow_mut() = Some(cx.waker().clone());
                    Poll::Ready(5)
                })),
            });
            let value = task.await.unwrap();
            let waker = kept.borrow_mut().take().expect("the task kept its waker");
            waker.wake_by_ref();
            waker.wake();
            yield_now(5).await;
            value
        });
        assert_eq!(out, 5);
        assert_eq!(
            polls.get(),
            1,
            "a task that finished at its first poll was polled {} times after being woken \
             twice: a finished task is never polled again",
            polls.get()
        );
    }

    /// `spawn` outside a running runtime panics, and so does a second `block_on` inside
    /// the first.
    fn misuse_panics() {
        let outside = testkit::panics::panic_message(|| spawn(async {}));
        assert!(outside.is_some(), "spawn outside Runtime::block_on returned; it must panic, as documented");
        let (waker, _) = tracked_waker();
        let polled = testkit::panics::panic_message(|| {
            let mut outside = std::pin::pin!(runtime::sleep(ms(20)));
            outside.as_mut().poll(&mut Context::from_waker(&waker))
        });
        assert!(
            polled.is_some(),
            "a sleep first polled outside Runtime::block_on returned; it must panic, as documented"
        );
        let mut rt = Runtime::new().unwrap();
        let nested = rt.block_on(async {
            testkit::panics::panic_message(|| {
                let mut inner = Runtime::new().unwrap();
                inner.block_on(async {})
            })
        });
        assert!(
            nested.is_some(),
            "Runtime::block_on inside a running runtime returned; it must panic, as documented"
        );
        // A main future that panics leaves no runtime behind on the thread.
        let main_panicked = testkit::panics::panic_message(|| {
            Runtime::new().unwrap().block_on(async { testkit::panic_on_purpose!("main fails") })
        });
        assert!(main_panicked.is_some(), "a panicking main future did not panic out of block_on");
        let after = testkit::panics::panic_message(|| spawn(async {}));
        assert!(
            after.is_some(),
            "after a main future panicked out of Runtime::block_on, spawn outside any runtime \
             returned: the thread still counted as running a runtime (clear it also when \
             block_on unwinds, with a guard's Drop)"
        );
        assert_eq!(Runtime::new().unwrap().block_on(async { 42 }), 42);
    }

    /// A wake that reaches the sleeping executor, from a thread that pauses for 50 ms right
    /// after its wake has reached the kernel, is not lost, for the main future and for a
    /// spawned task: the executor must find the woken task already queued when it wakes.
    fn wake_queues_before_notify() {
        let main = handover::lost_wakes(|future| Runtime::new().unwrap().block_on(future));
        let task = handover::lost_wakes(|future| {
            Runtime::new().unwrap().block_on(async { spawn(future).await.unwrap() });
        });
        assert!(
            main.rescues == 0 && task.rescues == 0,
            "a wake was lost in {main} for the main future and {task} for a spawned task: \
             the waker woke the sleeping executor, which found nothing to poll and went back \
             to sleep before the waker queued the task (here the waking thread paused 50 ms \
             right after the notify, which on a busy machine happens by itself). Queue the \
             task's id first, then notify"
        );
    }
}
