//! mio and tokio's blocking pool: peers of exercises 2 (callbacks) and 3 (epoll).

use benchkit::measure::timed;
use benchkit::{Measure, Workload};
use mio::net::UnixStream;
use mio::{Events, Interest, Poll, Token, Waker};
use std::io::{Read, Write};
use std::time::Duration;

/// Sockets made readable at once, the same as the exercise's own workload.
const SOCKETS: usize = 64;

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "epoll/wake_poll",
        peer: Some("mio"),
        what: "wake an eventfd waker, then poll until its event comes back",
        measure: Measure::PerOp(mio_wake_poll),
    },
    Workload {
        name: "epoll/ready_events",
        peer: Some("mio"),
        what: "one of 64 sockets made readable, its event polled and the socket drained",
        measure: Measure::PerOp(mio_ready_events),
    },
    Workload {
        name: "callbacks/blocking_job",
        peer: Some("tokio spawn_blocking"),
        what: "a job on a worker thread, its result handled back on the loop thread",
        measure: Measure::PerOp(tokio_blocking_job),
    },
];

fn mio_wake_poll(n: u64) -> Duration {
    let mut poll = Poll::new().expect("an epoll instance");
    let waker = Waker::new(poll.registry(), Token(7)).expect("an eventfd waker");
    let mut events = Events::with_capacity(16);
    timed(|| {
        for _ in 0..n {
            waker.wake().expect("the waker wakes");
            poll.poll(&mut events, None).expect("poll");
            assert!(events.iter().any(|e| e.token() == Token(7)));
        }
    })
}

fn mio_ready_events(n: u64) -> Duration {
    let mut poll = Poll::new().expect("an epoll instance");
    let mut pairs: Vec<(UnixStream, UnixStream)> = (0..SOCKETS)
        .map(|_| UnixStream::pair().expect("a socket pair"))
        .collect();
    for (i, (reader, _)) in pairs.iter_mut().enumerate() {
        poll.registry()
            .register(reader, Token(i), Interest::READABLE)
            .expect("registered");
    }
    let mut events = Events::with_capacity(SOCKETS);
    let rounds = n.div_ceil(SOCKETS as u64);
    let mut buf = [0u8; 16];
    let took = timed(|| {
        for _ in 0..rounds {
            for (_, writer) in &mut pairs {
                writer.write_all(b"x").expect("written");
            }
            let mut seen = 0;
            while seen < SOCKETS {
                poll.poll(&mut events, None).expect("poll");
                for event in events.iter() {
                    let reader = &mut pairs[event.token().0].0;
                    while reader.read(&mut buf).is_ok_and(|got| got > 0) {}
                    seen += 1;
                }
            }
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (rounds * SOCKETS as u64) as f64)
}

fn tokio_blocking_job(n: u64) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(2)
        .build()
        .expect("a tokio runtime");
    timed(|| {
        rt.block_on(async {
            let jobs: Vec<_> = (0..n)
                .map(|i| tokio::task::spawn_blocking(move || i * 2))
                .collect();
            let mut sum = 0;
            for job in jobs {
                sum += job.await.expect("the job finished");
            }
            assert_eq!(sum, n * (n.max(1) - 1));
        })
    })
}
