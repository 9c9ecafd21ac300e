use delayserver::DelayServer;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use testkit::Hypotheses;

/// Sends raw bytes and returns (status code, body).
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
}

#[test]
fn answers_with_the_message_after_the_delay() {
    let server = DelayServer::start().unwrap();
    assert!(server.addr().ip().is_loopback());
    let started = Instant::now();
    let reply = get(
        server.addr(),
        &DelayServer::path(Duration::from_millis(120), "hello"),
    );
    assert_eq!(reply, (200, "hello".to_owned()));
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[test]
fn repeat_makes_large_bodies() {
    let server = DelayServer::start().unwrap();
    let (status, body) = get(server.addr(), "/0/abc?repeat=500000");
    assert_eq!(status, 200);
    assert_eq!(body.len(), 1_500_000);
    assert!(body.starts_with("abcabc") && body.ends_with("bcabc"));
}

#[test]
fn slow_requests_overlap() {
    let server = DelayServer::start().unwrap();
    let addr = server.addr();
    let one = Instant::now();
    get(addr, "/200/one");
    let single = one.elapsed();
    let all = Instant::now();
    let handles: Vec<_> = (0..20)
        .map(|i| thread::spawn(move || get(addr, &format!("/200/{i}"))))
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), (200, i.to_string()));
    }
    Hypotheses::for_equal_parts(20, single)
        .judge("20 concurrent requests", all.elapsed())
        .unwrap();
}

#[test]
fn malformed_requests_get_errors_and_the_server_survives() {
    let server = DelayServer::start().unwrap();
    let addr = server.addr();
    assert_eq!(exchange(addr, b"BLAH\r\n\r\n").0, 400);
    assert_eq!(exchange(addr, b"\xff\xfe\xfd\r\n\r\n").0, 400);
    assert_eq!(exchange(addr, b"POST /1/x HTTP/1.1\r\n\r\n").0, 405);
    assert_eq!(get(addr, "/soon/x").0, 404);
    assert_eq!(get(addr, "/nothing").0, 404);
    let huge = format!("GET /1/x HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
    assert_eq!(exchange(addr, huge.as_bytes()).0, 431);
    // A client that connects and leaves without a request.
    drop(TcpStream::connect(addr).unwrap());
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /1").unwrap();
    drop(half);
    assert_eq!(get(addr, "/0/still-here"), (200, "still-here".to_owned()));
}

#[test]
fn dropping_the_server_frees_its_port() {
    let server = DelayServer::start().unwrap();
    let addr = server.addr();
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn the_binary_prints_its_address_and_each_request() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_delayserver"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr: SocketAddr = first
        .strip_prefix("delayserver listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    assert_eq!(get(addr, "/5/by-hand"), (200, "by-hand".to_owned()));
    let logged = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        logged.contains("\"GET /5/by-hand HTTP/1.1\" -> 200 after 5 ms"),
        "{logged}"
    );
}

#[test]
fn the_binary_rejects_a_bad_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_delayserver"))
        .arg("not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an address"));
}
