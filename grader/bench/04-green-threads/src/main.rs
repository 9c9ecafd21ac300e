//! Exercise 4's workloads, run on whichever implementation this program was built with.

use benchkit::trace::{mark, span, work};
use benchkit::{Measure, Scenario, Workload, measure::timed};
use green_threads::{Runtime, yield_now};
use std::cell::Cell;
use std::rc::Rc;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "handoff",
                peer: None,
                what: "one task gives the processor to another (yield_now between two tasks)",
                measure: Measure::PerOp(handoff),
            },
            Workload {
                name: "spawn",
                peer: None,
                what: "a task spawned before run, started and finished",
                measure: Measure::PerOp(spawn_and_finish),
            },
        ],
        &[Scenario {
            name: "yielding",
            what: "three tasks that work a little and yield, three times each: a correct runtime takes turns, task 1, 2, 3, 1, 2, 3, ...",
            run: yielding,
        }],
    )
}

fn handoff(n: u64) -> std::time::Duration {
    let mut runtime = Runtime::new();
    for _ in 0..2 {
        runtime.spawn(move || {
            for _ in 0..n / 2 {
                yield_now();
            }
        });
    }
    timed(|| runtime.run())
}

fn spawn_and_finish(n: u64) -> std::time::Duration {
    let done = Rc::new(Cell::new(0));
    let mut runtime = Runtime::new();
    let took = timed(|| {
        for _ in 0..n {
            let done = Rc::clone(&done);
            runtime.spawn(move || done.set(done.get() + 1));
        }
        runtime.run();
    });
    assert_eq!(done.get(), n, "every task ran");
    took
}

fn yielding() {
    let mut runtime = Runtime::new();
    for task in 1..=3 {
        runtime.spawn(move || {
            let lane = format!("task {task}");
            for _ in 0..3 {
                {
                    let _ran = span(&lane, "run");
                    work(200);
                }
                mark(&lane, "yield");
                yield_now();
            }
            let _ran = span(&lane, "run");
            work(100);
        });
    }
    runtime.run();
}
