//! Step 3 — combinators.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs two futures concurrently; see [`join`].
///
/// Pinning: `poll` gets `Pin<&mut Join>`, and `self.get_mut()` needs `Join: Unpin`. With
/// each child in a `Pin<Box<_>>` and its output kept inline, the compiler makes `Join`
/// `Unpin` only when both outputs are, and rejects `get_mut` ("`<A as Future>::Output`
/// cannot be unpinned"). The outputs are never pinned (only the boxed children are, and
/// a `Pin<Box<_>>` may move), so declaring `impl<A: Future, B: Future> Unpin for Join<A, B>
/// {}` is sound, and makes `get_mut` compile.
pub struct Join<A: Future, B: Future> {
    // Replace this with the state of both futures: running (boxed and pinned: Box::pin),
    // or finished with their output.
    _todo: PhantomData<(A, B)>,
}

/// Waits for both futures and returns both outputs. Every poll of `Join` polls `a`, then
/// `b`, skipping one that has already returned `Ready` (a finished future is never polled
/// again).
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    todo!()
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

/// Runs many futures concurrently; see [`join_all`].
///
/// Pinning: as for [`Join`], children in `Pin<Box<F>>` and outputs kept inline make
/// `impl<F: Future> Unpin for JoinAll<F> {}` sound and needed for `self.get_mut()`.
pub struct JoinAll<F: Future> {
    // Replace this with the children's state, a waker per child, and the shared list of
    // children woken since the last poll.
    _todo: PhantomData<F>,
}

/// Waits for every future and returns their outputs in the order given.
///
/// Each child is polled with a waker of its own, and a poll of `JoinAll` polls only the
/// children woken since the last poll (all of them the first time): one child's event
/// costs one child's poll, however many children there are.
///
/// Hint: a child's waker can be an `Arc` of your own type implementing `std::task::Wake`:
/// its `wake` pushes the child's index onto a shared list and wakes the parent's waker
/// (the one from the last `poll` of `JoinAll`). `Wake` requires `Send + Sync`, since a
/// waker may be woken on any thread: share the list and the parent's waker through an
/// `Arc` of `Mutex`es (not `Rc<RefCell<_>>`). Make each child's `Waker` once, in
/// `join_all`, and poll the child with `Context::from_waker(&its_waker)`.
pub fn join_all<F: Future>(futures: Vec<F>) -> JoinAll<F> {
    todo!()
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
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
    // Replace this with both futures, in a form that lets you drop one while keeping the
    // `Select` (an `Option` does).
    _todo: PhantomData<(A, B)>,
}

/// Waits for the first of two futures to finish and returns its output. The other one is
/// dropped at that moment, before `select` returns. If both are ready at the same poll,
/// `a` wins.
pub fn select<A: Future + Unpin, B: Future + Unpin>(a: A, b: B) -> Select<A, B> {
    todo!()
}

impl<A: Future + Unpin, B: Future + Unpin> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}
