//! Step 3 — waking a blocked poll from another thread.

use crate::poll::{Interest, Registry, Token};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::FromRawFd;

/// Ends a [`crate::Poll::poll`] from any thread: the poll reports an event with the
/// waker's token. Wakes are never lost: one that happens before the poll starts makes that
/// poll return at once. `Waker` is `Send + Sync`; share it with an `Arc`.
#[derive(Debug)]
pub struct Waker {
    eventfd: File,
}

impl Waker {
    /// Creates an eventfd and registers it with `registry` under `token`, readable.
    pub fn new(registry: &Registry, token: Token) -> io::Result<Waker> {
        // SAFETY: eventfd takes an initial value and flags and returns a descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the descriptor was just created and belongs to nobody else.
        let eventfd = unsafe { File::from_raw_fd(fd) };
        registry.register(&eventfd, token, Interest::READABLE)?;
        Ok(Waker { eventfd })
    }

    /// Makes the poll report the waker's token. A full eventfd counter (the write would
    /// block) means a wake is already pending: that is a success too.
    pub fn wake(&self) -> io::Result<()> {
        // Every write is a new edge for epoll, even while the counter is non-zero.
        match (&self.eventfd).write(&1u64.to_ne_bytes()) {
            Ok(_) => Ok(()),
            // The counter is full: the poll has a pending wake anyway.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}
