//! Checks for exercise 4 (green threads), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report. x86-64 Linux only: the
//! course skips this exercise elsewhere.

mod abi;
mod child;
mod first_switch;
mod memory;
mod overlap;
mod probes;
mod runtime;
mod scale;

use std::rc::Rc;
use testkit::Trace;

/// Every heap allocation of the check program is counted, per thread
/// ([`memory::allocations`]), so that a check can tell what a yield allocates.
#[global_allocator]
static ALLOCATOR: memory::Counting = memory::Counting;

fn trace() -> Rc<Trace> {
    Rc::new(Trace::new())
}
