//! Checks for exercise 3 (epoll), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

mod poll;
mod requests;
mod syscall;
mod waker;

use epoll::{Event, Events, Token};

use testkit::ms;

/// The events of the last poll, in a form assertions and snapshots can show, when each
/// came under one of the tokens the check `registered`. An event under any other token is
/// not an event that never came, and is said as such.
#[track_caller]
fn seen(events: &Events, registered: &[Token]) -> Vec<Event> {
    let got: Vec<Event> = events.iter().copied().collect();
    if let Some(stray) = got.iter().find(|e| !registered.contains(&e.token)) {
        testkit::fail_because!(
            "wrong-token",
            "poll reported an event under {:?}, a token nothing was registered with (the \
             check registered {registered:?}; it saw {got:?}): the token given to register \
             does not come back intact",
            stray.token
        );
    }
    got
}
