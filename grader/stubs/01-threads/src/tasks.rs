//! Step 1 — run tasks concurrently, one OS thread each.

use std::fmt;

/// A piece of work that can be sent to another thread and produces a `T`.
pub type Task<T> = Box<dyn FnOnce() -> T + Send + 'static>;

/// The error for a task that panicked instead of returning a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPanicked {
    /// The task's position in the list given to [`run_all`].
    pub index: usize,
    /// The panic message when it was a string (`panic!("...")`), otherwise
    /// `"<non-string panic>"`.
    pub message: String,
}

impl fmt::Display for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} panicked: {}", self.index, self.message)
    }
}

impl std::error::Error for TaskPanicked {}

/// Runs every task on its own OS thread, all at the same time, and waits for all of them.
///
/// - Every task gets a thread of its own, started before any result is awaited: tasks
///   that wait for one another (or sleep) overlap instead of queueing.
/// - The result vector is in the order the tasks were *given*, whatever order they finish in.
/// - A task that panics yields `Err(TaskPanicked)` at its position; the other tasks and
///   the caller carry on.
///
/// Hint: `std::thread::spawn` returns a `JoinHandle`; `join` gives back either the value
/// or the panic's payload (`Box<dyn Any + Send>`), which you can `downcast_ref` to `&str`
/// or `String`.
pub fn run_all<T: Send + 'static>(tasks: Vec<Task<T>>) -> Vec<Result<T, TaskPanicked>> {
    todo!()
}
