use crate::ms;
use callbacks::EventLoop;
use callbacks::fanout::{Fetched, fetch_all, http_get};
use delayserver::DelayServer;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use testkit::net::closed_port;
use testkit::scripted::{ScriptedServer, response_in_pieces};
use testkit::timing::time;
use testkit::{Hypotheses, check};

/// Runs `fetch_all` on a fresh loop and returns every call of `done`.
fn fan_out(addr: SocketAddr, paths: Vec<String>, workers: usize) -> Vec<Fetched> {
    let mut el = EventLoop::with_workers(workers);
    let calls: Rc<RefCell<Vec<Fetched>>> = Rc::default();
    let seen = Rc::clone(&calls);
    fetch_all(&mut el, addr, paths, move |_, results| {
        seen.borrow_mut().push(results)
    });
    assert!(
        calls.borrow().is_empty(),
        "`done` was called inside fetch_all; it must be called later, by the loop, during run()"
    );
    assert_eq!(el.run(), Ok(()));
    calls.borrow().clone()
}

check! {
    /// `http_get` returns the body of a 200, and errors as values otherwise: another
    /// status (even a 2xx one), a refused connection, a connection reset while receiving.
    fn http_get_answers() {
        let server = DelayServer::start().unwrap();
        let created = ScriptedServer::start(1, vec![b"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nmade".to_vec()], ms(0));
        let reset = ScriptedServer::resetting(1);
        let results = [
            http_get(server.addr(), "/0/hello"),
            http_get(server.addr(), "/20/with%20delay"),
            http_get(server.addr(), "/no-such-page"),
            http_get(closed_port(), "/0/nobody-home"),
            http_get(created.addr(), "/new"),
            http_get(reset.addr(), "/reset"),
        ];
        insta::assert_snapshot!(format!("{results:#?}"), @r#"
        [
            Ok(
                "hello",
            ),
            Ok(
                "with%20delay",
            ),
            Err(
                Status(
                    404,
                ),
            ),
            Err(
                Io(
                    ConnectionRefused,
                ),
            ),
            Err(
                Status(
                    201,
                ),
            ),
            Err(
                Io(
                    ConnectionReset,
                ),
            ),
        ]
        "#);
    }

    /// `done` gets every result in the order the paths were given, though they finish in
    /// reverse, with failures in their place.
    fn results_in_given_order() {
        let server = DelayServer::start().unwrap();
        let paths = ["/250/a", "/200/b", "/not-found", "/100/d", "/50/e"]
            .map(String::from)
            .to_vec();
        let calls = fan_out(server.addr(), paths, 5);
        assert_eq!(calls.len(), 1, "`done` was called {} times, not once", calls.len());
        insta::assert_snapshot!(format!("{:?}", calls[0]), @r#"[Ok("a"), Ok("b"), Err(Status(404)), Ok("d"), Ok("e")]"#);
    }

    /// Five requests of 60 to 300 ms take about as long as the slowest, not their sum.
    fn delays_overlap() {
        let server = DelayServer::start().unwrap();
        let delays: Vec<u64> = vec![60, 120, 180, 240, 300];
        // One request alone, to learn the cost of a request beyond its delay.
        let (_, one) = time(|| fan_out(server.addr(), vec!["/60/x".into()], 1));
        let overhead = one.saturating_sub(ms(60));
        let parts: Vec<Duration> = delays.iter().map(|&d| ms(d) + overhead).collect();
        let paths = delays.iter().map(|d| format!("/{d}/r{d}")).collect();
        let (calls, all) = time(|| fan_out(server.addr(), paths, 5));
        assert_eq!(calls.len(), 1);
        assert!(calls[0].iter().all(Result::is_ok), "{:?}", calls[0]);
        Hypotheses::for_parts(&parts).assert("requests of 60, 120, 180, 240 and 300 ms", all);
    }

    /// With no paths at all, `done` is still called, once, with no results.
    fn done_once_even_when_empty() {
        let calls = fan_out(closed_port(), Vec::new(), 1);
        assert_eq!(calls.len(), 1, "`done` was called {} times for no paths, not once", calls.len());
        assert!(calls[0].is_empty());
    }

    /// `http_get` sends a proper request (`Host`, `Connection: close`) and reads the whole
    /// response, which arrives in pieces too large and too slow for one read.
    fn http_get_reads_everything() {
        let body: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let server = ScriptedServer::start(1, response_in_pieces(&body, 4), ms(30));
        let got = http_get(server.addr(), "/some/page");
        let head = server.heads().concat();
        let lines: Vec<&str> = head.lines().collect();
        assert_eq!(lines.first().copied(), Some("GET /some/page HTTP/1.1"), "the request line was {head:?}");
        let has = |name: &str, value: &str| {
            lines.iter().any(|l| {
                l.split_once(':').is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value))
            })
        };
        assert!(has("host", &server.addr().to_string()), "no `Host: {}` header in {head:?}", server.addr());
        assert!(has("connection", "close"), "no `Connection: close` header in {head:?}: without it a server may keep the connection open");
        let got = got.unwrap_or_else(|e| panic!("http_get failed: {e:?}"));
        assert_eq!(
            got.len(),
            body.len(),
            "the body has {} of {} bytes, sent in 4 pieces 30 ms apart: read until the server \
             closes the connection (read_to_end), not once",
            got.len(),
            body.len()
        );
        assert!(got.as_bytes() == body.as_slice(), "the body is garbled");
    }

    /// Answers that are not HTTP/1.x responses are `Malformed`, not a panic or a body.
    fn http_get_refuses_garbage() {
        let replies: [&[u8]; 4] = [
            b"this is not HTTP at all\r\n\r\nbody",
            b"HTTP/1.1 two-hundred OK\r\n\r\nbody",
            b"SPDY/3 200 OK\r\n\r\nbody",
            b"HTTP/1.1 200 OK\r\nbut the head never ends",
        ];
        let mut results = Vec::new();
        for reply in replies {
            let server = ScriptedServer::start(1, vec![reply.to_vec()], ms(0));
            results.push(http_get(server.addr(), "/"));
        }
        insta::assert_snapshot!(format!("{results:?}"), @"[Err(Malformed), Err(Malformed), Err(Malformed), Err(Malformed)]");
    }

    /// Twelve paths over three workers: every result arrives, in the order of the paths.
    fn more_paths_than_workers() {
        let server = DelayServer::start().unwrap();
        let paths: Vec<String> = (0..12).map(|i| format!("/{}/p{i}", (12 - i) * 5)).collect();
        let calls = fan_out(server.addr(), paths, 3);
        assert_eq!(calls.len(), 1, "`done` was called {} times, not once", calls.len());
        let bodies: Vec<String> = calls[0]
            .iter()
            .map(|r| r.clone().unwrap_or_else(|e| format!("{e:?}")))
            .collect();
        insta::assert_snapshot!(bodies.join(" "), @"p0 p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11");
    }
}
