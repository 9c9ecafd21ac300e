//! Step 4 — concurrent HTTP requests on one thread.

use crate::poll::{Events, Interest, Poll, Token};
use std::io::{self, Read, Write};
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
        let mut stream = TcpStream::connect(addr)?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        stream.set_nonblocking(true)?;
        Ok(Request {
            stream,
            response: Vec::new(),
            finished: false,
        })
    }

    /// Handles a readiness event: reads everything available until the read would block
    /// or the server closed the connection. Returns `true` once the response is complete
    /// (the server closed the connection).
    ///
    /// Spurious calls are harmless: with nothing to read it returns `false`; after the
    /// response is complete it returns `true` and changes nothing.
    pub fn on_readable(&mut self) -> io::Result<bool> {
        let mut buf = [0u8; 16 * 1024];
        while !self.finished {
            match self.stream.read(&mut buf) {
                Ok(0) => self.finished = true,
                Ok(n) => self.response.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(true)
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

/// Starts a request for every path at once, drives them all with one [`Poll`] on the
/// calling thread, and returns the responses in the order they completed. The thread
/// blocks in `poll` while it waits.
pub fn get_all(addr: SocketAddr, paths: &[&str]) -> io::Result<Vec<Completed>> {
    let mut poll = Poll::new()?;
    let mut pending: Vec<Option<Request>> = Vec::with_capacity(paths.len());
    for (index, path) in paths.iter().enumerate() {
        let request = Request::start(addr, path)?;
        poll.registry()
            .register(&request, Token(index), Interest::READABLE)?;
        pending.push(Some(request));
    }
    let mut events = Events::with_capacity(64);
    let mut completed = Vec::with_capacity(paths.len());
    while completed.len() < paths.len() {
        poll.poll(&mut events, None)?;
        for event in events.iter() {
            let index = event.token.0;
            let Some(request) = pending.get_mut(index).and_then(Option::as_mut) else {
                continue; // a late event for a request already finished
            };
            if request.on_readable()? {
                poll.registry().deregister(request)?;
                let request = pending[index].take().expect("checked above");
                completed.push(Completed {
                    index,
                    response: request.into_response(),
                });
            }
        }
    }
    Ok(completed)
}
