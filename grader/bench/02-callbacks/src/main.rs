//! Exercise 2's workloads, run on whichever implementation this program was built with.

use benchkit::trace::{mark, span, work};
use benchkit::{Measure, Scenario, Workload, measure::timed};
use callbacks::EventLoop;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "timer",
                peer: None,
                what: "a timer set for now, and its callback run by the loop",
                measure: Measure::PerOp(timers),
            },
            Workload {
                name: "blocking_job",
                peer: None,
                what: "a job on a worker thread, its result handled back on the loop thread",
                measure: Measure::PerOp(blocking_jobs),
            },
        ],
        &[Scenario {
            name: "timers",
            what: "callbacks due at 10, 20 and 30 ms and a 15 ms blocking job: the loop runs each callback at its time and sleeps in between",
            run: timeline,
        }],
    )
}

fn timers(n: u64) -> Duration {
    let ran = Rc::new(Cell::new(0));
    let mut event_loop = EventLoop::new();
    let took = timed(|| {
        for _ in 0..n {
            let ran = Rc::clone(&ran);
            event_loop.set_timeout(Duration::ZERO, move |_| ran.set(ran.get() + 1));
        }
        event_loop.run().expect("no callback panics");
    });
    assert_eq!(ran.get(), n, "every callback ran");
    took
}

fn blocking_jobs(n: u64) -> Duration {
    let sum = Rc::new(Cell::new(0));
    let mut event_loop = EventLoop::with_workers(2);
    let took = timed(|| {
        for i in 0..n {
            let sum = Rc::clone(&sum);
            event_loop.spawn_blocking(move || i, move |_, v| sum.set(sum.get() + v));
        }
        event_loop.run().expect("no job panics");
    });
    assert_eq!(
        sum.get(),
        (0..n).sum::<u64>(),
        "every job's value came back"
    );
    took
}

fn timeline() {
    let mut event_loop = EventLoop::with_workers(1);
    for ms in [10u64, 20, 30] {
        event_loop.set_timeout(Duration::from_millis(ms), move |_| {
            let _ran = span(&format!("timer {ms} ms"), "run");
            work(1_000);
        });
    }
    event_loop.spawn_blocking(
        || {
            let _ran = span("blocking job", "run");
            std::thread::sleep(Duration::from_millis(15));
        },
        |_, ()| mark("blocking job", "then"),
    );
    event_loop.run().expect("no callback panics");
}
