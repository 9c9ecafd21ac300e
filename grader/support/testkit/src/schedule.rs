//! Deadlines a script plans, set against a clock that a busy machine holds up.
//!
//! A script of timers expects them to run in the order of the offsets it plans from its
//! start. A relative deadline is read from the clock inside the call that sets it, so a
//! check thread held up between two calls pushes the later deadlines back: past the gap
//! between two planned offsets, a correct loop runs them in another order, and rightly.
//! A [`Plan`] keeps, for every deadline, the window of instants it can have been set in,
//! and tells whether all of them still fall in the planned order. When they may not, the
//! run proves nothing about the order, and a check runs it again (see [`crate::attempts`]).

use std::fmt::Write;
use std::time::{Duration, Instant};

/// The instants just before and just after one call that reads the clock.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub before: Instant,
    pub after: Instant,
}

/// Runs `call` and returns its result with the window it ran in.
pub fn timed<R>(call: impl FnOnce() -> R) -> (R, Window) {
    let before = Instant::now();
    let result = call();
    (
        result,
        Window {
            before,
            after: Instant::now(),
        },
    )
}

struct Deadline {
    name: String,
    planned: Duration,
    earliest: Instant,
    latest: Instant,
}

/// The deadlines of one run of a script, each with the offset the script planned for it.
pub struct Plan {
    start: Instant,
    deadlines: Vec<Deadline>,
}

impl Default for Plan {
    fn default() -> Self {
        Self::new()
    }
}

impl Plan {
    /// A plan whose offsets count from now.
    pub fn new() -> Plan {
        Plan {
            start: Instant::now(),
            deadlines: Vec::new(),
        }
    }

    /// The instant the planned offsets count from.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// A deadline planned `planned` after the start, set `delay` after a moment inside
    /// `window` (a relative timeout: the implementation reads its clock during the call).
    pub fn relative(&mut self, name: &str, planned: Duration, window: Window, delay: Duration) {
        self.deadlines.push(Deadline {
            name: name.to_owned(),
            planned,
            earliest: window.before + delay,
            latest: window.after + delay,
        });
    }

    /// A deadline set at the instant `planned` after the start, which no hold-up moves;
    /// returns that instant.
    pub fn exact(&mut self, name: &str, planned: Duration) -> Instant {
        let at = self.start + planned;
        self.deadlines.push(Deadline {
            name: name.to_owned(),
            planned,
            earliest: at,
            latest: at,
        });
        at
    }

    /// `None` when every two deadlines planned at different offsets fell in the planned
    /// order wherever they fell in their windows; otherwise which ones may not have, and
    /// by how much.
    ///
    /// Deadlines planned at the same offset are not compared: their order is the order
    /// they were set in, which no hold-up changes.
    pub fn disturbance(&self) -> Option<String> {
        let mut found = String::new();
        for a in &self.deadlines {
            for b in self.deadlines.iter().filter(|b| a.planned < b.planned) {
                if a.latest >= b.earliest {
                    let _ = write!(
                        found,
                        "{}{} (planned {} ms after {}) may have been due up to {:.1} ms before it",
                        if found.is_empty() { "" } else { "; " },
                        b.name,
                        (b.planned - a.planned).as_millis(),
                        a.name,
                        (a.latest - b.earliest).as_secs_f64() * 1e3,
                    );
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A window of `len` that opens `at` after the plan's start.
    fn window(plan: &Plan, at: Duration, len: Duration) -> Window {
        let before = plan.start() + at;
        Window {
            before,
            after: before + len,
        }
    }

    #[test]
    fn calls_close_together_keep_the_planned_order() {
        let mut plan = Plan::new();
        plan.relative("b", MS * 40, window(&plan, MS, MS), MS * 40);
        plan.relative("c", MS * 50, window(&plan, MS * 3, MS), MS * 50);
        plan.exact("t", MS * 60);
        plan.relative(
            "z",
            Duration::ZERO,
            window(&plan, MS * 5, MS),
            Duration::ZERO,
        );
        assert_eq!(plan.disturbance(), None);
    }

    #[test]
    fn a_call_held_up_past_the_gap_is_a_disturbance() {
        let mut plan = Plan::new();
        plan.relative("i", MS * 120, window(&plan, Duration::ZERO, MS), MS * 120);
        // Held up 12 ms before the call: its 110 ms may come after the other's 120 ms.
        plan.relative("x", MS * 110, window(&plan, MS * 12, MS), MS * 110);
        assert_eq!(
            plan.disturbance().as_deref(),
            Some("i (planned 10 ms after x) may have been due up to 3.0 ms before it")
        );
    }

    #[test]
    fn a_window_long_enough_to_cover_the_gap_is_a_disturbance() {
        let mut plan = Plan::new();
        plan.relative("b", MS * 40, window(&plan, Duration::ZERO, MS), MS * 40);
        // The call itself took 45 ms: wherever in it the clock was read, nothing is known.
        plan.relative(
            "z",
            Duration::ZERO,
            window(&plan, MS, MS * 45),
            Duration::ZERO,
        );
        assert!(
            plan.disturbance()
                .is_some_and(|d| d.starts_with("b (planned 40 ms after z)"))
        );
    }

    #[test]
    fn an_exact_deadline_is_compared_with_a_late_relative_one() {
        let mut plan = Plan::new();
        plan.relative("a", MS * 120, window(&plan, MS * 90, MS), MS * 120);
        plan.exact("t", MS * 200);
        assert!(plan.disturbance().is_some());
    }

    #[test]
    fn the_same_planned_offset_is_never_compared() {
        let mut plan = Plan::new();
        plan.relative("c", MS * 80, window(&plan, Duration::ZERO, MS), MS * 80);
        plan.relative("c0", MS * 80, window(&plan, MS * 200, MS), Duration::ZERO);
        assert_eq!(plan.disturbance(), None);
    }

    #[test]
    fn a_real_hold_up_between_two_calls_is_seen() {
        let mut plan = Plan::new();
        let ((), first) = timed(|| ());
        plan.relative("late", MS * 20, first, MS * 20);
        // What a descheduled check thread does between two calls, at the least.
        std::thread::sleep(MS * 30);
        let ((), second) = timed(|| ());
        plan.relative("early", MS * 10, second, MS * 10);
        assert!(plan.disturbance().is_some());
    }
}
