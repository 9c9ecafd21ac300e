//! Waiting for a child process to end, with a deadline, without busy-waiting: a pidfd
//! (Linux 5.3 and later) becomes readable when the process exits, and `poll` waits for
//! it together with the process's output. The one way the grader waits on a child.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

pub struct Ready {
    pub output: bool,
    /// The check asked for its stacks (see `stacks`).
    pub asked: bool,
}

/// Waits for "the child exited" or "output is readable", whichever comes first.
pub struct ExitWaiter {
    pidfd: Option<OwnedFd>,
}

impl ExitWaiter {
    pub fn new(pid: libc::pid_t) -> Self {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
            if fd >= 0 {
                // SAFETY: the descriptor was just created and is owned by nobody else.
                return ExitWaiter {
                    pidfd: Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) }),
                };
            }
        }
        let _ = pid;
        ExitWaiter { pidfd: None }
    }

    pub fn wait(
        &self,
        output: Option<RawFd>,
        asking: Option<RawFd>,
        timeout: Duration,
    ) -> io::Result<Ready> {
        let mut fds = Vec::with_capacity(3);
        for fd in [output, asking].into_iter().flatten() {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if let Some(pidfd) = &self.pidfd {
            fds.push(libc::pollfd {
                fd: pidfd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // Without a pidfd, exits are noticed by checking every few milliseconds.
        let cap = if self.pidfd.is_some() {
            timeout
        } else {
            timeout.min(Duration::from_millis(5))
        };
        let millis = cap.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: `fds` is a valid array of pollfd for the duration of the call.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        let output_ready = output.is_some() && fds[0].revents != 0;
        let asked = asking.is_some() && fds[usize::from(output.is_some())].revents != 0;
        Ok(Ready {
            output: output_ready,
            asked,
        })
    }
}

/// Waits until `child` (the leader of process group `pgid`) exits or `limit` passes; at
/// the limit the whole group is killed and `None` returned.
pub fn exit_within(child: &mut Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let pgid = child.id() as libc::pid_t;
    let waiter = ExitWaiter::new(pgid);
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            // SAFETY: killpg on the group created for this child.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            child.wait()?;
            return Ok(None);
        }
        waiter.wait(None, None, deadline - now)?;
    }
}
