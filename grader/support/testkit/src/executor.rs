//! An instrumented executor for checks: it polls a future only when it was woken, counts
//! the polls, and reports a future that returns `Pending` without arranging a wake as
//! stuck instead of hanging.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};
use std::time::{Duration, Instant};

/// How a future ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub polls: u32,
}

/// A future returned `Pending` and nothing woke it within the patience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stuck {
    pub polls: u32,
    pub waited: Duration,
}

impl std::fmt::Display for Stuck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "after poll number {} the future returned Pending, and nothing woke it in {:.1} s: \
             a future that returns Pending must make sure its waker is woken later (store \
             cx.waker() where the event will be noticed, or wake it at once)",
            self.polls,
            self.waited.as_secs_f64()
        )
    }
}

#[derive(Default)]
struct Signal {
    woken: Mutex<bool>,
    bell: Condvar,
    /// How long `wake` dawdles after it has woken the executor.
    linger: Duration,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.bell.notify_all();
        if !self.linger.is_zero() {
            std::thread::sleep(self.linger);
        }
    }
}

/// Pending once (waking itself at once), then ready.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Gives way `times` times: each time pending once and woken at once, so that an executor
/// runs its other tasks in between, without needing any reactor.
pub async fn yield_now(times: u32) {
    for _ in 0..times {
        YieldNow(false).await;
    }
}

/// Runs `future` to completion on this thread, polling it only after a wake.
pub fn run<F: Future>(future: F, patience: Duration) -> Result<(F::Output, Stats), Stuck> {
    run_lingering(future, patience, Duration::ZERO)
}

/// As [`run`], with a waker that returns only `linger` after it has woken the executor:
/// the executor polls while the waking thread is still inside `wake`. Code that wakes
/// first and records why afterwards (sets "done", notes which child woke) is then polled
/// before the record exists, every time, instead of once in a long while on a busy
/// machine.
pub fn run_lingering<F: Future>(
    future: F,
    patience: Duration,
    linger: Duration,
) -> Result<(F::Output, Stats), Stuck> {
    let signal = Arc::new(Signal {
        linger,
        ..Signal::default()
    });
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Ok((output, Stats { polls }));
        }
        let started = Instant::now();
        let mut woken = signal.woken.lock().unwrap();
        while !*woken {
            let left = patience.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Stuck {
                    polls,
                    waited: started.elapsed(),
                });
            }
            woken = signal.bell.wait_timeout(woken, left).unwrap().0;
        }
        *woken = false;
    }
}

/// A waker that counts how often it was woken.
pub struct Counted {
    wakes: AtomicUsize,
}

impl Wake for Counted {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker and its counter.
pub fn counting_waker() -> (Waker, Arc<Counted>) {
    let counted = Arc::new(Counted {
        wakes: AtomicUsize::new(0),
    });
    (Waker::from(Arc::clone(&counted)), counted)
}

impl Counted {
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// A counting waker whose every clone takes `pause`. Code that stores a clone of the
/// waker it was polled with clones it between looking at its state and storing it; the
/// pause stretches that moment so that an event landing in it always does, whatever the
/// scheduler does. Clones share the counter and are as slow.
pub fn slow_cloning_waker(pause: Duration) -> (Waker, Arc<Counted>) {
    let counted = Arc::new(Counted {
        wakes: AtomicUsize::new(0),
    });
    let slow = Arc::new(Slow {
        counted: Arc::clone(&counted),
        pause,
    });
    let raw = RawWaker::new(Arc::into_raw(slow).cast(), &SLOW_VTABLE);
    // SAFETY: the vtable's functions treat the data pointer as the `Arc<Slow>` it is, and
    // keep its reference count balanced.
    (unsafe { Waker::from_raw(raw) }, counted)
}

struct Slow {
    counted: Arc<Counted>,
    pause: Duration,
}

static SLOW_VTABLE: RawWakerVTable =
    RawWakerVTable::new(slow_clone, slow_wake, slow_wake_by_ref, slow_drop);

/// # Safety
/// `data` comes from `Arc::into_raw` of an `Arc<Slow>` that is still alive.
unsafe fn slow_clone(data: *const ()) -> RawWaker {
    // SAFETY: see the function's contract; the count goes up for the new waker.
    let slow = unsafe {
        Arc::increment_strong_count(data.cast::<Slow>());
        &*data.cast::<Slow>()
    };
    std::thread::sleep(slow.pause);
    RawWaker::new(data, &SLOW_VTABLE)
}

/// # Safety
/// As for `slow_clone`; the waker's reference is given up.
unsafe fn slow_wake(data: *const ()) {
    // SAFETY: see the function's contract.
    unsafe {
        slow_wake_by_ref(data);
        slow_drop(data);
    }
}

/// # Safety
/// As for `slow_clone`.
unsafe fn slow_wake_by_ref(data: *const ()) {
    // SAFETY: see the function's contract.
    let slow = unsafe { &*data.cast::<Slow>() };
    slow.counted.wakes.fetch_add(1, Ordering::SeqCst);
}

/// # Safety
/// As for `slow_clone`; the waker's reference is given up.
unsafe fn slow_drop(data: *const ()) {
    // SAFETY: see the function's contract.
    drop(unsafe { Arc::from_raw(data.cast::<Slow>()) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;

    #[test]
    fn counts_polls_and_reports_stuck_futures() {
        let mut left = 3;
        let wakes_itself = poll_fn(|cx| {
            if left == 0 {
                return Poll::Ready("done");
            }
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        assert_eq!(
            run(wakes_itself, Duration::from_secs(1)),
            Ok(("done", Stats { polls: 4 }))
        );
        let forgets = poll_fn(|_| Poll::<()>::Pending);
        let stuck = run(forgets, Duration::from_millis(50)).unwrap_err();
        assert_eq!(stuck.polls, 1);
        assert!(stuck.to_string().contains("nothing woke it"));
    }

    #[test]
    fn slow_wakers_pause_at_every_clone_and_count_every_wake() {
        let (waker, counted) = slow_cloning_waker(Duration::from_millis(30));
        let started = Instant::now();
        let copy = waker.clone();
        let copy_of_copy = copy.clone();
        assert!(started.elapsed() >= Duration::from_millis(60));
        copy.wake();
        copy_of_copy.wake_by_ref();
        waker.wake_by_ref();
        assert_eq!(counted.wakes(), 3);
        drop(copy_of_copy);
        drop(waker);
        assert_eq!(
            Arc::strong_count(&counted),
            1,
            "every waker released its share"
        );
    }

    #[test]
    fn counting_wakers_count() {
        let (waker, counted) = counting_waker();
        waker.wake_by_ref();
        waker.wake();
        assert_eq!(counted.wakes(), 2);
    }
}
