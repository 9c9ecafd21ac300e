//! Step 3 — waking a blocked poll from another thread.

use crate::poll::{Registry, Token};
use std::io;

/// Ends a [`crate::Poll::poll`] from any thread: the poll reports an event with the
/// waker's token. Wakes are never lost: one that happens before the poll starts makes that
/// poll return at once. `Waker` is `Send + Sync`; share it with an `Arc`.
///
/// Hint: an `eventfd` is a file descriptor around a counter; writing 8 bytes (a `u64`)
/// adds to it and makes it readable, and epoll reports every write as a new edge. Create
/// it with `EFD_NONBLOCK` and keep it as a `std::fs::File`: that closes it on drop, is
/// `Send + Sync`, and implements `Write` for `&File` too, so `wake(&self)` can write
/// through a shared reference (`(&self.file).write(..)`). A `File` is `AsRawFd`, so
/// [`Registry::register`] takes it as it is.
#[derive(Debug)]
pub struct Waker {
    // Replace this with the waker's state (the eventfd).
    _todo: (),
}

impl Waker {
    /// Creates an eventfd and registers it with `registry` under `token`, readable.
    pub fn new(registry: &Registry, token: Token) -> io::Result<Waker> {
        todo!()
    }

    /// Makes the poll report the waker's token. A full eventfd counter (the write would
    /// block) means a wake is already pending: that is a success too.
    pub fn wake(&self) -> io::Result<()> {
        todo!()
    }
}
