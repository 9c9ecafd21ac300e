//! Recording what ran when, for `grader trace`: spans (a task ran, a future was polled)
//! and marks (a wake, a yield) on named lanes, with times since the scenario started.
//!
//! The recorder is global, so the scenario's own code (a task body, a wrapper future, a
//! waker) can record without the learner's code passing anything along.

use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

pub struct Scenario {
    pub name: &'static str,
    /// One line: what the scenario does and what a correct picture shows.
    pub what: &'static str,
    pub run: fn(),
}

impl Scenario {
    pub(crate) fn describe(&self) -> serde_json::Value {
        json!({ "name": self.name, "what": self.what, "kind": "scenario" })
    }

    /// Runs the scenario and returns its events as JSON lines, in the order recorded.
    pub(crate) fn record(&self) -> Vec<serde_json::Value> {
        let _ = start();
        (self.run)();
        let events = std::mem::take(&mut *recorder().events.lock().unwrap());
        events.iter().map(Event::to_json).collect()
    }
}

struct Recorder {
    start: Instant,
    events: Mutex<Vec<Event>>,
}

enum Event {
    Span {
        lane: String,
        kind: &'static str,
        start: u64,
        end: u64,
    },
    Mark {
        lane: String,
        kind: &'static str,
        at: u64,
    },
}

impl Event {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Event::Span {
                lane,
                kind,
                start,
                end,
            } => json!({ "lane": lane, "kind": kind, "start": start, "end": end }),
            Event::Mark { lane, kind, at } => json!({ "lane": lane, "kind": kind, "at": at }),
        }
    }
}

fn recorder() -> &'static Recorder {
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| Recorder {
        start: Instant::now(),
        events: Mutex::new(Vec::new()),
    })
}

fn start() -> Instant {
    recorder().start
}

fn now() -> u64 {
    start().elapsed().as_nanos() as u64
}

/// Records a mark on `lane` now.
pub fn mark(lane: &str, kind: &'static str) {
    let at = now();
    recorder().events.lock().unwrap().push(Event::Mark {
        lane: lane.to_owned(),
        kind,
        at,
    });
}

/// A span on `lane` that starts now and ends when the returned guard is dropped.
pub fn span(lane: &str, kind: &'static str) -> Span {
    Span {
        lane: lane.to_owned(),
        kind,
        start: now(),
    }
}

pub struct Span {
    lane: String,
    kind: &'static str,
    start: u64,
}

impl Drop for Span {
    fn drop(&mut self) {
        let end = now();
        recorder().events.lock().unwrap().push(Event::Span {
            lane: std::mem::take(&mut self.lane),
            kind: self.kind,
            start: self.start,
            end,
        });
    }
}

/// Keeps the processor busy for `micros` microseconds, so a span is wide enough to see.
pub fn work(micros: u64) {
    let until = Instant::now() + std::time::Duration::from_micros(micros);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// Wraps a future: every poll is a `poll` span on `lane`, and every wake of the waker it
/// was given is a `wake` mark on that lane.
pub fn traced<F: Future>(lane: &str, future: F) -> Traced<F> {
    Traced {
        lane: lane.to_owned(),
        future: Box::pin(future),
    }
}

pub struct Traced<F> {
    lane: String,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let waker = Waker::from(Arc::new(MarkingWaker {
            lane: this.lane.clone(),
            inner: cx.waker().clone(),
        }));
        let _span = span(&this.lane, "poll");
        this.future.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

struct MarkingWaker {
    lane: String,
    inner: Waker,
}

impl Wake for MarkingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        mark(&self.lane, "wake");
        self.inner.wake_by_ref();
    }
}
