//! The socket on which a running check asks the grader for its own stacks (see
//! `testkit::stuck`): a check that gives up waiting for the code under test has the grader
//! say where that code was stuck, as a kill for time would.

use super::stacks;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A check is answered this many times at most: a snapshot stops it for a moment, and
/// code under test must not keep the grader busy with it.
const MAX_ASKS: usize = 4;

/// The grader's end of the socket on which the check asks for its stacks.
pub struct Asks {
    socket: Option<OwnedFd>,
    answered: usize,
    /// The last stacks taken.
    pub snapshot: Option<stacks::Snapshot>,
    /// Threads to reap once the check is killed.
    pub leftover: stacks::Leftover,
}

impl Asks {
    pub fn new(socket: OwnedFd) -> io::Result<Asks> {
        // SAFETY: fcntl on a descriptor we own; only the grader's end stops blocking.
        let flags = unsafe { libc::fcntl(socket.as_raw_fd(), libc::F_GETFL) };
        if flags < 0
            || unsafe { libc::fcntl(socket.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) }
                < 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(Asks {
            socket: Some(socket),
            answered: 0,
            snapshot: None,
            leftover: stacks::Leftover::default(),
        })
    }

    pub fn fd(&self) -> Option<RawFd> {
        self.socket.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Takes the stacks of `pid` and tells the check they are taken; stops listening when
    /// the check closed its end or asked too often.
    pub fn answer(&mut self, pid: libc::pid_t) {
        let Some(socket) = &self.socket else { return };
        let mut byte = [0u8; 64];
        // SAFETY: reading into a buffer we own from a descriptor we own.
        let read = unsafe { libc::read(socket.as_raw_fd(), byte.as_mut_ptr().cast(), 64) };
        if read == 0 || self.answered >= MAX_ASKS {
            self.socket = None;
            return;
        }
        if read < 0 {
            return;
        }
        let (snapshot, leftover) = stacks::take(pid, stacks::BUDGET);
        // A thread that did not stop in time is reaped once the check is killed.
        self.leftover.add(leftover);
        self.snapshot = snapshot.or(self.snapshot.take());
        self.answered += 1;
        // SAFETY: writing one byte from a buffer we own to a descriptor we own.
        unsafe { libc::write(socket.as_raw_fd(), b".".as_ptr().cast(), 1) };
    }
}

pub fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two descriptors into the array we pass.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}
