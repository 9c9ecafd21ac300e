//! Checks for exercise 5 (futures), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

mod by_hand;
mod combinators;
mod gate;
mod interop;
mod leaf;
mod pinning;

use std::future::Future;

use testkit::ms;

/// Runs a future on the instrumented executor, failing the check if it gets stuck.
fn run<F: Future>(future: F) -> (F::Output, testkit::executor::Stats) {
    testkit::executor::run(future, ms(2000)).unwrap_or_else(|stuck| panic!("{stuck}"))
}

/// Runs a future on the instrumented executor whose waker dawdles 50 ms after waking
/// it; whether it got stuck.
fn run_lingering<F: Future>(future: F) -> Result<F::Output, testkit::executor::Stuck> {
    testkit::executor::run_lingering(future, ms(1500), ms(50)).map(|(output, _)| output)
}
