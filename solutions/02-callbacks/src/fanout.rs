//! Step 4 — fan-out and fan-in with callbacks.

use crate::timers::EventLoop;
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::Duration;

/// Why a page could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Connecting, sending or receiving failed with this kind of I/O error.
    Io(io::ErrorKind),
    /// The server answered with this status instead of 200.
    Status(u16),
    /// The answer was not an HTTP/1.x response (a status line, headers, a blank line).
    Malformed,
}

impl From<io::Error> for FetchError {
    fn from(e: io::Error) -> Self {
        FetchError::Io(e.kind())
    }
}

/// Fetches `http://{addr}{path}` with a blocking socket and returns the body of a `200`
/// response.
///
/// Sends `GET {path} HTTP/1.1` with `Host` and `Connection: close` headers, then reads the
/// response until the server closes the connection.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<String, FetchError> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8(response).map_err(|_| FetchError::Malformed)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or(FetchError::Malformed)?;
    let status_line = head.lines().next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let (Some(version), Some(status)) = (parts.next(), parts.next()) else {
        return Err(FetchError::Malformed);
    };
    let status: u16 = status.parse().map_err(|_| FetchError::Malformed)?;
    if !version.starts_with("HTTP/1.") {
        return Err(FetchError::Malformed);
    }
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    Ok(body.to_owned())
}

/// The results of a fan-out, in the order of the paths asked for.
pub type Fetched = Vec<Result<String, FetchError>>;

/// Fetches every path at once with [`http_get`] on the loop's workers, then calls `done`
/// exactly once, on the loop thread during [`EventLoop::run`], with the results in the order
/// of `paths`. Failures arrive as `Err` values in their place. With no paths, `done` is
/// still called once, with an empty vector.
pub fn fetch_all(
    el: &mut EventLoop,
    addr: SocketAddr,
    paths: Vec<String>,
    done: impl FnOnce(&mut EventLoop, Fetched) + 'static,
) {
    if paths.is_empty() {
        el.set_timeout(Duration::ZERO, move |el| done(el, Vec::new()));
        return;
    }
    let gathered = Rc::new(RefCell::new(Gather {
        results: vec![None; paths.len()],
        missing: paths.len(),
        done: Some(Box::new(done)),
    }));
    for (i, path) in paths.into_iter().enumerate() {
        let gathered = Rc::clone(&gathered);
        el.spawn_blocking(
            move || http_get(addr, &path),
            move |el, result| {
                let mut g = gathered.borrow_mut();
                g.results[i] = Some(result);
                g.missing -= 1;
                if g.missing == 0 {
                    let done = g.done.take().expect("done is called once");
                    let results = g
                        .results
                        .drain(..)
                        .map(|r| r.expect("all arrived"))
                        .collect();
                    drop(g);
                    done(el, results);
                }
            },
        );
    }
}

type Done = Box<dyn FnOnce(&mut EventLoop, Fetched)>;

struct Gather {
    results: Vec<Option<Result<String, FetchError>>>,
    missing: usize,
    done: Option<Done>,
}
