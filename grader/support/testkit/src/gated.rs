//! A server that holds every request until it is its turn: it answers them one at a time,
//! in an order the check chooses, and answers the next only once the client is done with
//! the previous one. Which request completes first is then decided here, not by how fast
//! a busy machine starts threads and wakes sleepers, nor by the order in which the kernel
//! lists events that became ready together.

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

/// When the client is done with an answer, so that the next may be sent.
pub enum Gate {
    /// When the check has recorded it: `recorded` holds one more entry.
    Recorded(Arc<Mutex<Vec<String>>>),
    /// When the client has read all of it: its socket's receive queue is empty (or the
    /// socket is gone). For clients whose completions the check only sees at the end.
    Read,
}

impl GatedServer {
    /// Serves `order.len()` requests, answering the one for path `order[k]` k-th with a
    /// 200 whose body is the last segment of its path, once `gate` says the client is
    /// done with the answer before.
    pub fn start(order: Vec<String>, gate: Gate) -> GatedServer {
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
            receive_until(&arrived, &mut waiting, |w| w.len() == expected);
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
                receive_until(&arrived, &mut waiting, |w| w.iter().any(|(p, _)| p == path));
                let Some(at) = waiting.iter().position(|(p, _)| p == path) else {
                    continue;
                };
                let (_, stream) = waiting.swap_remove(at);
                let ends = (stream.peer_addr().ok(), stream.local_addr().ok());
                answer(stream, path, &mut 0);
                let done = || match (&gate, ends) {
                    (Gate::Recorded(recorded), _) => recorded.lock().unwrap().len() > turn,
                    (Gate::Read, (Some(client), Some(server))) => !unread(client, server),
                    (Gate::Read, _) => true,
                };
                let deadline = Instant::now() + PATIENCE;
                while !done() && Instant::now() < deadline {
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

/// Adds arriving requests to `waiting` until `enough` holds, for at most [`PATIENCE`].
fn receive_until(
    arrived: &mpsc::Receiver<(String, TcpStream)>,
    waiting: &mut Vec<(String, TcpStream)>,
    enough: impl Fn(&[(String, TcpStream)]) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    while !enough(waiting) {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrived.recv_timeout(left) {
            Ok(request) => waiting.push(request),
            Err(_) => return,
        }
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

/// Whether the client at `client` may not have read all of the answer `server` sent it:
/// the server's socket still holds bytes the client's kernel has not acknowledged, or the
/// client's socket holds bytes (or the end of the stream) its program has not read. Both
/// ends are in this process, so in its network namespace: `/proc/self/net/tcp` lists
/// both sockets with their queues. When the table cannot be read, the gate stays open.
fn unread(client: SocketAddr, server: SocketAddr) -> bool {
    let (SocketAddr::V4(client), SocketAddr::V4(server)) = (client, server) else {
        return false;
    };
    let hex = |addr: std::net::SocketAddrV4| {
        format!(
            "{:08X}:{:04X}",
            u32::from_ne_bytes(addr.ip().octets()),
            addr.port()
        )
    };
    let (client, server) = (hex(client), hex(server));
    let table = std::fs::read_to_string("/proc/self/net/tcp").unwrap_or_default();
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some((tx, rx)) = fields.get(4).and_then(|q| q.split_once(':')) else {
            return false;
        };
        let waiting = |queue: &str| u64::from_str_radix(queue, 16).is_ok_and(|n| n > 0);
        match (fields[1], fields[2]) {
            (local, remote) if local == server && remote == client => waiting(tx),
            (local, remote) if local == client && remote == server => waiting(rx),
            _ => false,
        }
    })
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
