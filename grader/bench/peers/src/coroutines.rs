//! corosensei and OS threads: peers of exercise 4 (green threads).

use benchkit::measure::timed;
use benchkit::{Measure, Workload};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::sync::mpsc;
use std::time::Duration;

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "green-threads/handoff",
        peer: Some("corosensei"),
        what: "one handoff: a resume into a coroutine, or a suspend out of it",
        measure: Measure::PerOp(corosensei_handoff),
    },
    Workload {
        name: "green-threads/handoff",
        peer: Some("OS threads"),
        what: "one handoff between two threads over channels",
        measure: Measure::PerOp(thread_handoff),
    },
    Workload {
        name: "green-threads/spawn",
        peer: Some("corosensei"),
        what: "a coroutine created (with a fresh stack), run and finished",
        measure: Measure::PerOp(corosensei_spawn),
    },
    Workload {
        name: "green-threads/spawn",
        peer: Some("OS threads"),
        what: "a thread spawned, run and joined",
        measure: Measure::PerOp(thread_spawn),
    },
];

fn corosensei_handoff(n: u64) -> Duration {
    let rounds = n / 2;
    let mut coroutine = Coroutine::new(move |yielder, ()| {
        for _ in 0..rounds {
            yielder.suspend(());
        }
    });
    timed(
        || {
            while let CoroutineResult::Yield(()) = coroutine.resume(()) {}
        },
    )
}

fn thread_handoff(n: u64) -> Duration {
    let (to_other, other_gets) = mpsc::channel::<()>();
    let (to_me, i_get) = mpsc::channel::<()>();
    let rounds = n / 2;
    let other = std::thread::spawn(move || {
        for _ in 0..rounds {
            other_gets.recv().expect("ping");
            to_me.send(()).expect("pong");
        }
    });
    let took = timed(|| {
        for _ in 0..rounds {
            to_other.send(()).expect("ping");
            i_get.recv().expect("pong");
        }
    });
    other.join().expect("the other thread finished");
    took
}

fn corosensei_spawn(n: u64) -> Duration {
    timed(|| {
        for _ in 0..n {
            let mut coroutine = Coroutine::new(|_: &Yielder<(), ()>, ()| ());
            assert!(matches!(coroutine.resume(()), CoroutineResult::Return(())));
        }
    })
}

fn thread_spawn(n: u64) -> Duration {
    timed(|| {
        let threads: Vec<_> = (0..n).map(|_| std::thread::spawn(|| ())).collect();
        for thread in threads {
            thread.join().expect("the thread finished");
        }
    })
}
