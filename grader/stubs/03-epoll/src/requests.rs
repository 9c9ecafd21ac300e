//! Step 4 — concurrent HTTP requests on one thread.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};

/// One HTTP/1.1 request over a non-blocking socket.
#[derive(Debug)]
pub struct Request {
    stream: TcpStream,
    response: Vec<u8>,
    finished: bool,
}

impl Request {
    /// Connects to `addr` (blocking is fine on loopback), sends
    /// `GET {path} HTTP/1.1` with `Host` and `Connection: close`, then switches the socket
    /// to non-blocking mode.
    pub fn start(addr: SocketAddr, path: &str) -> io::Result<Request> {
        todo!()
    }

    /// Handles a readiness event: reads everything available until the read would block
    /// or the server closed the connection. Returns `true` once the response is complete
    /// (the server closed the connection).
    ///
    /// Spurious calls are harmless: with nothing to read it returns `false`; after the
    /// response is complete it returns `true` and changes nothing.
    ///
    /// Hint: loop on `read` into a buffer: `Ok(0)` is the end, `Err` of kind `WouldBlock`
    /// means "nothing more for now".
    pub fn on_readable(&mut self) -> io::Result<bool> {
        todo!()
    }

    /// Everything received so far: the status line, the headers and the body.
    pub fn response(&self) -> &[u8] {
        &self.response
    }

    /// Takes the response out of a finished request.
    pub fn into_response(self) -> Vec<u8> {
        self.response
    }
}

impl AsRawFd for Request {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

/// A finished request: its position in the paths given to [`get_all`] and the raw
/// response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub index: usize,
    pub response: Vec<u8>,
}

/// Starts a request for every path at once, drives them all with one [`crate::Poll`] on the
/// calling thread, and returns the responses in the order they completed. The thread
/// blocks in `poll` while it waits.
///
/// Hint: register each request under `Token(index)`; on an event, call that request's
/// `on_readable`, and deregister it once it is complete (later events for it are ignored).
pub fn get_all(addr: SocketAddr, paths: &[&str]) -> io::Result<Vec<Completed>> {
    todo!()
}
