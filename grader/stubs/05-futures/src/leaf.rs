//! Step 1 — leaf futures.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
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

    /// Hint: an executor polls a task again only after its waker was woken. Nothing else
    /// will ever wake this one, so it must do that itself before returning `Pending`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        todo!()
    }
}

/// Completes `duration` after its first poll.
///
/// The first poll starts a helper thread that sleeps for `duration`, then wakes the task.
/// A task may be polled with a different waker each time (it may have moved to another
/// executor thread): the helper must wake the waker of the *most recent* poll, never an
/// older one.
///
/// Hint: share an `Arc<Mutex<_>>` holding "done" and the latest `Waker` between the future
/// and its helper; every poll stores `cx.waker().clone()` there (unless `will_wake` says
/// the stored one is the same).
#[derive(Debug)]
pub struct Delay {
    // Replace this with the future's state: the duration and what it shares with the helper.
    _todo: (),
}

pub fn delay(duration: Duration) -> Delay {
    todo!()
}

impl Future for Delay {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        todo!()
    }
}
