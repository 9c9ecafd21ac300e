//! Scenarios a busy machine can disturb: run again, never judged on a disturbed run.
//!
//! A scenario measures what its expected outcome relies on (see [`crate::schedule`]) and
//! returns `Err` with the reason when the machine broke that: such a run says nothing
//! about the code under test, right or wrong. A check judges the first undisturbed run;
//! when every attempt was disturbed it cannot measure, and says so as `skipped`.

/// How many runs a check tries before it gives up on measuring.
pub const ATTEMPTS: usize = 5;

/// Runs `scenario` up to `attempts` times and returns the outcome of the first undisturbed
/// run, or the reason each run was disturbed.
pub fn first_undisturbed<T>(
    attempts: usize,
    mut scenario: impl FnMut() -> Result<T, String>,
) -> Result<T, Vec<String>> {
    let mut reasons = Vec::new();
    for _ in 0..attempts {
        match scenario() {
            Ok(outcome) => return Ok(outcome),
            Err(reason) => reasons.push(reason),
        }
    }
    Err(reasons)
}

/// For a check: the outcome of the first undisturbed of [`ATTEMPTS`] runs of `scenario`.
/// When there is none, records the check as skipped, with what `what` relies on and why
/// each run was disturbed, and returns `None`: the check returns then.
pub fn undisturbed_or_skip<T>(
    what: &str,
    scenario: impl FnMut() -> Result<T, String>,
) -> Option<T> {
    match first_undisturbed(ATTEMPTS, scenario) {
        Ok(outcome) => Some(outcome),
        Err(reasons) => {
            crate::record::skip_on_this_machine(&format!(
                "held this check up in all {ATTEMPTS} runs, so {what} cannot be judged: {}",
                reasons.join(" | ")
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_disturbed_run_is_run_again_and_the_next_one_judged() {
        let runs = Cell::new(0);
        let outcome = first_undisturbed(5, || {
            runs.set(runs.get() + 1);
            if runs.get() < 3 {
                Err(format!("run {} held up", runs.get()))
            } else {
                Ok("judged")
            }
        });
        assert_eq!(outcome, Ok("judged"));
        assert_eq!(runs.get(), 3);
    }

    #[test]
    fn an_undisturbed_run_is_judged_at_once_whatever_it_found() {
        let runs = Cell::new(0);
        let outcome: Result<Result<(), &str>, _> = first_undisturbed(5, || {
            runs.set(runs.get() + 1);
            Ok(Err("wrong order"))
        });
        assert_eq!(outcome, Ok(Err("wrong order")));
        assert_eq!(
            runs.get(),
            1,
            "a wrong outcome of an undisturbed run must not be retried"
        );
    }

    #[test]
    fn every_run_disturbed_gives_every_reason() {
        let runs = Cell::new(0);
        let outcome: Result<(), _> = first_undisturbed(4, || {
            runs.set(runs.get() + 1);
            Err(format!("run {}", runs.get()))
        });
        assert_eq!(
            outcome,
            Err(vec![
                "run 1".into(),
                "run 2".into(),
                "run 3".into(),
                "run 4".into()
            ])
        );
    }
}
