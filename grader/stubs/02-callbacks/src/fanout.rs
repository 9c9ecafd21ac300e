//! Step 4 — fan-out and fan-in with callbacks.

use crate::timers::EventLoop;
use std::io;
use std::net::SocketAddr;

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
    todo!()
}

/// The results of a fan-out, in the order of the paths asked for.
pub type Fetched = Vec<Result<String, FetchError>>;

/// Fetches every path at once with [`http_get`] on the loop's workers, then calls `done`
/// exactly once, on the loop thread during [`EventLoop::run`], with the results in the order
/// of `paths`. Failures arrive as `Err` values in their place. With no paths, `done` is
/// still called once, with an empty vector.
///
/// Hint: the `then` callbacks of the jobs share the collected results through an
/// `Rc<RefCell<_>>`; the one that completes the set calls `done`.
pub fn fetch_all(
    el: &mut EventLoop,
    addr: SocketAddr,
    paths: Vec<String>,
    done: impl FnOnce(&mut EventLoop, Fetched) + 'static,
) {
    todo!()
}
