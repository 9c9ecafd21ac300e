//! The course's delay server: `GET /<delay_ms>/<message>` answers `200` with `message` as
//! the body, after `delay_ms` milliseconds; `?repeat=N` repeats the message N times (for
//! large responses).
//!
//! Checks start it in-process on `127.0.0.1:0` ([`DelayServer::start`]), so parallel checks
//! never share a port and nothing leaves the machine. Every connection gets its own
//! thread, so any number of slow requests overlap. Each connection carries one request
//! and is closed after the response (`Connection: close`).

mod request;

pub use request::{MAX_BODY, MAX_DELAY, Reply, route};

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The largest request head the server reads before answering `431`.
const MAX_HEAD: usize = 8 * 1024;

/// A running delay server. Dropping it stops accepting connections.
pub struct DelayServer {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

/// Called with a one-line description of every request served.
pub type RequestLog = Arc<dyn Fn(&str) + Send + Sync>;

impl DelayServer {
    /// Starts a server on an ephemeral loopback port.
    pub fn start() -> io::Result<DelayServer> {
        Self::start_on("127.0.0.1:0".parse().unwrap(), None)
    }

    /// Starts a server on `addr`, reporting each request to `log` if given.
    pub fn start_on(addr: SocketAddr, log: Option<RequestLog>) -> io::Result<DelayServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let acceptor = thread::Builder::new()
            .name("delayserver-accept".into())
            .spawn(move || accept_loop(listener, stop, log))?;
        Ok(DelayServer {
            addr,
            stopping,
            acceptor: Some(acceptor),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The path that asks for `message` after `delay`.
    pub fn path(delay: Duration, message: &str) -> String {
        format!("/{}/{message}", delay.as_millis())
    }
}

impl Drop for DelayServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocked accept() so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: TcpListener, stopping: Arc<AtomicBool>, log: Option<RequestLog>) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let log = log.clone();
        let spawned = thread::Builder::new()
            .name("delayserver-conn".into())
            .spawn(move || {
                let _ = serve(stream, log);
            });
        if spawned.is_err() {
            // Out of threads: the connection is dropped, the server keeps running.
            continue;
        }
    }
}

fn serve(stream: TcpStream, log: Option<RequestLog>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let peer = stream.peer_addr()?;
    let head = read_head(&stream)?;
    let reply = match &head {
        Some(head) => route(head),
        None => Reply::Error {
            status: 431,
            reason: "request head too large",
        },
    };
    if let Some(log) = &log {
        let line = head
            .as_deref()
            .and_then(|h| h.split(|&b| b == b'\r').next())
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        log(&format!("{peer} {line:?} -> {}", describe(&reply)));
    }
    let (status, body) = match reply {
        Reply::Delayed { delay, body } => {
            thread::sleep(delay);
            (200, body)
        }
        Reply::Error { status, reason } => (status, reason.to_owned()),
    };
    // One buffer, one write: a small response leaves in one piece.
    let response = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        request::reason_phrase(status),
        body.len()
    );
    (&stream).write_all(response.as_bytes())?;
    stream.shutdown(Shutdown::Write)
}

fn describe(reply: &Reply) -> String {
    match reply {
        Reply::Delayed { delay, .. } => format!("200 after {} ms", delay.as_millis()),
        Reply::Error { status, .. } => status.to_string(),
    }
}

/// Reads up to the blank line ending the request head. `None` when it is too large.
/// A connection closed early yields what arrived, which routing then rejects.
fn read_head(stream: &TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = reader.read_until(b'\n', &mut head)?;
        let blank_line = before > 0 && head[before..].iter().all(|b| b.is_ascii_whitespace());
        if n == 0 || blank_line {
            break;
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
    Ok(Some(head))
}
