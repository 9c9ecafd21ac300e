use crate::handover;
use crate::ms;
use futures::channel::oneshot;
use runtime::block_on;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{check, cpu};

/// A waker, the flag that says it was really woken (set just before the wake), and the
/// flag that says the wake has been delivered (set just after).
#[derive(Clone)]
struct Wake {
    waker: Waker,
    woken: Arc<AtomicBool>,
    delivered: Arc<AtomicBool>,
}

impl Wake {
    fn wake(&self) {
        self.woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
        self.delivered.store(true, Ordering::SeqCst);
    }
}

/// Pending once; its waker goes to a helper thread that wakes it, racing the executor's
/// park. Ready at the first poll after that wake; a poll before it (after a spurious
/// unpark) is counted. With `wake_first`, the poll itself waits until the helper has
/// woken it, so the wake certainly comes before the park.
struct RaceTheParker {
    helper: mpsc::Sender<Wake>,
    latest: Arc<Mutex<Option<Wake>>>,
    woken: Option<Arc<AtomicBool>>,
    spurious: Arc<AtomicUsize>,
    wake_first: bool,
}

impl Future for RaceTheParker {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.woken {
            Some(woken) if woken.load(Ordering::SeqCst) => Poll::Ready(()),
            Some(_) => {
                self.spurious.fetch_add(1, Ordering::SeqCst);
                Poll::Pending
            }
            None => {
                let wake = Wake {
                    waker: cx.waker().clone(),
                    woken: Arc::default(),
                    delivered: Arc::default(),
                };
                *self.latest.lock().unwrap() = Some(wake.clone());
                self.helper.send(wake.clone()).unwrap();
                if self.wake_first {
                    while !wake.delivered.load(Ordering::SeqCst) {
                        std::hint::spin_loop();
                    }
                }
                self.woken = Some(wake.woken);
                Poll::Pending
            }
        }
    }
}

/// Pending at first; it unparks its own thread during that poll, and a helper wakes it
/// properly 20 ms later. Polls in between are counted.
struct SelfUnparking {
    woken: Option<Arc<AtomicBool>>,
    spurious: Arc<AtomicUsize>,
}

impl Future for SelfUnparking {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.woken {
            Some(woken) if woken.load(Ordering::SeqCst) => Poll::Ready(()),
            Some(_) => {
                self.spurious.fetch_add(1, Ordering::SeqCst);
                Poll::Pending
            }
            None => {
                let woken = Arc::new(AtomicBool::new(false));
                let (waker, flag) = (cx.waker().clone(), Arc::clone(&woken));
                thread::spawn(move || {
                    thread::sleep(ms(20));
                    flag.store(true, Ordering::SeqCst);
                    waker.wake();
                });
                thread::current().unpark();
                self.woken = Some(woken);
                Poll::Pending
            }
        }
    }
}

/// How long a `block_on` whose future is woken within 100 ms may take to return: far
/// longer than it needs, and short enough to fail before the check's time limit.
const BLOCK_ON_PATIENCE_MS: u64 = 5000;

check! {
    /// `block_on` runs futures from the `futures` crate: a oneshot completed by another
    /// thread, and `join_all`.
    fn interop_with_futures_crate() {
        // Run on a thread of its own, so that a block_on that never returns is told apart
        // from a wake that never came: the sender notes when it has woken the future.
        let sent = Arc::new(AtomicBool::new(false));
        let (done, report) = mpsc::channel();
        let noted = Arc::clone(&sent);
        let blocking = thread::spawn(move || done.send(block_on(async move {
            let (tx, rx) = oneshot::channel::<&str>();
            let sender = thread::spawn(move || {
                thread::sleep(ms(50));
                tx.send("from another thread").unwrap();
                noted.store(true, Ordering::SeqCst);
            });
            let message = rx.await.unwrap();
            sender.join().unwrap();
            let receivers: Vec<_> = (1..=3u32)
                .map(|n| {
                    let (tx, rx) = oneshot::channel();
                    thread::spawn(move || {
                        thread::sleep(ms(10 * u64::from(n)));
                        tx.send(n * n).unwrap();
                    });
                    rx
                })
                .collect();
            let squares = futures::future::join_all(receivers).await;
            format!("{message}; {squares:?}")
        })));
        let report = match report.recv_timeout(ms(BLOCK_ON_PATIENCE_MS)) {
            Ok(report) => report,
            // block_on panicked: that panic fails the check.
            Err(mpsc::RecvTimeoutError::Disconnected) => match blocking.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(_) => unreachable!("block_on's thread ended without sending its result"),
            },
            Err(mpsc::RecvTimeoutError::Timeout) if sent.load(Ordering::SeqCst) => {
                testkit::stuck::show_where();
                testkit::fail_because!(
                    "lost-wake",
                    "block_on did not return within {} s, though the future it waited for was \
                     woken after 50 ms (a oneshot sent from another thread): the wake never \
                     got the thread in block_on going again",
                    BLOCK_ON_PATIENCE_MS / 1000
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                testkit::stuck::show_where();
                panic!("block_on did not return within {} s", BLOCK_ON_PATIENCE_MS / 1000)
            }
        };
        insta::assert_snapshot!(report, @"from another thread; [Ok(1), Ok(4), Ok(9)]");
    }

    /// Thousands of wakes that race the park are never lost, and a spurious unpark does not
    /// make `block_on` poll without a wake.
    fn wake_before_park_stress() {
        const ROUNDS: usize = 5000;
        const TIME_FOR_ROUNDS: Duration = Duration::from_secs(2);
        // Deterministic first: the poll itself leaves an unpark token behind, and the real
        // wake comes 20 ms later, so a block_on that trusts park's return polls too early.
        let spurious = Arc::new(AtomicUsize::new(0));
        block_on(SelfUnparking { woken: None, spurious: Arc::clone(&spurious) });
        assert_eq!(
            spurious.load(Ordering::SeqCst),
            0,
            "block_on polled the future {} times although nobody had woken it (the thread was \
             only unparked, by someone other than the waker): loop on a woken flag that only \
             the waker sets, and park again while it is not set",
            spurious.load(Ordering::SeqCst)
        );
        let (to_helper, wakes) = mpsc::channel::<Wake>();
        // Every other wake comes at once (racing the park), the others after a few
        // microseconds (so the unparks below land while the future is still pending).
        let helper = thread::spawn(move || {
            for (round, wake) in wakes.into_iter().enumerate() {
                if round % 2 == 1 {
                    let until = Instant::now() + Duration::from_micros(30);
                    while Instant::now() < until {
                        std::hint::spin_loop();
                    }
                }
                wake.wake();
            }
        });
        let latest: Arc<Mutex<Option<Wake>>> = Arc::default();
        let spurious = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let rescues = Arc::new(AtomicUsize::new(0));
        let me = thread::current();
        // Unparks the thread all the time, when nobody woke its future.
        let pesterer = {
            let (finished, me) = (Arc::clone(&finished), me.clone());
            thread::spawn(move || {
                while !finished.load(Ordering::SeqCst) {
                    me.unpark();
                    thread::yield_now();
                }
            })
        };
        // Wakes a stuck round again, and counts it.
        let watchdog = {
            let (latest, progress, finished, rescues) =
                (Arc::clone(&latest), Arc::clone(&progress), Arc::clone(&finished), Arc::clone(&rescues));
            thread::spawn(move || {
                let mut seen = usize::MAX;
                let mut since = Instant::now();
                while !finished.load(Ordering::SeqCst) {
                    thread::sleep(ms(20));
                    let now = progress.load(Ordering::SeqCst);
                    if now != seen {
                        (seen, since) = (now, Instant::now());
                    } else if since.elapsed() > Duration::from_secs(1) {
                        if let Some(wake) = latest.lock().unwrap().clone() {
                            rescues.fetch_add(1, Ordering::SeqCst);
                            wake.wake();
                        }
                        since = Instant::now();
                    }
                }
            })
        };
        // A busy machine gets through fewer rounds in the time allowed; each is still a
        // fair race, and an idle one does them all in a fraction of it.
        let started = Instant::now();
        for round in 0..ROUNDS {
            if rescues.load(Ordering::SeqCst) > 0 {
                break; // One lost wake is enough to know.
            }
            if started.elapsed() > TIME_FOR_ROUNDS {
                break;
            }
            block_on(RaceTheParker {
                helper: to_helper.clone(),
                latest: Arc::clone(&latest),
                woken: None,
                spurious: Arc::clone(&spurious),
                wake_first: round % 3 == 0,
            });
            progress.store(round + 1, Ordering::SeqCst);
        }
        finished.store(true, Ordering::SeqCst);
        drop(to_helper);
        helper.join().unwrap();
        watchdog.join().unwrap();
        pesterer.join().unwrap();
        assert_eq!(
            rescues.load(Ordering::SeqCst),
            0,
            "a wake that arrived before block_on went to sleep was lost (a watchdog had to \
             wake the future again, after round {} of at most {ROUNDS}): remember wakes in a flag \
             that block_on checks before it sleeps",
            progress.load(Ordering::SeqCst)
        );
        assert_eq!(
            spurious.load(Ordering::SeqCst),
            0,
            "block_on polled the future {} times although nobody had woken it (the thread was \
             unparked by someone else): loop on a woken flag that only the waker sets, and \
             park again while it is not set",
            spurious.load(Ordering::SeqCst)
        );
    }

    /// While its future waits 200 ms for another thread, `block_on` sleeps.
    fn sleeps_while_pending() {
        let (tx, rx) = oneshot::channel::<()>();
        let sender = thread::spawn(move || {
            thread::sleep(ms(200));
            tx.send(()).unwrap();
        });
        let (result, usage) = cpu::measure(|| block_on(rx));
        sender.join().unwrap();
        assert!(result.is_ok());
        usage.assert_waiting("block_on waiting 0.2 s for another thread", 0.5);
    }

    /// A wake that reaches `block_on` while it sleeps, from a thread that pauses for 50 ms
    /// right after its wake has reached the kernel, is not lost: `block_on` must find the
    /// reason for the wake (the flag) already set when it wakes up.
    fn wake_sets_flag_before_unpark() {
        let lost = handover::lost_wakes(block_on);
        assert!(
            lost.rescues == 0,
            "a wake was lost in {lost}: the waker woke the sleeping block_on, which found no \
             woken flag and went back to sleep before the waker set it (here the waking \
             thread paused 50 ms right after its unpark, which on a busy machine happens by \
             itself). Set the flag first, then unpark"
        );
    }
}
