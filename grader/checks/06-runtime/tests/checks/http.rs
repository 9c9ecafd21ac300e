use crate::ms;
use delayserver::DelayServer;
use runtime::http::get;
use runtime::{Runtime, spawn};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use testkit::{Hypotheses, check};

check! {
    /// Ten requests with distinct delays complete in the order of their delays, and
    /// statuses other than 200 come back as values.
    fn completion_order() {
        let server = DelayServer::start().unwrap();
        let addr = server.addr();
        let mut rt = Runtime::new().unwrap();
        let (order, not_found) = rt.block_on(async move {
            let done: Rc<RefCell<Vec<String>>> = Rc::default();
            let delays = [300, 100, 500, 50, 250, 450, 150, 400, 200, 350];
            let handles: Vec<_> = delays
                .iter()
                .map(|&delay| {
                    let done = Rc::clone(&done);
                    spawn(async move {
                        let response = get(addr, &format!("/{delay}/d{delay}")).await.unwrap();
                        done.borrow_mut().push(format!("{} {}", response.status, response.body));
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
            let not_found = get(addr, "/nowhere").await.unwrap();
            (done.take().join(", "), format!("{} {}", not_found.status, not_found.body))
        });
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
}
