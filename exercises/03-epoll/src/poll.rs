//! Step 2 — an epoll-backed event queue.

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Names a registered source; events for it carry the same token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub usize);

/// What readiness a source is registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    readable: bool,
    writable: bool,
}

impl Interest {
    pub const READABLE: Interest = Interest {
        readable: true,
        writable: false,
    };
    pub const WRITABLE: Interest = Interest {
        readable: false,
        writable: true,
    };

    /// Both interests together.
    pub const fn add(self, other: Interest) -> Interest {
        Interest {
            readable: self.readable || other.readable,
            writable: self.writable || other.writable,
        }
    }

    pub const fn is_readable(self) -> bool {
        self.readable
    }

    pub const fn is_writable(self) -> bool {
        self.writable
    }
}

/// One readiness event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub token: Token,
    /// Data can be read, or the peer closed its side, or an error is pending: a read will
    /// not block.
    pub readable: bool,
    /// A write will not block.
    pub writable: bool,
}

/// A buffer of events filled by [`Poll::poll`].
#[derive(Debug)]
pub struct Events {
    list: Vec<Event>,
    capacity: usize,
}

impl Events {
    /// Room for at most `capacity` events per call of [`Poll::poll`] (at least 1).
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            list: Vec::with_capacity(capacity.max(1)),
            capacity: capacity.max(1),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Empties the buffer (`poll` does this first).
    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// Adds an event; `poll` uses this.
    pub fn push(&mut self, event: Event) {
        self.list.push(event);
    }
}

/// Registers sources with an epoll instance. Obtained from [`Poll::registry`].
///
/// Hint: hold the epoll descriptor as a `std::os::fd::OwnedFd` (made with
/// `OwnedFd::from_raw_fd` from what `epoll_create1` returned): it closes itself when
/// dropped, so the `Poll` that owns this `Registry` needs no `Drop` of its own. Its
/// methods take `&self`: `epoll_ctl` changes the kernel's state, not the struct's.
#[derive(Debug)]
pub struct Registry {
    // Replace this with what registering needs: the epoll file descriptor.
    _todo: (),
}

/// An epoll instance: sources are registered through its [`Registry`], and [`Poll::poll`]
/// waits for their readiness. Dropping it closes the epoll file descriptor.
#[derive(Debug)]
pub struct Poll {
    // Replace this with the poll's state (its Registry, at least).
    _todo: (),
}

impl Poll {
    /// Creates the epoll instance (`epoll_create1` with `EPOLL_CLOEXEC`).
    pub fn new() -> io::Result<Poll> {
        todo!()
    }

    pub fn registry(&self) -> &Registry {
        todo!()
    }

    /// Waits until at least one registered source is ready or `timeout` has passed
    /// (`None`: no limit), then fills `events` (emptied first) with what is ready.
    ///
    /// - Edge-triggered: a source is reported when its state *changes* (new data arrived,
    ///   the peer closed), not again while it merely stays ready. Data left unread is not
    ///   reported again until more arrives: read or write until `WouldBlock`.
    /// - Never returns before `timeout` has passed unless an event arrived (the timeout is
    ///   rounded *up* to whole milliseconds).
    /// - A signal interrupting the wait (`EINTR`) does not end it: `poll` waits again for
    ///   the time that is left.
    ///
    /// Hint: `libc::epoll_wait` fills a buffer of `libc::epoll_event` (room for
    /// `events.capacity()`); each one's `u64` field carries the token you registered.
    /// On x86-64 that struct is `#[repr(packed)]`: copy its fields out by value
    /// (`let token = event.u64;`); taking a reference to one (`&event.u64`, which
    /// `format!` and `assert_eq!` do) does not compile.
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        todo!()
    }
}

// Remember: the epoll file descriptor must be closed when the Poll is dropped.

impl Registry {
    /// Starts reporting `source`'s readiness for `interest` under `token` (edge-triggered).
    ///
    /// Hint: `libc::epoll_ctl` with `EPOLL_CTL_ADD` and an event whose flags include
    /// `EPOLLET`, plus `EPOLLIN | EPOLLRDHUP` for reading and `EPOLLOUT` for writing.
    pub fn register(
        &self,
        source: &impl AsRawFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        todo!()
    }

    /// Changes the token or interest of a registered source.
    pub fn reregister(
        &self,
        source: &impl AsRawFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        todo!()
    }

    /// Stops reporting `source`'s readiness.
    pub fn deregister(&self, source: &impl AsRawFd) -> io::Result<()> {
        todo!()
    }
}
