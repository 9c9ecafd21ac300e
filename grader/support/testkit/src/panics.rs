//! Checking that code panics when its contract says it must.

use std::panic::{self, AssertUnwindSafe};

/// The message `todo!()` panics with.
const TODO: &str = "not yet implemented";

/// What [`panic_message`] prints after a panic it provoked, followed by the thread's name
/// in quotes: the grader does not take a panic the check asked for as the origin of a
/// failure. The grader reads the same text.
pub const PROVOKED: &str = "testkit: the check provoked the panic above on purpose, in thread";

/// Runs `f` and returns its panic message, or `None` when it returned normally.
///
/// A `todo!()` panic is passed on unchanged: an unwritten function "panics" too, and must
/// grade as not started, never as a contract kept.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> Option<String> {
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).err()?;
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        String::from("<non-string panic>")
    };
    if message == TODO || message.starts_with("not yet implemented: ") {
        panic::resume_unwind(payload);
    }
    let thread = std::thread::current();
    eprintln!("{PROVOKED} '{}'", thread.name().unwrap_or("<unnamed>"));
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_panics_and_passes_todo_on() {
        assert_eq!(panic_message(|| 1), None);
        assert_eq!(
            panic_message(|| panic!("size must be positive")).as_deref(),
            Some("size must be positive")
        );
        let todo = panic::catch_unwind(|| panic_message(|| -> u8 { todo!() }));
        let payload = todo.expect_err("a todo!() must not count as the expected panic");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&TODO));
    }
}
