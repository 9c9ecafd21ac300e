//! Wakes that reach a sleeping executor from a thread that pauses right after its wake
//! has reached the kernel (see `testkit::futexes`): an executor that records why it was
//! woken only after waking the thread loses such a wake every time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Instant;
use testkit::{futexes, ms};

const ROUNDS: usize = 3;

/// Pending at the first poll, where it hands its waker to a helper; ready at the next.
pub struct HandsOverItsWaker {
    waker_to: Option<mpsc::Sender<Waker>>,
}

impl Future for HandsOverItsWaker {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.waker_to.take() {
            Some(to) => {
                to.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}

/// What became of the wakes of [`lost_wakes`].
pub struct Lost {
    /// Rounds where the executor slept on after the wake, and had to be woken again.
    pub rescues: usize,
    /// Rounds where the wake reached a sleeping thread (and so paused).
    reached: usize,
    /// Rounds run: they stop at the first lost wake.
    rounds: usize,
}

impl fmt::Display for Lost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} rounds ({} of the wakes reached a sleeping thread)",
            self.rescues, self.rounds, self.reached
        )
    }
}

/// Runs a [`HandsOverItsWaker`] with `run` (on this thread) a few times; each time a
/// helper waits until this thread sleeps, then wakes the future, pausing 50 ms after
/// its wake reaches the kernel.
pub fn lost_wakes(run: impl Fn(HandsOverItsWaker)) -> Lost {
    let sleeper = futexes::thread_id();
    let mut lost = Lost {
        rescues: 0,
        reached: 0,
        rounds: 0,
    };
    for _ in 0..ROUNDS {
        let (to_helper, waker) = mpsc::channel::<Waker>();
        let done = Arc::new(AtomicBool::new(false));
        let helper = {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                futexes::pause_after_wakes(ms(50));
                let waker = waker.recv().unwrap();
                // A spinning executor never sleeps; it cannot lose this wake either.
                let patience = Instant::now() + ms(500);
                while !futexes::asleep(sleeper) && Instant::now() < patience {
                    thread::sleep(ms(1));
                }
                let before = futexes::paused();
                waker.wake_by_ref();
                let reached = futexes::paused() > before;
                // A lost wake leaves the executor asleep for good: wake it again, and count.
                let mut rescued = false;
                loop {
                    let patience = Instant::now() + ms(1000);
                    while !done.load(Ordering::SeqCst) && Instant::now() < patience {
                        thread::sleep(ms(2));
                    }
                    if done.load(Ordering::SeqCst) {
                        return (rescued, reached);
                    }
                    rescued = true;
                    waker.wake_by_ref();
                }
            })
        };
        run(HandsOverItsWaker {
            waker_to: Some(to_helper),
        });
        done.store(true, Ordering::SeqCst);
        let (rescued, reached) = helper.join().unwrap();
        lost.rounds += 1;
        lost.rescues += usize::from(rescued);
        lost.reached += usize::from(reached);
        if rescued {
            break; // One lost wake is enough to know.
        }
    }
    lost
}
