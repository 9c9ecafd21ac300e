//! Exercise 3's workloads, run on whichever implementation this program was built with.

use benchkit::{Measure, Workload, measure::timed};
use epoll::{Events, Interest, Poll, Token, Waker};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// Sockets made readable at once in `ready_events`.
const SOCKETS: usize = 64;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "wake_poll",
                peer: None,
                what: "wake an eventfd waker, then poll until its event comes back",
                measure: Measure::PerOp(wake_poll),
            },
            Workload {
                name: "ready_events",
                peer: None,
                what: "one of 64 sockets made readable, its event polled and the socket drained",
                measure: Measure::PerOp(ready_events),
            },
        ],
        &[],
    )
}

fn wake_poll(n: u64) -> Duration {
    let mut poll = Poll::new().expect("an epoll instance");
    let waker = Waker::new(poll.registry(), Token(7)).expect("an eventfd waker");
    let mut events = Events::with_capacity(16);
    timed(|| {
        for _ in 0..n {
            waker.wake().expect("the waker wakes");
            poll.poll(&mut events, None).expect("poll");
            assert!(events.iter().any(|e| e.token == Token(7)));
        }
    })
}

fn ready_events(n: u64) -> Duration {
    let mut poll = Poll::new().expect("an epoll instance");
    let pairs: Vec<(UnixStream, UnixStream)> = (0..SOCKETS)
        .map(|_| UnixStream::pair().expect("a socket pair"))
        .collect();
    for (i, (reader, _)) in pairs.iter().enumerate() {
        reader.set_nonblocking(true).expect("non-blocking");
        poll.registry()
            .register(reader, Token(i), Interest::READABLE)
            .expect("registered");
    }
    let mut events = Events::with_capacity(SOCKETS);
    let rounds = n.div_ceil(SOCKETS as u64);
    let mut buf = [0u8; 16];
    let took = timed(|| {
        for _ in 0..rounds {
            for (_, writer) in &pairs {
                (&*writer).write_all(b"x").expect("written");
            }
            let mut seen = 0;
            while seen < SOCKETS {
                poll.poll(&mut events, None).expect("poll");
                for event in events.iter() {
                    let mut reader = &pairs[event.token.0].0;
                    while reader.read(&mut buf).is_ok_and(|got| got > 0) {}
                    seen += 1;
                }
            }
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (rounds * SOCKETS as u64) as f64)
}
