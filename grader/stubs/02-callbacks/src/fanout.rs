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
/// `Rc<RefCell<_>>`; the one that completes the set calls `done`. `done` is an `FnOnce`
/// that every `then` may be the one to call, so it goes in the shared state too, as an
/// `Option<Box<dyn FnOnce(&mut EventLoop, Fetched)>>` that the last one `take`s (release
/// the `RefCell`'s borrow before calling it: it may start another fan-out). With no paths
/// there is no job to call it: schedule it instead (`set_timeout` with a zero delay), so
/// it still runs during `run`. Each `work` closure owns its path (a `String` moves into
/// it); `addr` is `Copy`.
pub fn fetch_all(
    el: &mut EventLoop,
    addr: SocketAddr,
    paths: Vec<String>,
    done: impl FnOnce(&mut EventLoop, Fetched) + 'static,
) {
    todo!()
}
