use crate::ms;
use delayserver::DelayServer;
use epoll::requests::{Request, get_all};
use epoll::{Events, Interest, Poll, Token, Waker};
use std::time::{Duration, Instant};
use testkit::gated::{Gate, GatedServer};
use testkit::procfs::{open_fds, settle_fds};
use testkit::scripted::{ScriptedServer, response_in_pieces as response_in_pieces_of};
use testkit::timing::time;
use testkit::{Hypotheses, check, cpu, wakeups};

/// The body of a raw HTTP response.
fn body(response: &[u8]) -> &[u8] {
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no blank line in {:?}", String::from_utf8_lossy(response)));
    &response[at + 4..]
}

/// Whether the request's socket is still in blocking mode.
fn is_blocking(request: &Request) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETFL only reads the flags of a descriptor the request owns.
    let flags = unsafe { libc::fcntl(request.as_raw_fd(), libc::F_GETFL) };
    flags >= 0 && flags & libc::O_NONBLOCK == 0
}

check! {
    /// Five requests in flight together complete in the order their answers come: the
    /// server answers the last request first, and each next one only after the client has
    /// read the one before, so two answers never become ready together.
    fn completion_order() {
        let paths = ["/500/a", "/400/b", "/300/c", "/200/d", "/100/e"];
        let server = GatedServer::start(paths.iter().rev().map(|p| p.to_string()).collect(), Gate::Read);
        let done = get_all(server.addr(), &paths).unwrap();
        let together = server.together();
        assert!(
            together == paths.len(),
            "only {together} of {} requests reached the server before the first was answered: \
             get_all must send every request before it waits for any answer",
            paths.len()
        );
        let lines: Vec<String> = done
            .iter()
            .map(|c| format!("{}: {}", c.index, String::from_utf8_lossy(body(&c.response))))
            .collect();
        insta::assert_snapshot!(lines.join("\n"), @r"
        4: e
        3: d
        2: c
        1: b
        0: a
        ");
    }

    /// Requests of 100 to 500 ms take about as long as the slowest, not their sum.
    fn delays_overlap() {
        let server = DelayServer::start().unwrap();
        let (_, one) = time(|| get_all(server.addr(), &["/100/x"]).unwrap());
        let overhead = one.saturating_sub(ms(100));
        let delays = [100, 200, 300, 400, 500];
        let parts: Vec<Duration> = delays.iter().map(|&d| ms(d) + overhead).collect();
        let paths: Vec<String> = delays.iter().map(|d| format!("/{d}/r")).collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let (done, all) = time(|| get_all(server.addr(), &paths).unwrap());
        assert_eq!(done.len(), 5);
        Hypotheses::for_parts(&parts).assert("requests of 100, 200, 300, 400 and 500 ms", all);
    }

    /// While all requests wait on the server, the thread sleeps in `poll`.
    fn waits_without_spinning() {
        let server = DelayServer::start().unwrap();
        let ((done, usage), wakes) = wakeups::count_this_thread(|| {
            cpu::measure(|| get_all(server.addr(), &["/400/a", "/400/b", "/400/c"]).unwrap())
        });
        assert_eq!(done.len(), 3);
        usage.assert_waiting("three requests waiting 0.4 s on the server", 0.5);
        wakes.assert_at_most(
            "three requests waiting 0.4 s on the server",
            20,
            "a thread that blocks in poll until a response arrives",
        );
    }

    /// A response of more than 1 MiB arrives complete under edge triggering.
    fn large_response() {
        let server = DelayServer::start().unwrap();
        let repeat = 70_000;
        let done = get_all(server.addr(), &[&format!("/0/0123456789abcdef?repeat={repeat}")]).unwrap();
        let body = body(&done[0].response);
        assert_eq!(
            body.len(),
            16 * repeat,
            "the body has {} of {} bytes: under edge triggering, read until WouldBlock on every event",
            body.len(),
            16 * repeat
        );
        assert!(body.chunks(16).all(|c| c == b"0123456789abcdef"), "the body is garbled");
    }

    /// Events that come too early or after the end change nothing.
    fn spurious_events_harmless() {
        let server = DelayServer::start().unwrap();
        let mut request = Request::start(server.addr(), "/200/late").unwrap();
        let early = request.on_readable().unwrap();
        if early && is_blocking(&request) {
            testkit::fail_because!(
                "blocking-socket",
                "on_readable, called before any data arrived, waited for the whole response \
                 instead of returning: the request's socket is in blocking mode, so a read \
                 waits for data where it should fail with WouldBlock"
            );
        }
        assert!(!early, "on_readable said the response was complete before any data arrived");
        assert!(request.response().is_empty());
        let mut poll = Poll::new().unwrap();
        poll.registry().register(&request, Token(0), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        let deadline = Instant::now() + ms(5000);
        while !request.on_readable().unwrap() {
            assert!(Instant::now() < deadline, "the response never completed");
            poll.poll(&mut events, Some(ms(500))).unwrap();
        }
        let complete = request.response().to_vec();
        assert_eq!(body(&complete), b"late");
        for _ in 0..3 {
            assert!(request.on_readable().unwrap(), "a finished request must stay finished");
        }
        assert_eq!(request.response(), complete, "a repeated event changed the response");
    }

    /// Polls, wakers and requests leave no descriptor open once dropped.
    fn no_fd_leaks() {
        let server = DelayServer::start().unwrap();
        let Some(before) = open_fds() else {
            return testkit::record::skip("counting descriptors needs /proc/self/fd (Linux)");
        };
        {
            let poll = Poll::new().unwrap();
            let waker = Waker::new(poll.registry(), Token(1)).unwrap();
            waker.wake().unwrap();
        }
        let done = get_all(server.addr(), &["/10/a", "/20/b", "/0/c"]).unwrap();
        assert_eq!(done.len(), 3);
        // The server's side of each connection closes on its own thread.
        let after = settle_fds(before, ms(500)).unwrap();
        assert_eq!(
            after,
            before,
            "{} descriptors stayed open after everything was dropped",
            after.saturating_sub(before)
        );
    }

    /// `Request::start` sends a proper request (`Host`, `Connection: close`), and a
    /// response that arrives in pieces, some time apart, is read whole: every piece is a
    /// new edge.
    fn response_in_pieces() {
        let sent: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let server = ScriptedServer::start(1, response_in_pieces_of(&sent, 5), ms(40));
        let done = get_all(server.addr(), &["/in/pieces"]).unwrap();
        let head = server.heads().concat();
        let lines: Vec<&str> = head.lines().collect();
        assert_eq!(lines.first().copied(), Some("GET /in/pieces HTTP/1.1"), "the request was {head:?}");
        let has = |name: &str, value: &str| {
            lines.iter().any(|l| {
                l.split_once(':').is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value))
            })
        };
        assert!(has("host", &server.addr().to_string()), "no `Host: {}` header in {head:?}", server.addr());
        assert!(has("connection", "close"), "no `Connection: close` header in {head:?}");
        assert_eq!(done.len(), 1);
        let got = body(&done[0].response);
        assert_eq!(
            got.len(),
            sent.len(),
            "the body has {} of {} bytes, sent in 5 pieces 40 ms apart: keep reading on every \
             event until WouldBlock, and finish only when a read returns 0",
            got.len(),
            sent.len()
        );
        assert!(got == sent.as_slice(), "the body is garbled");
    }

    /// A hundred requests answered at once: many events arrive in the same poll, more than
    /// one buffer holds, and every request completes.
    fn many_requests_at_once() {
        let server = DelayServer::start().unwrap();
        let paths: Vec<String> = (0..100).map(|i| format!("/30/r{i}")).collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let done = get_all(server.addr(), &paths).unwrap();
        let mut indices: Vec<usize> = done.iter().map(|c| c.index).collect();
        indices.sort_unstable();
        assert!(
            indices.iter().copied().eq(0..100),
            "{} of 100 requests completed (or some twice): handle every event of a poll, and \
             poll again until all are done",
            done.len()
        );
        for c in &done {
            let expected = format!("r{}", c.index);
            assert_eq!(body(&c.response), expected.as_bytes(), "request {} got another's response", c.index);
        }
    }

    /// Errors come back as errors: a refused connection from `Request::start`, a reset
    /// connection from `on_readable` (and so from `get_all`), not an endless wait.
    fn errors_are_returned() {
        let refused = Request::start(testkit::net::closed_port(), "/").map(|_| ()).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused, "{refused}");
        let server = ScriptedServer::resetting(1);
        let (result, took) = time(|| get_all(server.addr(), &["/reset"]));
        match result {
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
            Ok(done) => panic!(
                "the server reset the connection, yet get_all returned {} response(s) after \
                 {:.0} ms: a read error other than WouldBlock (or Interrupted) is an error, to \
                 be returned, not the end of the response",
                done.len(),
                took.as_secs_f64() * 1e3
            ),
        }
    }
}
