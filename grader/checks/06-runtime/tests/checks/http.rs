use crate::ms;
use delayserver::DelayServer;
use runtime::http::get;
use runtime::{Runtime, spawn};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::gated::{Gate, GatedServer};
use testkit::scripted::{ScriptedServer, response_in_pieces as response_in_pieces_of};
use testkit::{Hypotheses, check};

check! {
    /// Ten spawned requests are in flight together, each completes as soon as its own
    /// response arrives (the server answers them one at a time, in the order of their
    /// delays, each once the one before was recorded), and statuses other than 200 come
    /// back as values.
    fn completion_order() {
        let delays = [300, 100, 500, 50, 250, 450, 150, 400, 200, 350];
        let mut by_delay = delays;
        by_delay.sort_unstable();
        let done: Arc<Mutex<Vec<String>>> = Arc::default();
        let server = GatedServer::start(
            by_delay.iter().map(|d| format!("/{d}/d{d}")).collect(),
            Gate::Recorded(Arc::clone(&done)),
        );
        let addr = server.addr();
        let not_found_server = DelayServer::start().unwrap();
        let not_found_addr = not_found_server.addr();
        let mut rt = Runtime::new().unwrap();
        let recorded = Arc::clone(&done);
        let not_found = rt.block_on(async move {
            let done = recorded;
            let handles: Vec<_> = delays
                .iter()
                .map(|&delay| {
                    let done = Arc::clone(&done);
                    spawn(async move {
                        let response = get(addr, &format!("/{delay}/d{delay}")).await.unwrap();
                        done.lock().unwrap().push(format!("{} {}", response.status, response.body));
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
            let not_found = get(not_found_addr, "/nowhere").await.unwrap();
            format!("{} {}", not_found.status, not_found.body)
        });
        let order = done.lock().unwrap().join(", ");
        let together = server.together();
        assert!(
            together == delays.len(),
            "only {together} of {} spawned requests reached the server before the first was \
             answered: requests spawned as tasks must be in flight together",
            delays.len()
        );
        insta::assert_snapshot!(format!("{order}\n{not_found}"), @r"
        200 d50, 200 d100, 200 d150, 200 d200, 200 d250, 200 d300, 200 d350, 200 d400, 200 d450, 200 d500
        404 use GET /<delay_ms>/<message>
        ");
    }

    /// 100 requests of 50 to 250 ms on one thread take about as long as the slowest, far
    /// below their sum.
    fn hundred_requests_overlap() {
        let server = DelayServer::start().unwrap();
        let addr = server.addr();
        let mut rt = Runtime::new().unwrap();
        let (parts, all) = rt.block_on(async move {
            let started = Instant::now();
            get(addr, "/50/one").await.unwrap();
            let overhead = started.elapsed().saturating_sub(ms(50));
            let delays: Vec<u64> = (0..100).map(|i| 50 + (i * 37) % 201).collect();
            let started = Instant::now();
            let handles: Vec<_> = delays
                .iter()
                .map(|&d| spawn(async move { get(addr, &format!("/{d}/r")).await.unwrap().status }))
                .collect();
            for handle in handles {
                assert_eq!(handle.await.unwrap(), 200);
            }
            let parts: Vec<Duration> = delays.iter().map(|&d| ms(d) + overhead).collect();
            (parts, started.elapsed())
        });
        Hypotheses::for_parts(&parts).assert("100 requests of 50 to 250 ms", all);
    }

    /// `get` sends `Host` and `Connection: close`, reads a response that arrives in pieces
    /// to its end, returns any status as a `Response`, keeps blank lines inside the body,
    /// and refuses what is not HTTP/1.x.
    fn response_in_pieces() {
        let body: String = (0..60_000u32).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let pieces = ScriptedServer::start(1, response_in_pieces_of(body.as_bytes(), 4), ms(40));
        let created = ScriptedServer::start(
            1,
            vec![b"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nmade".to_vec()],
            ms(0),
        );
        let garbage = ScriptedServer::start(1, vec![b"SPDY/3 200 OK\r\n\r\nno".to_vec()], ms(0));
        let second = ScriptedServer::start(1, vec![b"HTTP/2 200 OK\r\n\r\nno".to_vec()], ms(0));
        let nested = ScriptedServer::start(
            1,
            vec![b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one\r\n\r\npart two".to_vec()],
            ms(0),
        );
        let mut rt = Runtime::new().unwrap();
        let (whole, made, refused, too_new, blank_lines) = rt.block_on(async {
            (
                get(pieces.addr(), "/in/pieces").await,
                get(created.addr(), "/new").await,
                get(garbage.addr(), "/").await,
                get(second.addr(), "/").await,
                get(nested.addr(), "/").await,
            )
        });
        let head = pieces.heads().concat();
        let lines: Vec<&str> = head.lines().collect();
        assert_eq!(lines.first().copied(), Some("GET /in/pieces HTTP/1.1"), "the request was {head:?}");
        let has = |name: &str, value: &str| {
            lines.iter().any(|l| {
                l.split_once(':').is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value))
            })
        };
        assert!(has("host", &pieces.addr().to_string()), "no `Host: {}` header in {head:?}", pieces.addr());
        assert!(has("connection", "close"), "no `Connection: close` header in {head:?}");
        let whole = whole.unwrap_or_else(|e| panic!("get failed on a response sent in pieces: {e}"));
        assert_eq!(whole.status, 200);
        assert_eq!(
            whole.body.len(),
            body.len(),
            "the body has {} of {} bytes, sent in 4 pieces 40 ms apart: read until the server \
             closes the connection",
            whole.body.len(),
            body.len()
        );
        assert!(whole.body == body, "the body is garbled");
        let made = made.unwrap_or_else(|e| panic!("get failed on a 201: {e}"));
        assert_eq!((made.status, made.body.as_str()), (201, "made"), "any status is a Response");
        let refused = refused.map(|r| r.status).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidData, "a reply that is not HTTP/1.x: {refused}");
        let too_new = too_new.map(|r| r.status);
        assert!(
            too_new.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::InvalidData),
            "a reply with the status line `HTTP/2 200 OK` gave {too_new:?}: only HTTP/1.x is \
             understood here, anything else is InvalidData"
        );
        let blank_lines = blank_lines.unwrap_or_else(|e| panic!("get failed on a body holding a blank line: {e}"));
        assert_eq!(
            blank_lines.body, "part one\r\n\r\npart two",
            "the body is everything after the first blank line, blank lines in it included"
        );
    }
}
