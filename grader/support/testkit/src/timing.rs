//! Timing checks as a comparison of two hypotheses measured in the same run.
//!
//! A check never compares a duration with a fixed number: machines differ and load
//! varies. Instead it states what the work would take if it ran concurrently and what it
//! would take if it ran one piece after another, both derived from measurements taken in
//! the same process, and passes when the measurement is below their midpoint.

use std::time::{Duration, Instant};

/// Runs `f` and returns its result with the wall time it took.
pub fn time<R>(f: impl FnOnce() -> R) -> (R, Duration) {
    let started = Instant::now();
    let result = f();
    (result, started.elapsed())
}

/// The two expectations a timing check decides between.
#[derive(Debug, Clone, Copy)]
pub struct Hypotheses {
    /// What the work takes when its parts overlap (about the longest part).
    pub concurrent: Duration,
    /// What the work takes when its parts run one after another (the sum of the parts).
    pub sequential: Duration,
}

impl Hypotheses {
    /// Hypotheses for parts that each take the given (measured) durations.
    pub fn for_parts(parts: &[Duration]) -> Self {
        Hypotheses {
            concurrent: parts.iter().copied().max().unwrap_or_default(),
            sequential: parts.iter().sum(),
        }
    }

    /// Hypotheses for `count` parts that each take `part`.
    pub fn for_equal_parts(count: u32, part: Duration) -> Self {
        Hypotheses {
            concurrent: part,
            sequential: part * count,
        }
    }

    /// The pass bound: halfway between the two hypotheses.
    pub fn bound(&self) -> Duration {
        (self.concurrent + self.sequential) / 2
    }

    /// Panics with the explanation of [`Hypotheses::judge`] unless `measured` is below
    /// the bound.
    #[track_caller]
    pub fn assert(&self, what: &str, measured: Duration) {
        if let Err(explanation) = self.judge(what, measured) {
            panic!("{explanation}");
        }
    }

    /// `Ok` when `measured` is below the bound; otherwise an explanation in words.
    pub fn judge(&self, what: &str, measured: Duration) -> Result<(), String> {
        if measured < self.bound() {
            return Ok(());
        }
        let diagnosis = if measured >= self.sequential.mul_f64(0.9) {
            "the work seems to run one part after another"
        } else {
            "the parts overlap only partly"
        };
        Err(format!(
            "{what} took {} — concurrent code takes about {}, sequential about {} \
             (pass below {}): {diagnosis}",
            secs(measured),
            secs(self.concurrent),
            secs(self.sequential),
            secs(self.bound()),
        ))
    }
}

/// A duration in seconds with two decimals, the unit every explanation uses.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn midpoint_separates_the_hypotheses() {
        let h = Hypotheses::for_parts(&[MS * 100, MS * 200, MS * 300]);
        assert_eq!(h.concurrent, MS * 300);
        assert_eq!(h.sequential, MS * 600);
        assert_eq!(h.bound(), MS * 450);
        assert!(h.judge("x", MS * 449).is_ok());
        assert!(h.judge("x", MS * 450).is_err());
    }

    #[test]
    fn explanation_names_both_hypotheses_and_a_cause() {
        let h = Hypotheses::for_equal_parts(3, MS * 500);
        let sequential = h.judge("three waits", MS * 1430).unwrap_err();
        assert_eq!(
            sequential,
            "three waits took 1.43 s — concurrent code takes about 0.50 s, sequential about \
             1.50 s (pass below 1.00 s): the work seems to run one part after another"
        );
        let partial = h.judge("three waits", MS * 1100).unwrap_err();
        assert!(
            partial.ends_with("the parts overlap only partly"),
            "{partial}"
        );
    }
}
