//! Which threads ran a piece of work.

use std::collections::HashSet;
use std::sync::Mutex;
use std::thread::{self, ThreadId};

/// A log of the threads that called [`ThreadLog::record`], shareable across threads.
#[derive(Default)]
pub struct ThreadLog {
    ids: Mutex<Vec<ThreadId>>,
}

impl ThreadLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes the calling thread.
    pub fn record(&self) {
        self.ids.lock().unwrap().push(thread::current().id());
    }

    /// How many calls were recorded.
    pub fn calls(&self) -> usize {
        self.ids.lock().unwrap().len()
    }

    /// How many different threads made them.
    pub fn distinct(&self) -> usize {
        self.ids
            .lock()
            .unwrap()
            .iter()
            .collect::<HashSet<_>>()
            .len()
    }

    /// Whether `id` is one of them.
    pub fn contains(&self, id: ThreadId) -> bool {
        self.ids.lock().unwrap().contains(&id)
    }
}
