//! Step 3 — combinators.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A future that is still running, or its output once it finished.
enum Slot<F: Future> {
    Running(Pin<Box<F>>),
    Done(F::Output),
    Taken,
}

impl<F: Future> Slot<F> {
    /// Polls a running future; `true` once its output is stored.
    fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        if let Slot::Running(future) = self
            && let Poll::Ready(output) = future.as_mut().poll(cx)
        {
            *self = Slot::Done(output);
        }
        matches!(self, Slot::Done(_))
    }

    fn take(&mut self) -> F::Output {
        match std::mem::replace(self, Slot::Taken) {
            Slot::Done(output) => output,
            _ => unreachable!("taken only when done"),
        }
    }
}

/// Runs two futures concurrently; see [`join`].
pub struct Join<A: Future, B: Future> {
    a: Slot<A>,
    b: Slot<B>,
}

/// Waits for both futures and returns both outputs. Every poll of `Join` polls `a`, then
/// `b`, skipping one that has already returned `Ready` (a finished future is never polled
/// again).
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: Slot::Running(Box::pin(a)),
        b: Slot::Running(Box::pin(b)),
    }
}

// The futures are boxed and outputs are never pinned, so moving a `Join` is harmless.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let a_done = this.a.poll(cx);
        let b_done = this.b.poll(cx);
        if a_done && b_done {
            Poll::Ready((this.a.take(), this.b.take()))
        } else {
            Poll::Pending
        }
    }
}

/// The indexes of the children woken since the last poll, and the parent's waker.
#[derive(Default)]
struct Woken {
    children: Vec<usize>,
    parent: Option<Waker>,
}

/// The waker a child of [`join_all`] gets: it notes the child, then wakes the parent.
struct ChildWaker {
    index: usize,
    woken: Arc<Mutex<Woken>>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut woken = self.woken.lock().unwrap();
            woken.children.push(self.index);
            woken.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// Runs many futures concurrently; see [`join_all`].
pub struct JoinAll<F: Future> {
    slots: Vec<Slot<F>>,
    wakers: Vec<Waker>,
    woken: Arc<Mutex<Woken>>,
    remaining: usize,
}

/// Waits for every future and returns their outputs in the order given.
///
/// Each child is polled with a waker of its own, and a poll of `JoinAll` polls only the
/// children woken since the last poll (all of them the first time): one child's event
/// costs one child's poll, however many children there are.
pub fn join_all<F: Future>(futures: Vec<F>) -> JoinAll<F> {
    let woken = Arc::new(Mutex::new(Woken {
        children: (0..futures.len()).collect(),
        parent: None,
    }));
    let wakers = (0..futures.len())
        .map(|index| {
            Waker::from(Arc::new(ChildWaker {
                index,
                woken: Arc::clone(&woken),
            }))
        })
        .collect();
    JoinAll {
        remaining: futures.len(),
        slots: futures
            .into_iter()
            .map(|f| Slot::Running(Box::pin(f)))
            .collect(),
        wakers,
        woken,
    }
}

// The children are boxed and outputs are never pinned, so moving a `JoinAll` is harmless.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let due = {
            let mut woken = this.woken.lock().unwrap();
            woken.parent = Some(cx.waker().clone());
            std::mem::take(&mut woken.children)
        };
        for index in due {
            let slot = &mut this.slots[index];
            if matches!(slot, Slot::Running(_)) {
                let mut child_cx = Context::from_waker(&this.wakers[index]);
                if slot.poll(&mut child_cx) {
                    this.remaining -= 1;
                }
            }
        }
        if this.remaining == 0 {
            Poll::Ready(this.slots.iter_mut().map(Slot::take).collect())
        } else {
            Poll::Pending
        }
    }
}

/// Which of two futures finished first, with its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Either<L, R> {
    Left(L),
    Right(R),
}

/// Races two futures; see [`select`].
pub struct Select<A, B> {
    a: Option<A>,
    b: Option<B>,
}

/// Waits for the first of two futures to finish and returns its output. The other one is
/// dropped at that moment, before `select` returns. If both are ready at the same poll,
/// `a` wins.
pub fn select<A: Future + Unpin, B: Future + Unpin>(a: A, b: B) -> Select<A, B> {
    Select {
        a: Some(a),
        b: Some(b),
    }
}

impl<A: Future + Unpin, B: Future + Unpin> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let a = this.a.as_mut().expect("Select polled after completion");
        if let Poll::Ready(out) = Pin::new(a).poll(cx) {
            this.a = None;
            this.b = None;
            return Poll::Ready(Either::Left(out));
        }
        let b = this.b.as_mut().expect("Select polled after completion");
        if let Poll::Ready(out) = Pin::new(b).poll(cx) {
            this.a = None;
            this.b = None;
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    }
}
