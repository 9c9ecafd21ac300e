//! Checks for exercise 3 (epoll), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

mod poll;
mod requests;
mod syscall;
mod waker;

use epoll::{Event, Events};

use testkit::ms;

/// The events of the last poll, in a form assertions and snapshots can show.
fn seen(events: &Events) -> Vec<Event> {
    events.iter().copied().collect()
}
