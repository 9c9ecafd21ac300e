//! Checks for exercise 6 (runtime), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

mod block_on;
mod executor;
mod handover;
mod http;
mod reactor;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

use testkit::ms;

/// A waker whose clones can be counted: `live()` is how many exist, besides the original.
struct Tracked {
    wakes: AtomicUsize,
}

impl Wake for Tracked {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

fn tracked_waker() -> (Waker, Arc<Tracked>) {
    let tracked = Arc::new(Tracked {
        wakes: AtomicUsize::new(0),
    });
    (Waker::from(Arc::clone(&tracked)), tracked)
}

/// How many wakers made from `tracked` are alive, not counting `tracked` itself.
fn live_wakers(tracked: &Arc<Tracked>) -> usize {
    Arc::strong_count(tracked) - 1
}
