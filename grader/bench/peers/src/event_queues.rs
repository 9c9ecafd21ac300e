//! mio and tokio's blocking pool: peers of exercises 2 (callbacks) and 3 (epoll).

use benchkit::measure::timed;
use benchkit::{Measure, Workload};
use mio::{Events, Poll, Token, Waker};
use std::time::Duration;

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "epoll/wake_poll",
        peer: Some("mio"),
        what: "wake an eventfd waker, then poll until its event comes back",
        measure: Measure::PerOp(mio_wake_poll),
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
