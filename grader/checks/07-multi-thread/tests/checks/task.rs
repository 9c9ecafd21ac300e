use crate::{Gate, PATIENCE, join_within};
use multi_thread::Runtime;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{check, ms};

/// Pending until `wakes` wakes have come in; hands out its waker through `slot` on every
/// poll, so that a thread outside the runtime can wake it.
struct WokenFromOutside {
    seen: Arc<AtomicUsize>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    wakes: usize,
}

impl Future for WokenFromOutside {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The waker first: the waking thread takes it as soon as it sees the count.
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        self.polls.fetch_add(1, Ordering::SeqCst);
        if self.seen.load(Ordering::SeqCst) >= self.wakes {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Wakes itself during each poll, then stays in the poll until a second poll of the same
/// task starts or `linger` has passed: a runtime that lets another worker poll the task
/// while the first poll runs is caught in the act, whatever the scheduler does.
struct SelfWaking {
    polls: usize,
    inside: Arc<AtomicBool>,
    overlaps: Arc<AtomicUsize>,
    linger: Duration,
}

impl Future for SelfWaking {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if self.inside.swap(true, Ordering::SeqCst) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
            return Poll::Pending;
        }
        self.polls += 1;
        if self.polls == 10 {
            self.inside.store(false, Ordering::SeqCst);
            return Poll::Ready(self.polls);
        }
        cx.waker().wake_by_ref();
        let until = Instant::now() + self.linger;
        while Instant::now() < until && self.overlaps.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        self.inside.store(false, Ordering::SeqCst);
        Poll::Pending
    }
}

/// Pending for ever, counting its polls and leaving its waker in `slot`.
struct Counting {
    polls: Arc<AtomicUsize>,
    slot: Arc<Mutex<Option<Waker>>>,
}

impl Future for Counting {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        self.polls.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

/// Waits for its gate. Its first poll, once its waker is in the gate, has another thread
/// open the gate and returns only after that wake has returned: the wake lands while the
/// worker still counts the task as running, on every run, not only when a race allows.
struct OpenedWhileRunning {
    gate: Gate,
    opened: bool,
}

impl Future for OpenedWhileRunning {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Pin::new(&mut self.gate.wait()).poll(cx).is_ready() {
            return Poll::Ready(());
        }
        if !std::mem::replace(&mut self.opened, true) {
            let gate = self.gate.clone();
            let (woke, woken) = mpsc::channel();
            thread::spawn(move || {
                gate.open();
                let _ = woke.send(());
            });
            // Bounded, so that a runtime whose wake waits for the poll to end gets its wake
            // in late rather than never: only a lost wake fails.
            let _ = woken.recv_timeout(Duration::from_secs(1));
        }
        Poll::Pending
    }
}

/// Tasks woken from another thread during their poll, after they stored their waker.
fn woken_while_running() {
    const ROUNDS: usize = 20;
    let rt = Runtime::new(2).unwrap();
    for round in 0..ROUNDS {
        let handle = rt.spawn(OpenedWhileRunning {
            gate: Gate::default(),
            opened: false,
        });
        assert_eq!(
            join_within(handle, PATIENCE),
            Some(Ok(())),
            "round {round} of {ROUNDS}: a task woken from another thread during its poll \
             (after it had stored its waker) was never polled again: the wake was lost \
             between the poll and the moment the task was marked waiting. A wake that comes \
             while the task runs must make one more poll after it"
        );
    }
}

/// One worker, held by a blocking task while another task, already polled once, is woken
/// five times: it must be polled once more, not five times.
fn queued_once() {
    const WAKES: usize = 5;
    let rt = Runtime::new(1).unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let _counting = rt.spawn(Counting {
        polls: Arc::clone(&polls),
        slot: Arc::clone(&slot),
    });
    let until = Instant::now() + PATIENCE;
    while polls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < until, "a spawned task was never polled");
        thread::yield_now();
    }
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, starting) = std::sync::mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        let _ = started.send(());
        let _ = released.recv_timeout(PATIENCE * 2);
    });
    starting
        .recv_timeout(PATIENCE)
        .expect("a blocking task was never polled");
    let waker = slot.lock().unwrap().clone();
    let waker = waker.expect("the task left its waker");
    for _ in 0..WAKES {
        waker.wake_by_ref();
    }
    let _ = release.send(());
    assert_eq!(join_within(blocker, PATIENCE), Some(Ok(())));
    // Spawned after the wakes, on the only worker: by the time it has run, so has every
    // poll the wakes queued (in a first-in, first-out queue; any other order can only
    // hide polls, never add them).
    let last = rt.spawn(async {});
    assert_eq!(join_within(last, PATIENCE), Some(Ok(())));
    let polled = polls.load(Ordering::SeqCst);
    assert!(
        polled > 1,
        "a task woken {WAKES} times from a thread outside the runtime, while it waited in the \
         queue, was never polled again: the wakes were lost (see task::wakes_from_any_thread)"
    );
    assert_eq!(
        polled,
        2,
        "a task woken {WAKES} times while it waited in the queue (its worker busy) was \
         polled {} times after that: a task is queued once, however often it is woken \
         before it runs",
        polled - 1
    );
}

check! {
    /// A task's waker works from any thread: woken from a thread outside the runtime, the
    /// task is polled again; a waker woken after its task finished, or after the runtime
    /// was dropped, does nothing.
    fn wakes_from_any_thread() {
        const WAKES: usize = 50;
        let rt = Runtime::new(2).unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let slot = Arc::new(Mutex::new(None::<Waker>));
        let polls = Arc::new(AtomicUsize::new(0));
        let handle = rt.spawn(WokenFromOutside {
            seen: Arc::clone(&seen),
            slot: Arc::clone(&slot),
            polls: Arc::clone(&polls),
            wakes: WAKES,
        });
        let waker_thread = {
            let (seen, slot, polls) = (Arc::clone(&seen), Arc::clone(&slot), Arc::clone(&polls));
            thread::spawn(move || {
                for round in 1..=WAKES {
                    // Each round waits for the poll that follows the previous wake.
                    let until = Instant::now() + PATIENCE;
                    while polls.load(Ordering::SeqCst) < round {
                        if Instant::now() > until {
                            return Err(round - 1);
                        }
                        thread::yield_now();
                    }
                    // Now and then with every worker surely asleep first, so that a wake
                    // that queues the task but rings for nobody is lost whatever the timing.
                    if round % 10 == 1 {
                        testkit::futexes::others_asleep(ms(500));
                    }
                    seen.store(round, Ordering::SeqCst);
                    let waker = slot.lock().unwrap().clone();
                    waker.expect("a poll stored its waker").wake();
                }
                Ok(())
            })
        };
        let outcome = waker_thread.join().unwrap();
        assert_eq!(
            outcome,
            Ok(()),
            "woken from a thread outside the runtime, the task was not polled again"
        );
        assert_eq!(join_within(handle, PATIENCE), Some(Ok(())), "the task did not finish after its last wake");
        let late = slot.lock().unwrap().take().expect("the last poll stored its waker");
        late.wake_by_ref();
        let still = rt.spawn(async { "the runtime carries on after a late wake" });
        assert_eq!(join_within(still, PATIENCE), Some(Ok("the runtime carries on after a late wake")));
        // Woken on every worker of another runtime, one with more workers: each task goes
        // back to its own runtime, whatever runtime the waking thread belongs to.
        const OTHERS: usize = 4;
        let small = Runtime::new(1).unwrap();
        let (mine, wakers): (Vec<_>, Vec<_>) = (0..OTHERS)
            .map(|_| {
                let gate = Gate::default();
                let waiting = gate.clone();
                let handle = small.spawn(async move { waiting.wait().await });
                let until = Instant::now() + PATIENCE;
                let waker = loop {
                    let mut state = gate.0.lock().unwrap();
                    if let Some(waker) = state.waker.clone() {
                        state.open = true;
                        break waker;
                    }
                    drop(state);
                    assert!(Instant::now() < until, "a spawned task was never polled");
                    thread::yield_now();
                };
                (handle, waker)
            })
            .unzip();
        let other = Runtime::new(OTHERS).unwrap();
        let meeting = Arc::new(testkit::Rendezvous::new(OTHERS));
        let wakes: Vec<_> = wakers
            .into_iter()
            .map(|waker| {
                let meeting = Arc::clone(&meeting);
                other.spawn(async move {
                    // One on each worker of the other runtime.
                    meeting.arrive();
                    waker.wake();
                })
            })
            .collect();
        for outcome in wakes.into_iter().map(|h| join_within(h, PATIENCE)) {
            assert_eq!(
                outcome,
                Some(Ok(())),
                "waking a task of one runtime from a worker of another (of {OTHERS} workers) failed"
            );
        }
        for handle in mine {
            assert_eq!(
                join_within(handle, PATIENCE),
                Some(Ok(())),
                "a task woken from a worker of another runtime was never polled again: a wake \
                 must queue the task on its own runtime (a worker's thread-local says which \
                 runtime that thread belongs to, not the task's)"
            );
        }
        drop((other, small));
        let parked = Gate::default();
        let held = {
            let waiting = parked.clone();
            drop(rt.spawn(async move { waiting.wait().await }));
            // The gate keeps the waker of the task's poll; take it out once it is there.
            let until = Instant::now() + PATIENCE;
            loop {
                if let Some(waker) = parked.0.lock().unwrap().waker.clone() {
                    break waker;
                }
                assert!(Instant::now() < until, "a spawned task was never polled");
                thread::yield_now();
            }
        };
        drop(rt);
        held.wake();
        late.wake();
    }

    /// A task woken while it is being polled is polled again once, after that poll, by one
    /// worker: never by two workers at once, and the wake is not lost. A task woken many
    /// times while it waits in a queue is polled once.
    fn one_poll_at_a_time() {
        queued_once();
        let rt = Runtime::new(4).unwrap();
        let overlaps = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                rt.spawn(SelfWaking {
                    polls: 0,
                    inside: Arc::new(AtomicBool::new(false)),
                    overlaps: Arc::clone(&overlaps),
                    linger: Duration::from_millis(30),
                })
            })
            .collect();
        for handle in handles {
            let outcome = join_within(handle, PATIENCE);
            assert_eq!(
                overlaps.load(Ordering::SeqCst),
                0,
                "a task that woke itself during its poll was polled by another worker while \
                 that poll still ran: a task must be polled by one worker at a time"
            );
            assert_eq!(
                outcome,
                Some(Ok(10)),
                "a task that woke itself during its poll was never polled again: a wake that \
                 comes while the task runs must make one more poll after it"
            );
        }
    }

    /// Wakes from another thread, forced into a poll, then racing with the task's poll in
    /// thousands of rounds: every round's task finishes, whichever comes first.
    fn no_lost_wakes() {
        // Each race part stops after RACE_TIME, so that a machine too busy to get through
        // its rounds leaves the check within its time limit.
        const RACE_TIME: Duration = Duration::from_millis(2500);
        woken_while_running();
        const ROUNDS: usize = 2000;
        let rt = Runtime::new(2).unwrap();
        let mut handles = Vec::with_capacity(ROUNDS);
        let started = Instant::now();
        for round in 0..ROUNDS {
            if started.elapsed() > RACE_TIME {
                break;
            }
            let gate = Gate::default();
            let waiting = gate.clone();
            // Told by the task itself: no thread per round to join its handle.
            let (done, finished) = mpsc::channel();
            let task = async move {
                waiting.wait().await;
                let _ = done.send(());
            };
            // Half the rounds open the gate before the task exists, half while it may run.
            if round % 2 == 0 {
                handles.push(rt.spawn(task));
                gate.open();
            } else {
                let opener = thread::spawn(move || gate.open());
                handles.push(rt.spawn(task));
                opener.join().unwrap();
            }
            assert!(
                finished.recv_timeout(PATIENCE).is_ok(),
                "round {round} of {ROUNDS}: a task woken from another thread while it ran or \
                 waited was never polled again (a lost wake)"
            );
        }
        drop((rt, handles));
        // One worker going to sleep, again and again, while this thread spawns the next task
        // aimed at the moment it does: a worker that looks at the queues before it counts
        // itself asleep misses one.
        let rt = Runtime::new(1).unwrap();
        crate::idle_race::spawn_at_the_edge(&rt, 40_000, ms(600), RACE_TIME);
    }
}
