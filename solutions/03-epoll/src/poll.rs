//! Step 2 — an epoll-backed event queue.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

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
#[derive(Debug)]
pub struct Registry {
    epfd: RawFd,
}

/// An epoll instance: sources are registered through its [`Registry`], and [`Poll::poll`]
/// waits for their readiness. Dropping it closes the epoll file descriptor.
#[derive(Debug)]
pub struct Poll {
    registry: Registry,
}

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

impl Poll {
    /// Creates the epoll instance (`epoll_create1` with `EPOLL_CLOEXEC`).
    pub fn new() -> io::Result<Poll> {
        // SAFETY: epoll_create1 takes flags and returns a new descriptor or -1.
        let epfd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        Ok(Poll {
            registry: Registry { epfd },
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
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
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut raw = vec![libc::epoll_event { events: 0, u64: 0 }; events.capacity()];
        let ready = loop {
            let millis = match deadline {
                None => -1,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    left.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int
                }
            };
            // SAFETY: `raw` has room for `raw.len()` events.
            let n = unsafe {
                libc::epoll_wait(
                    self.registry.epfd,
                    raw.as_mut_ptr(),
                    raw.len() as libc::c_int,
                    millis,
                )
            };
            match check(n) {
                Ok(n) => break n as usize,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        for ev in &raw[..ready] {
            let (bits, data) = (ev.events as libc::c_int, ev.u64);
            let closed_or_error = libc::EPOLLHUP | libc::EPOLLRDHUP | libc::EPOLLERR;
            events.push(Event {
                token: Token(data as usize),
                readable: bits & (libc::EPOLLIN | closed_or_error) != 0,
                writable: bits & (libc::EPOLLOUT | libc::EPOLLERR) != 0,
            });
        }
        Ok(())
    }
}

impl Drop for Poll {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and closed exactly once.
        unsafe { libc::close(self.registry.epfd) };
    }
}

impl Registry {
    fn control(
        &self,
        op: libc::c_int,
        fd: RawFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        let mut bits = libc::EPOLLET;
        if interest.is_readable() {
            bits |= libc::EPOLLIN | libc::EPOLLRDHUP;
        }
        if interest.is_writable() {
            bits |= libc::EPOLLOUT;
        }
        let mut event = libc::epoll_event {
            events: bits as u32,
            u64: token.0 as u64,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        check(unsafe { libc::epoll_ctl(self.epfd, op, fd, &mut event) }).map(drop)
    }

    /// Starts reporting `source`'s readiness for `interest` under `token` (edge-triggered).
    pub fn register(
        &self,
        source: &impl AsRawFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_ADD, source.as_raw_fd(), token, interest)
    }

    /// Changes the token or interest of a registered source.
    pub fn reregister(
        &self,
        source: &impl AsRawFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, source.as_raw_fd(), token, interest)
    }

    /// Stops reporting `source`'s readiness.
    pub fn deregister(&self, source: &impl AsRawFd) -> io::Result<()> {
        // SAFETY: a null event is allowed for EPOLL_CTL_DEL.
        check(unsafe {
            libc::epoll_ctl(
                self.epfd,
                libc::EPOLL_CTL_DEL,
                source.as_raw_fd(),
                std::ptr::null_mut(),
            )
        })
        .map(drop)
    }
}
