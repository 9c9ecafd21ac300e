//! A server that holds every request until it is its turn: it answers them one at a time,
//! in an order the check chooses, and answers the next only once the client has recorded
//! the previous one. Which request completes first is then decided here, not by how fast
//! a busy machine starts threads and wakes sleepers.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the server waits for a request to arrive, or for the client to record an
/// answer, before it gives up on that one.
const PATIENCE: Duration = Duration::from_secs(3);

pub struct GatedServer {
    addr: SocketAddr,
    turns: JoinHandle<usize>,
}

impl GatedServer {
    /// Serves `order.len()` requests, answering the one for path `order[k]` k-th with a
    /// 200 whose body is the last segment of its path, once `recorded` holds k entries.
    pub fn start(order: Vec<String>, recorded: Arc<Mutex<Vec<String>>>) -> GatedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (arrivals, arrived) = mpsc::channel::<(String, TcpStream)>();
        let expected = order.len();
        thread::spawn(move || {
            for stream in listener.incoming().take(expected).flatten() {
                let arrivals = arrivals.clone();
                thread::spawn(move || {
                    if let Some(path) = request_path(&stream) {
                        let _ = arrivals.send((path, stream));
                    }
                });
            }
        });
        let turns = thread::spawn(move || {
            let mut waiting: Vec<(String, TcpStream)> = Vec::new();
            // Everything that arrives before the first answer: all of it, when the
            // requests are in flight together.
            let deadline = Instant::now() + PATIENCE;
            while waiting.len() < expected {
                let left = deadline.saturating_duration_since(Instant::now());
                match arrived.recv_timeout(left) {
                    Ok(request) => waiting.push(request),
                    Err(_) => break,
                }
            }
            let together = waiting.len();
            if together < expected {
                // Requests that wait for each other: answer each as it comes, so that the
                // check ends soon and reports that, not a timeout.
                let mut answered = 0;
                for (path, stream) in waiting.drain(..) {
                    answer(stream, &path, &mut answered);
                }
                while answered < expected {
                    let Ok((path, stream)) = arrived.recv_timeout(PATIENCE) else {
                        break;
                    };
                    answer(stream, &path, &mut answered);
                }
                return together;
            }
            for (turn, path) in order.iter().enumerate() {
                let deadline = Instant::now() + PATIENCE;
                while !waiting.iter().any(|(p, _)| p == path) {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match arrived.recv_timeout(left) {
                        Ok(request) => waiting.push(request),
                        Err(_) => break,
                    }
                }
                if let Some(at) = waiting.iter().position(|(p, _)| p == path) {
                    let (_, stream) = waiting.swap_remove(at);
                    answer(stream, path, &mut 0);
                }
                let deadline = Instant::now() + PATIENCE;
                while recorded.lock().unwrap().len() <= turn && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
            }
            together
        });
        GatedServer { addr, turns }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests had arrived together before the first answer.
    pub fn together(self) -> usize {
        self.turns.join().unwrap()
    }
}

/// Answers the request for `path` with a 200 whose body is the path's last segment, and
/// closes the connection.
fn answer(mut stream: TcpStream, path: &str, answered: &mut usize) {
    let body = path.rsplit('/').next().unwrap_or_default();
    // One write, so that the whole response is there for the client's first read.
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    *answered += 1;
}

/// The path of the request on `stream`, read up to the end of its head.
fn request_path(stream: &TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut line = String::new();
    while reader.read_line(&mut line).ok()? > 0 && line != "\r\n" {
        line.clear();
    }
    first.split_whitespace().nth(1).map(str::to_owned)
}
