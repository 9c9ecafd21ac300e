//! An ordered log of events, shareable across threads, for snapshot checks.

use std::fmt::Display;
use std::sync::Mutex;

/// Events in the order they were pushed.
#[derive(Default)]
pub struct Trace {
    events: Mutex<Vec<String>>,
}

impl Trace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one event.
    pub fn push(&self, event: impl Display) {
        self.events.lock().unwrap().push(event.to_string());
    }

    /// The events so far, one per line: the form snapshots compare.
    pub fn lines(&self) -> String {
        self.events.lock().unwrap().join("\n")
    }

    /// The events so far.
    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}
