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

/// Pending once; its waker goes to a helper thread that wakes it at once, racing the
/// executor's park. Ready at the second poll.
struct RaceTheParker {
    helper: mpsc::Sender<Waker>,
    latest: Arc<Mutex<Option<Waker>>>,
    sent: bool,
}

impl Future for RaceTheParker {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.sent {
            return Poll::Ready(());
        }
        self.sent = true;
        *self.latest.lock().unwrap() = Some(cx.waker().clone());
        self.helper.send(cx.waker().clone()).unwrap();
        Poll::Pending
    }
}

check! {
    /// `block_on` runs futures from the `futures` crate: a oneshot completed by another
    /// thread, and `join_all`.
    fn interop_with_futures_crate() {
        let report = block_on(async {
            let (tx, rx) = oneshot::channel::<&str>();
            let sender = thread::spawn(move || {
                thread::sleep(ms(50));
                tx.send("from another thread").unwrap();
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
        });
        insta::assert_snapshot!(report, @"from another thread; [Ok(1), Ok(4), Ok(9)]");
    }

    /// Thousands of wakes that race the park are never lost, and spurious unparks do no
    /// harm.
    fn wake_before_park_stress() {
        const ROUNDS: usize = 5000;
        let (to_helper, wakes) = mpsc::channel::<Waker>();
        let helper = thread::spawn(move || {
            for waker in wakes {
                waker.wake();
            }
        });
        let latest: Arc<Mutex<Option<Waker>>> = Arc::default();
        let progress = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let rescues = Arc::new(AtomicUsize::new(0));
        let me = thread::current();
        // Wakes a stuck round again (and counts it), and unparks the thread spuriously.
        let watchdog = {
            let (latest, progress, finished, rescues) =
                (Arc::clone(&latest), Arc::clone(&progress), Arc::clone(&finished), Arc::clone(&rescues));
            thread::spawn(move || {
                let mut seen = usize::MAX;
                let mut since = Instant::now();
                while !finished.load(Ordering::SeqCst) {
                    thread::sleep(ms(20));
                    me.unpark();
                    let now = progress.load(Ordering::SeqCst);
                    if now != seen {
                        (seen, since) = (now, Instant::now());
                    } else if since.elapsed() > Duration::from_secs(1) {
                        if let Some(waker) = latest.lock().unwrap().clone() {
                            rescues.fetch_add(1, Ordering::SeqCst);
                            waker.wake();
                        }
                        since = Instant::now();
                    }
                }
            })
        };
        for round in 0..ROUNDS {
            if rescues.load(Ordering::SeqCst) > 0 {
                break; // One lost wake is enough to know.
            }
            block_on(RaceTheParker {
                helper: to_helper.clone(),
                latest: Arc::clone(&latest),
                sent: false,
            });
            progress.store(round + 1, Ordering::SeqCst);
        }
        finished.store(true, Ordering::SeqCst);
        drop(to_helper);
        helper.join().unwrap();
        watchdog.join().unwrap();
        assert_eq!(
            rescues.load(Ordering::SeqCst),
            0,
            "a wake that arrived before block_on went to sleep was lost (a watchdog had to \
             wake the future again, after round {} of {ROUNDS}): remember wakes in a flag \
             that block_on checks before it sleeps",
            progress.load(Ordering::SeqCst)
        );
    }

    /// While its future waits 300 ms for another thread, `block_on` sleeps.
    fn sleeps_while_pending() {
        let (tx, rx) = oneshot::channel::<()>();
        let sender = thread::spawn(move || {
            thread::sleep(ms(300));
            tx.send(()).unwrap();
        });
        let (result, usage) = cpu::measure(|| block_on(rx));
        sender.join().unwrap();
        assert!(result.is_ok());
        usage.assert_waiting("block_on waiting 0.3 s for another thread", 0.25);
    }
}
