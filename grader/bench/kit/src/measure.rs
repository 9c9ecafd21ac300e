//! Timing a workload: calibrated rounds, and the median of them.

use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds measured after one warm-up round; the median is reported, so one round slowed
/// by the machine does not move the result.
const ROUNDS: usize = 5;
/// How long one round of a repeated operation lasts, about.
const ROUND: Duration = Duration::from_millis(40);

/// How a workload is measured.
#[derive(Clone, Copy)]
pub enum Measure {
    /// `f(n)` does the operation `n` times and returns how long that took; the result is
    /// nanoseconds per operation.
    PerOp(fn(u64) -> Duration),
    /// `f()` does a whole scenario and returns its cost in nanoseconds per operation
    /// itself (for example the time above a sleep's length, per sleeper).
    Scenario(fn() -> f64),
    /// `f()` returns a size in bytes (not timed).
    Bytes(fn() -> usize),
}

#[derive(Clone, Copy)]
pub struct Workload {
    /// Short, the same in the exercise's bench program and in the peers'.
    pub name: &'static str,
    /// `None` for the course's own implementation (the learner's or the reference,
    /// whichever the program was built from); else the peer measured, such as `tokio`.
    pub peer: Option<&'static str>,
    /// One line: what one operation is.
    pub what: &'static str,
    pub measure: Measure,
}

impl Workload {
    pub fn unit(&self) -> &'static str {
        match self.measure {
            Measure::PerOp(_) | Measure::Scenario(_) => "ns",
            Measure::Bytes(_) => "bytes",
        }
    }

    pub(crate) fn describe(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "peer": self.peer,
            "what": self.what,
            "unit": self.unit(),
            "kind": "workload",
        })
    }

    pub(crate) fn measure(&self) -> serde_json::Value {
        let rounds: Vec<f64> = match self.measure {
            Measure::PerOp(f) => {
                let n = calibrate(f);
                (0..ROUNDS)
                    .map(|_| f(n).as_nanos() as f64 / n as f64)
                    .collect()
            }
            Measure::Scenario(f) => {
                black_box(f());
                (0..ROUNDS).map(|_| f()).collect()
            }
            Measure::Bytes(f) => vec![f() as f64],
        };
        json!({
            "name": self.name,
            "unit": self.unit(),
            "value": median(&rounds),
            "rounds": rounds,
        })
    }
}

/// How many operations make a round of about [`ROUND`] (warming up on the way).
fn calibrate(f: fn(u64) -> Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let took = f(n);
        if took >= ROUND / 8 || n >= 1 << 40 {
            let per_op = took.as_secs_f64() / n as f64;
            return ((ROUND.as_secs_f64() / per_op.max(1e-12)) as u64).clamp(1, n * 16);
        }
        n *= 4;
    }
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Times `f`, for workloads that set up outside the timed part.
pub fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
