//! Given — an async TCP stream on the shared reactor.

use crate::reactor::current_reactor;
use crate::reactor::{Direction, Reactor};
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::mem;
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::Arc;
use std::task::Poll;

/// A non-blocking TCP connection registered with the runtime's reactor. Every operation
/// first tries the system call; on `WouldBlock` it waits for the reactor to report
/// readiness, without losing an event that arrives in between, then tries again.
/// Dropping the stream deregisters it and drops any waker it left with the reactor.
pub struct TcpStream {
    inner: StdTcpStream,
    reactor: Arc<Reactor>,
    token: u64,
}

impl TcpStream {
    /// Connects without blocking the thread: a non-blocking `connect`, then a wait until
    /// the socket is writable, then the connection's result (`SO_ERROR`).
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let family = match addr {
            SocketAddr::V4(_) => libc::AF_INET,
            SocketAddr::V6(_) => libc::AF_INET6,
        };
        // SAFETY: socket returns a new descriptor or -1.
        let fd = unsafe {
            libc::socket(
                family,
                libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the descriptor was just created and belongs to nobody else.
        let inner = unsafe { StdTcpStream::from_raw_fd(fd) };
        let (storage, len) = sockaddr(addr);
        // SAFETY: `storage` holds a valid address of `len` bytes.
        let rc = unsafe { libc::connect(fd, (&raw const storage).cast(), len) };
        if rc < 0 {
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(error);
            }
        }
        let stream = TcpStream::from_std(inner)?;
        poll_fn(|cx| {
            stream
                .reactor
                .poll_ready(stream.token, Direction::Write, cx)
        })
        .await;
        match stream.inner.take_error()? {
            Some(error) => Err(error),
            None => Ok(stream),
        }
    }

    /// Registers a connected std stream with the current runtime's reactor.
    pub fn from_std(stream: StdTcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        let reactor = current_reactor();
        let token = reactor.register(stream.as_raw_fd())?;
        Ok(TcpStream {
            inner: stream,
            reactor,
            token,
        })
    }

    /// Reads at least one byte (or 0 at the end of the stream).
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            loop {
                match (&self.inner).read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    result => return Poll::Ready(result),
                }
                if self
                    .reactor
                    .poll_ready(self.token, Direction::Read, cx)
                    .is_pending()
                {
                    return Poll::Pending;
                }
            }
        })
        .await
    }

    /// Writes at least one byte.
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            loop {
                match (&self.inner).write(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    result => return Poll::Ready(result),
                }
                if self
                    .reactor
                    .poll_ready(self.token, Direction::Write, cx)
                    .is_pending()
                {
                    return Poll::Pending;
                }
            }
        })
        .await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Reads until the end of the stream, appending to `out`; returns the bytes read.
    pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut buf = [0u8; 16 * 1024];
        let start = out.len();
        loop {
            match self.read(&mut buf).await? {
                0 => return Ok(out.len() - start),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.reactor.deregister(self.inner.as_raw_fd(), self.token);
    }
}

fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large enough for any address.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is large enough for any address.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}
