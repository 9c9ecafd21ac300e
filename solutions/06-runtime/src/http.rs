//! Step 4 — an HTTP client on the runtime.

use crate::net::TcpStream;
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
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse(&raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP/1.x response"))
}

fn parse(raw: &[u8]) -> Option<Response> {
    let text = std::str::from_utf8(raw).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut status_line = head.lines().next()?.split(' ');
    let version = status_line.next()?;
    let status = status_line.next()?.parse().ok()?;
    version.starts_with("HTTP/1.").then(|| Response {
        status,
        body: body.to_owned(),
    })
}
