//! Step 1 — timers, and the loop that runs them.

use crate::blocking::{Completion, WorkerPool};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// Identifies a timer, for [`EventLoop::clear_timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(pub(crate) u64);

/// Why [`EventLoop::run`] stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopError {
    /// A callback running on the loop panicked, with this message; the loop stopped at once.
    CallbackPanicked(String),
    /// A `spawn_blocking` job panicked on a worker, with this message; its `then` callback
    /// never runs and the loop stopped.
    WorkPanicked(String),
}

impl fmt::Display for LoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopError::CallbackPanicked(m) => write!(f, "a callback panicked: {m}"),
            LoopError::WorkPanicked(m) => write!(f, "blocking work panicked: {m}"),
        }
    }
}

impl std::error::Error for LoopError {}

type OnceCallback = Box<dyn FnOnce(&mut EventLoop)>;
type RepeatedCallback = Box<dyn FnMut(&mut EventLoop, TimerId)>;

pub(crate) enum Timer {
    Once(OnceCallback),
    Every {
        period: Duration,
        callback: RepeatedCallback,
    },
}

/// Timers are ordered by deadline, then by the order they were scheduled in.
type Key = (Instant, u64);

/// A single-threaded event loop.
///
/// - Callbacks run one at a time, on the thread that calls [`EventLoop::run`], each with
///   `&mut EventLoop` so that it can schedule more work.
/// - Timers run in deadline order; timers with the same deadline run in the order they
///   were scheduled; no timer runs before its deadline.
/// - Between callbacks the loop *sleeps* until the next deadline or the next completed
///   blocking job, whichever comes first; it never polls.
/// - `run` returns `Ok(())` when no timer is pending and no blocking job is outstanding.
/// - Dropping the loop joins its worker threads, after they finish the jobs they were
///   given (without running those jobs' `then` callbacks).
pub struct EventLoop {
    pub(crate) timers: BTreeMap<Key, (TimerId, Timer)>,
    /// Live timers by id. A running interval stays here until it is cleared.
    pub(crate) live: HashMap<TimerId, Key>,
    pub(crate) next_seq: u64,
    pub(crate) pool: WorkerPool,
    pub(crate) done_tx: Sender<Completion>,
    pub(crate) done_rx: Receiver<Completion>,
    pub(crate) waiting_for: HashMap<u64, crate::blocking::Then>,
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl EventLoop {
    /// A loop whose blocking work runs on 4 worker threads.
    pub fn new() -> EventLoop {
        Self::with_workers(4)
    }

    /// A loop whose blocking work runs on at most `workers` threads.
    ///
    /// # Panics
    /// When `workers` is 0.
    pub fn with_workers(workers: usize) -> EventLoop {
        let (done_tx, done_rx) = mpsc::channel();
        EventLoop {
            timers: BTreeMap::new(),
            live: HashMap::new(),
            next_seq: 0,
            pool: WorkerPool::new(workers),
            done_tx,
            done_rx,
            waiting_for: HashMap::new(),
        }
    }

    /// Runs `callback` once, `delay` after now.
    pub fn set_timeout(
        &mut self,
        delay: Duration,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        self.set_timeout_at(Instant::now() + delay, callback)
    }

    /// Runs `callback` once, at `deadline` (at once if it has passed).
    pub fn set_timeout_at(
        &mut self,
        deadline: Instant,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        let id = TimerId(self.next_seq);
        self.insert(deadline, id, Timer::Once(Box::new(callback)));
        id
    }

    pub(crate) fn insert(&mut self, deadline: Instant, id: TimerId, timer: Timer) {
        let key = (deadline, self.next_seq);
        self.next_seq += 1;
        self.timers.insert(key, (id, timer));
        self.live.insert(id, key);
    }

    /// Runs callbacks until nothing is pending. See [`EventLoop`] for the rules.
    pub fn run(&mut self) -> Result<(), LoopError> {
        loop {
            let next = self.timers.keys().next().copied();
            if next.is_none() && self.waiting_for.is_empty() {
                return Ok(());
            }
            let now = Instant::now();
            if let Some(key) = next
                && key.0 <= now
            {
                self.fire(key)?;
                continue;
            }
            let completion = match next {
                Some((deadline, _)) => match self.done_rx.recv_timeout(deadline - now) {
                    Ok(done) => done,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => unreachable!("the loop holds a sender"),
                },
                None => self.done_rx.recv().expect("the loop holds a sender"),
            };
            self.complete(completion)?;
        }
    }

    fn fire(&mut self, key: Key) -> Result<(), LoopError> {
        let (id, timer) = self.timers.remove(&key).expect("the key was just seen");
        match timer {
            Timer::Once(callback) => {
                self.live.remove(&id);
                self.guard(|el| callback(el))
            }
            Timer::Every {
                period,
                mut callback,
            } => {
                self.guard(|el| callback(el, id))?;
                // Cleared from inside its own callback: not re-armed.
                if self.live.get(&id) == Some(&key) {
                    self.insert(key.0 + period, id, Timer::Every { period, callback });
                }
                Ok(())
            }
        }
    }

    /// Runs a callback on the loop, turning a panic into [`LoopError::CallbackPanicked`].
    pub(crate) fn guard(&mut self, f: impl FnOnce(&mut EventLoop)) -> Result<(), LoopError> {
        panic::catch_unwind(AssertUnwindSafe(|| f(self)))
            .map_err(|payload| LoopError::CallbackPanicked(crate::blocking::panic_text(&*payload)))
    }
}
