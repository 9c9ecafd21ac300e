//! Step 3 — the reactor: epoll readiness and timers, turned into wakes.
//!
//! Build a reactor that owns one epoll instance and one thread that waits on it:
//!
//! - The thread sleeps in `epoll_wait` until a registered descriptor becomes ready or the
//!   nearest timer is due (its deadline is the wait's timeout: no thread per timer), then
//!   wakes the wakers waiting for that.
//! - An eventfd, registered too, lets other threads interrupt the wait: when a nearer timer
//!   is added, and when the runtime is dropped (the thread then ends and is joined, and
//!   the descriptors are closed).
//! - Readiness that arrives while nobody waits must not be lost: record it per descriptor
//!   and direction, and have I/O futures check and clear it, and store their waker, under
//!   the same lock the reactor thread takes to record it.
//!
//! The reactor type is yours to define, here. `executor.rs` starts and stops it and
//! `net.rs` registers sockets with it, so give it, its methods and whatever else those
//! modules call `pub(crate)` visibility. It is shared with its own thread, so it lives in
//! an `Arc` and keeps its changing state in a `Mutex` (the descriptors themselves can be
//! `OwnedFd`/`File` fields, closed when the last `Arc` goes). [`Sleep`] and
//! [`crate::TcpStream`] find it through a thread-local holding an `Arc` of it, which
//! `Runtime::block_on` sets for as long as it runs. A `Sleep` keeps the `Arc` and its
//! timer's key once first polled, so that `Drop` can cancel the timer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Completes `duration` after it is first polled; see [`sleep`].
pub struct Sleep {
    // Replace this with the sleep's state: its duration, and its timer in the reactor.
    _todo: (),
}

/// A future that completes after `duration`. The deadline is kept by the runtime's
/// reactor, not by a thread of its own. Dropping it early cancels the timer (and drops
/// its waker).
///
/// # Panics
/// When first polled outside [`crate::Runtime::block_on`].
pub fn sleep(duration: Duration) -> Sleep {
    todo!()
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        todo!()
    }
}
