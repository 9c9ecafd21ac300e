//! Naming the bug a failed measurement points at.
//!
//! A check knows more than pass or fail: an event that never came is another bug than an
//! event that came under the wrong token. A check that can tell fails with
//! [`fail_because!`](crate::fail_because), naming a cause the exercise declares in
//! `course.toml` (`[[exercise.cause]]`); the grader then explains that cause once for
//! every check it broke, instead of each check's own hint.

/// What a failure's panic message starts with to name its cause: `[cause: NAME] `. The
/// grader reads the same text.
pub const PREFIX: &str = "[cause: ";

/// Fails the running check: panics with `message`, naming `cause`.
///
/// ```should_panic
/// testkit::fail_because!("wrong-token", "the event came with Token({}), not Token(5)", 0);
/// ```
#[macro_export]
macro_rules! fail_because {
    ($cause:literal, $($message:tt)+) => {
        ::std::panic!("{}{}] {}", $crate::cause::PREFIX, $cause, ::std::format_args!($($message)+))
    };
}
