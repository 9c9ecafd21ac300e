//! A loopback server that answers each connection with a fixed reply, written in pieces
//! with pauses between them (or with a reset), and keeps every request head it received.
//! Checks use it to see what a client sends, to give it a response that no single read can
//! take in, and to break a connection under it.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub struct ScriptedServer {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ScriptedServer {
    /// Serves `connections` connections, one after another, each with `pieces` written
    /// `pause` apart, then closes the connection. The accepting thread ends after the last.
    pub fn start(connections: usize, pieces: Vec<Vec<u8>>, pause: Duration) -> ScriptedServer {
        Self::serve(connections, Some(pieces), pause)
    }

    /// Serves `connections` connections by reading the request and then resetting the
    /// connection (a TCP RST): the client's next read fails with `ConnectionReset`.
    pub fn resetting(connections: usize) -> ScriptedServer {
        Self::serve(connections, None, Duration::ZERO)
    }

    fn serve(connections: usize, pieces: Option<Vec<Vec<u8>>>, pause: Duration) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let heads: Arc<Mutex<Vec<String>>> = Arc::default();
        let kept = Arc::clone(&heads);
        thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let Ok(stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let blank = line.trim().is_empty();
                    head.push_str(&line);
                    if blank {
                        break;
                    }
                }
                kept.lock().unwrap().push(head);
                let Some(pieces) = &pieces else {
                    reset(stream);
                    continue;
                };
                for (i, piece) in pieces.iter().enumerate() {
                    if i > 0 {
                        thread::sleep(pause);
                    }
                    if (&stream).write_all(piece).is_err() {
                        break;
                    }
                }
                // Dropping the stream closes the connection.
            }
        });
        ScriptedServer { addr, heads }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The request heads received so far, each up to and including its blank line.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// Closes `stream` with a reset instead of an orderly end: a linger time of zero makes the
/// kernel send RST and drop what was not sent.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt with a valid linger structure on a socket we own.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}

/// A `200` response carrying `body`, cut into `pieces` parts of about equal size (the
/// first holding the status line and headers too).
pub fn response_in_pieces(body: &[u8], pieces: usize) -> Vec<Vec<u8>> {
    let mut whole = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    whole.extend_from_slice(body);
    let size = whole.len().div_ceil(pieces.max(1));
    whole.chunks(size.max(1)).map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn replies_in_pieces_and_keeps_the_head() {
        let body = vec![b'x'; 1000];
        let server =
            ScriptedServer::start(1, response_in_pieces(&body, 3), Duration::from_millis(5));
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        stream
            .write_all(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        assert!(got.ends_with(&body));
        assert_eq!(server.heads(), ["GET /a HTTP/1.1\r\nHost: h\r\n\r\n"]);
    }

    #[test]
    fn a_reset_fails_the_next_read() {
        let server = ScriptedServer::resetting(1);
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut got = Vec::new();
        let error = stream.read_to_end(&mut got).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    }
}
