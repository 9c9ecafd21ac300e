//! A future the check opens by hand, counting how often it is polled.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct State {
    open: bool,
    waker: Option<Waker>,
}

/// Pending until [`Opener::open`] is called; then ready with its number.
pub struct Gate {
    number: usize,
    state: Arc<Mutex<State>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

/// Opens one gate from outside.
#[derive(Clone)]
pub struct Opener {
    state: Arc<Mutex<State>>,
}

/// Counters shared by a family of gates.
#[derive(Default, Clone)]
pub struct Counters {
    pub polls: Arc<AtomicUsize>,
    pub drops: Arc<AtomicUsize>,
}

impl Counters {
    pub fn polls(&self) -> usize {
        self.polls.load(Ordering::SeqCst)
    }

    pub fn drops(&self) -> usize {
        self.drops.load(Ordering::SeqCst)
    }

    pub fn gate(&self, number: usize) -> (Gate, Opener) {
        let state = Arc::new(Mutex::new(State::default()));
        let gate = Gate {
            number,
            state: Arc::clone(&state),
            polls: Arc::clone(&self.polls),
            drops: Arc::clone(&self.drops),
        };
        (gate, Opener { state })
    }
}

impl Opener {
    pub fn open(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.open = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Gate {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        let mut state = self.state.lock().unwrap();
        if state.open {
            Poll::Ready(self.number)
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}
