//! Asking the grader to say where the code under test is stuck.
//!
//! A check that stops waiting for the code under test (a pool's drop that never returns)
//! fails with its own message, before the grader's time limit. The grader would take the
//! stacks of a check it kills for time and name the learner's functions each thread was
//! in; [`show_where`] asks it to do the same now, while the code is still stuck, so the
//! failure says where as well as what. The grader stops the process while it copies the
//! stacks, from outside; nothing of this runs in the code under test.
//!
//! The environment variable [`STACKS_VAR`] names a socket to the grader. Without it (a
//! maintainer running `cargo test` by hand) asking does nothing.

use std::time::Duration;

/// Environment variable carrying the socket's descriptor.
pub const STACKS_VAR: &str = "GRADER_STACKS_FD";

/// How long to wait for the grader's answer: more than it may take (about a second).
const PATIENCE: Duration = Duration::from_secs(3);

/// Asks the grader to take every thread's stack now, and returns once it has (or when it
/// does not answer in time). Call it just before failing a check for code that does not
/// return.
pub fn show_where() {
    let Some(fd) = std::env::var(STACKS_VAR)
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
    else {
        return;
    };
    // SAFETY: one byte written from a buffer we own to the grader's socket.
    if unsafe { libc::write(fd, b"?".as_ptr().cast(), 1) } != 1 {
        return;
    }
    let mut ready = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd we own.
    let ready = unsafe { libc::poll(&mut ready, 1, PATIENCE.as_millis() as libc::c_int) };
    if ready == 1 {
        let mut answer = [0u8; 1];
        // SAFETY: one byte read into a buffer we own.
        unsafe { libc::read(fd, answer.as_mut_ptr().cast(), 1) };
    }
}
