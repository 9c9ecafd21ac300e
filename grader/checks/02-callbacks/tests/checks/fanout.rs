use crate::ms;
use callbacks::EventLoop;
use callbacks::fanout::{Fetched, fetch_all, http_get};
use delayserver::DelayServer;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use testkit::net::closed_port;
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
    assert_eq!(el.run(), Ok(()));
    Rc::try_unwrap(calls).unwrap().into_inner()
}

check! {
    /// `http_get` returns the body of a 200, and errors as values otherwise.
    fn http_get_answers() {
        let server = DelayServer::start().unwrap();
        let results = [
            http_get(server.addr(), "/0/hello"),
            http_get(server.addr(), "/20/with%20delay"),
            http_get(server.addr(), "/no-such-page"),
            http_get(closed_port(), "/0/nobody-home"),
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
}
