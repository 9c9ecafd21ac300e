//! Checking that code panics when its contract says it must.

use std::panic::{self, AssertUnwindSafe};

/// The message `todo!()` panics with.
const TODO: &str = "not yet implemented";

/// What [`panic_message`] prints after a panic it provoked, followed by the thread's name
/// in quotes: the grader does not take a panic the check asked for as the origin of a
/// failure. The grader reads the same text.
pub const PROVOKED: &str = "testkit: the check provoked the panic above on purpose, in thread";

/// What [`announce`] prints right before a panic the check raises on purpose, followed by
/// the thread's name in quotes and its id in parentheses, as the panic's own header names
/// them: such a panic is part of the scenario (a job or a callback that fails), so the
/// grader never takes it for what failed the check. The grader reads the same text.
pub const ON_PURPOSE: &str = "testkit: the check panics on purpose next, in thread";

/// Panics like `panic!`, after telling the grader that the check means it: use it for
/// the panics a scenario provokes in the code under test (a job, a task or a callback that
/// fails), never for an assertion. The payload is the same as `panic!`'s: a `&str` for a
/// plain literal, a `String` once formatted.
#[macro_export]
macro_rules! panic_on_purpose {
    ($($arg:tt)*) => {{
        $crate::panics::announce();
        ::std::panic!($($arg)*)
    }};
}

/// [`std::panic::panic_any`] with a payload that is not a string, on purpose (see
/// [`panic_on_purpose!`](crate::panic_on_purpose)).
#[track_caller]
pub fn panic_any_on_purpose<P: std::any::Any + Send + 'static>(payload: P) -> ! {
    announce();
    panic::panic_any(payload)
}

/// Tells the grader that this thread's next panic is raised on purpose.
pub fn announce() {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    // The panic's header names the thread by its kernel id: two unnamed threads must not
    // be taken for each other.
    #[cfg(target_os = "linux")]
    // SAFETY: gettid has no preconditions.
    let id = unsafe { libc::gettid() };
    #[cfg(not(target_os = "linux"))]
    let id = "?";
    eprintln!("{ON_PURPOSE} '{name}' ({id})");
}

/// Runs `f`, which must not let a panic escape: `Err` carries the message of one that
/// did. A `todo!()` is passed on unchanged, so unwritten code still grades as not started.
pub fn escaped<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let payload = match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => return Ok(value),
        Err(payload) => payload,
    };
    let message = text_of(&*payload);
    if message == TODO || message.starts_with("not yet implemented: ") {
        panic::resume_unwind(payload);
    }
    Err(message)
}

fn text_of(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        String::from("<non-string panic>")
    }
}

/// Runs `f` and returns its panic message, or `None` when it returned normally.
///
/// A `todo!()` panic is passed on unchanged: an unwritten function "panics" too, and must
/// grade as not started, never as a contract kept.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> Option<String> {
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).err()?;
    let message = text_of(&*payload);
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
    fn an_escape_is_an_error_and_todo_passes_on() {
        assert_eq!(escaped(|| 7), Ok(7));
        assert_eq!(
            escaped(|| -> u8 { crate::panic_on_purpose!("job {} failed", 3) }),
            Err("job 3 failed".to_owned())
        );
        assert_eq!(
            escaped(|| panic_any_on_purpose(404_u16)),
            Err("<non-string panic>".to_owned())
        );
        let todo = panic::catch_unwind(|| escaped(|| -> u8 { todo!() }));
        assert!(
            todo.is_err(),
            "a todo!() must not count as an escaped panic"
        );
    }

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
