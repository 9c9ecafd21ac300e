//! Step 1 — run tasks concurrently, one OS thread each.

use std::any::Any;
use std::fmt;
use std::thread;

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
pub fn run_all<T: Send + 'static>(tasks: Vec<Task<T>>) -> Vec<Result<T, TaskPanicked>> {
    let handles: Vec<_> = tasks.into_iter().map(thread::spawn).collect();
    handles
        .into_iter()
        .enumerate()
        .map(|(index, handle)| {
            handle.join().map_err(|payload| TaskPanicked {
                index,
                message: panic_message(payload.as_ref()),
            })
        })
        .collect()
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic>".to_owned()
    }
}
