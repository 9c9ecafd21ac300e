//! Step 4 — an HTTP client on the runtime.

use std::io;
use std::net::SocketAddr;

/// An HTTP response: its status and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Fetches `http://{addr}{path}`: sends `GET {path} HTTP/1.1` with `Host` and
/// `Connection: close`, reads until the server closes the connection, and parses the
/// status line and body. Any status is returned as a `Response`; a reply that is not
/// HTTP/1.x is an `InvalidData` error.
pub async fn get(addr: SocketAddr, path: &str) -> io::Result<Response> {
    todo!()
}
