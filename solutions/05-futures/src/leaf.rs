//! Step 1 — leaf futures.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Returns `Pending` `n` times, waking itself each time, then `Ready(())`.
#[derive(Debug)]
pub struct CountDown {
    remaining: u32,
}

/// A future that is ready after being polled `n + 1` times.
pub fn count_down(n: u32) -> CountDown {
    CountDown { remaining: n }
}

impl Future for CountDown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        // Nothing else will ever wake this task: ask to be polled again.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[derive(Debug, Default)]
struct Shared {
    done: bool,
    waker: Option<Waker>,
}

/// Completes `duration` after its first poll.
///
/// The first poll starts a helper thread that sleeps for `duration`, then wakes the task.
/// A task may be polled with a different waker each time (it may have moved to another
/// executor thread): the helper must wake the waker of the *most recent* poll, never an
/// older one.
#[derive(Debug)]
pub struct Delay {
    duration: Duration,
    shared: Option<Arc<Mutex<Shared>>>,
}

pub fn delay(duration: Duration) -> Delay {
    Delay {
        duration,
        shared: None,
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let duration = self.duration;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Arc::new(Mutex::new(Shared::default()));
            let helper = Arc::clone(&shared);
            thread::spawn(move || {
                thread::sleep(duration);
                let waker = {
                    let mut state = helper.lock().unwrap();
                    state.done = true;
                    state.waker.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            shared
        });
        let mut state = shared.lock().unwrap();
        if state.done {
            return Poll::Ready(());
        }
        match &mut state.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
