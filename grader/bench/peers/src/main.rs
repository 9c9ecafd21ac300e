//! The peers: the same workloads as the exercises' bench programs, on production code.
//! A workload here is named `EXERCISE/WORKLOAD` after the exercise's own.

mod async_runtimes;
mod coroutines;
mod event_queues;
mod threads;

use benchkit::Workload;

fn main() -> std::process::ExitCode {
    let workloads: Vec<Workload> = [
        threads::WORKLOADS,
        event_queues::WORKLOADS,
        coroutines::WORKLOADS,
        async_runtimes::WORKLOADS,
    ]
    .concat();
    benchkit::main(&workloads, &[])
}
