//! Futures every bench program measures alike, and a way to poll one without a runtime.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// Returns `Pending` once, after waking its waker, then `Ready`: one wake and one
/// re-poll, whoever the executor is.
pub fn yield_once() -> YieldOnce {
    YieldOnce { yielded: false }
}

pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Polls `future` until it is ready, with a waker that does nothing: for futures that
/// make progress on every poll, such as state machines over [`yield_once`].
pub fn poll_to_end<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return (out, polls);
        }
        polls += 1;
    }
}

/// Runs `future` on this thread, parked between polls until its waker is woken (from
/// any thread).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker = Arc::new(Unparker {
        woken: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(Arc::clone(&unparker));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        while !unparker.woken.swap(false, Ordering::Acquire) {
            std::thread::park();
        }
    }
}

struct Unparker {
    woken: AtomicBool,
    thread: std::thread::Thread,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_waits_for_a_wake_from_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let waker_thread = std::thread::spawn(move || rx.recv().unwrap().wake());
        let mut sent = Some(tx);
        let polls = std::cell::Cell::new(0);
        block_on(std::future::poll_fn(|cx| {
            polls.set(polls.get() + 1);
            match sent.take() {
                Some(tx) => {
                    tx.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                }
                None => Poll::Ready(()),
            }
        }));
        waker_thread.join().unwrap();
        assert_eq!(polls.get(), 2);
    }

    #[test]
    fn yield_once_takes_two_polls() {
        assert_eq!(poll_to_end(yield_once()), ((), 2));
    }
}
