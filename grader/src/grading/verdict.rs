//! Turning how a check process ended into a verdict a learner can act on.

use super::fences::TASKS_PER_CHECK;
use super::panics::{Intent, Panic, is_mark, panics};
use super::snapshot;
use super::stuck::Stuck;
use crate::report::Status;
use crate::sandbox::{Ending, Run, signal_name};

#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    /// One or a few lines: what went wrong, in words.
    pub message: String,
    /// Longer evidence: a snapshot diff, the check's output.
    pub details: String,
    /// Where the check failed, when that is in the check's own source.
    pub location: Option<String>,
    /// The panic in the learner's code behind the failure, if there was one: checks
    /// failing from a panic at the same place share one cause.
    pub origin: Option<Origin>,
    /// The cause the check named for its failure, when it could tell (a cause the
    /// exercise declares in `course.toml`).
    pub cause: Option<String>,
    /// Where the check's threads were in the learner's code, when the grader took their
    /// stacks (before killing it for time, or when the check asked).
    pub stuck: Option<Stuck>,
}

/// A panic raised in the learner's code.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// `file:line:column`.
    pub place: String,
    pub message: String,
}

impl Verdict {
    /// A verdict reached without running the check (it could not be built or started).
    pub fn without_run(status: Status, message: impl Into<String>) -> Verdict {
        Verdict {
            status,
            message: message.into(),
            details: String::new(),
            location: None,
            origin: None,
            cause: None,
            stuck: None,
        }
    }

    /// Adds where the check was stuck to the verdict and its message; never to a pass,
    /// whose stacks (taken when a check asks) explain nothing.
    pub fn with_stuck(mut self, stuck: Option<Stuck>) -> Verdict {
        if self.status == Status::Pass {
            return self;
        }
        if let Some(stuck) = &stuck {
            self.message = format!("{}{STUCK}{}", self.message, stuck.text);
        }
        self.stuck = stuck;
        self
    }
}

/// What follows a message to say where the check was stuck.
pub const STUCK: &str = "\nwhere it was stuck: ";

/// The panic message `todo!()` produces.
const TODO_PANIC: &str = "not yet implemented";
const TODO_MESSAGE: &str = "not started yet: this step's code still has todo!()";

fn is_todo(panic: &Panic) -> bool {
    panic.message == TODO_PANIC || panic.message.starts_with("not yet implemented: ")
}

/// What a crash with `signal` usually means, unless the exercise knows better.
fn default_crash_hint(signal: &str) -> &'static str {
    match signal {
        "SIGSEGV" => {
            "an invalid memory access: a null or dangling pointer (memory used after it was freed, or a value dropped twice), a bad stack pointer, or a stack overflow"
        }
        "SIGBUS" => {
            "a bus error: memory that is mapped but not backed, such as a file mapping beyond its end"
        }
        "SIGABRT" => {
            "the process aborted: a panic while panicking, a panic in a destructor during unwinding, a stack overflow, or std::process::abort"
        }
        "SIGILL" => {
            "an illegal instruction: often a jump to a bad address, or a ud2 trap the compiler placed on a path it believed unreachable"
        }
        "SIGFPE" => {
            "an arithmetic trap, such as an integer division by zero in unsafe or foreign code"
        }
        "SIGKILL" => "killed from outside: usually a resource limit",
        "SIGXFSZ" => "it wrote a file larger than the grader allows",
        _ => "the process was killed by a signal",
    }
}

/// Classifies a finished run of the check `test_name`.
pub fn classify(run: &Run, test_name: &str, crash_hint: Option<&str>) -> Verdict {
    let panics = panics(&run.output);
    // The check's own thread panics last with what ended it; earlier panics on it were
    // caught. A panic the check meant (a job it makes fail, a misuse it asks for) is part
    // of the scenario, never what failed the check.
    let last_of_check = panics.iter().rfind(|p| p.thread == test_name);
    let main = match last_of_check {
        Some(p) if p.meant() => None,
        Some(p) => Some(p),
        None => panics.iter().rfind(|p| !p.meant()),
    };
    // A panic the check raised that ended it all the same: the code under test let it
    // escape, to the check's thread or passed on through a join.
    let escaped = match (last_of_check, main) {
        (Some(p), None) if p.intent == Intent::Raised => Some(p),
        (_, Some(p)) => origin_of_rethrown(&panics, p).filter(|o| o.intent == Intent::Raised),
        _ => None,
    };
    // The main panic's message becomes the verdict's message; the rest is evidence.
    let shown = main.or(escaped).map(|p| p.lines.clone()).unwrap_or(0..0);
    let details = trim_output(&run.output, test_name, shown, &panics);
    let location = main
        .map(|p| p.location.clone())
        .filter(|l| l.starts_with(&format!("{}/", crate::course::CHECKS)));
    // The panic that ended the check, or the one it passed on; else one the learner's
    // code raised and something caught (a callback's panic turned into an error): a
    // panic there is never a check's doing.
    let in_exercises = |p: &&Panic| {
        p.location
            .starts_with(&format!("{}/", crate::course::EXERCISES))
    };
    let origin = main
        .map(|p| origin_of_rethrown(&panics, p).unwrap_or(p))
        .filter(in_exercises)
        .or_else(|| panics.iter().filter(in_exercises).find(|p| !p.meant()))
        .map(|p| Origin {
            place: p.location.clone(),
            message: p.message.clone(),
        });
    let verdict = |status, message: String| Verdict {
        status,
        message,
        details: details.clone(),
        location: location.clone(),
        origin: origin.clone(),
        cause: None,
        stuck: None,
    };
    match run.ending {
        Ending::TimedOut => {
            return verdict(
                Status::Timeout,
                format!(
                    "did not finish within {:.0} s: probably an infinite loop, a deadlock, or a \
                     wait that nothing ever ends",
                    run.elapsed.as_secs_f64()
                ),
            );
        }
        Ending::TooMuchOutput => {
            return verdict(
                Status::Fail,
                "printed so much output that the check was stopped (is something printing in a loop?)".into(),
            );
        }
        Ending::Signaled(signal) => {
            let name = signal_name(signal);
            // A todo!() reached where a panic cannot unwind (an `extern "C"` function)
            // aborts the process; it is still unwritten code, not a crash.
            if panics.iter().any(is_todo) {
                return verdict(Status::Todo, TODO_MESSAGE.into());
            }
            if signal == libc::SIGXCPU {
                return verdict(
                    Status::Timeout,
                    "used up its CPU-time limit: something is spinning, probably forever".into(),
                );
            }
            if let (libc::SIGKILL, Some(limit)) = (signal, run.out_of_memory) {
                return verdict(
                    Status::Crash,
                    format!(
                        "ran out of memory: a check may use at most {} MiB; is something \
                         growing without end, such as a queue nothing drains or a buffer \
                         that is never cleared?",
                        limit >> 20
                    ),
                );
            }
            let overflow = is_stack_overflow(&run.output);
            let cause = crash_hint.unwrap_or_else(|| default_crash_hint(&crash_signal(run)));
            let message = match runtime_diagnosis(&run.output) {
                // Rust's handler only sees a fault in a guard page it knows of; the
                // exercise's own causes still apply (a stack pointer set up wrongly).
                Some(_) if overflow => format!(
                    "crashed with {name}: Rust's runtime reported a stack overflow, a memory \
                     access just below a thread's stack (deep or endless recursion, a stack \
                     that is too small, or a stack pointer outside the stack it belongs to). {}",
                    capitalized(cause)
                ),
                Some(said) => format!(
                    "crashed with {name}: Rust's runtime reported \"{said}\". {}",
                    capitalized(cause)
                ),
                None => format!("crashed with {name}: {cause}"),
            };
            return verdict(Status::Crash, message);
        }
        Ending::Exited(_) => {}
    }
    let code = match run.ending {
        Ending::Exited(code) => code,
        _ => unreachable!("other endings returned above"),
    };
    if let Some(record) = &run.record {
        let expected_pass = format!("pass {test_name}");
        let skip_prefix = format!("skip {test_name} ");
        if record == &expected_pass && code == 0 {
            return verdict(Status::Pass, String::new());
        }
        if let Some(reason) = record.strip_prefix(&skip_prefix) {
            return verdict(Status::Skipped, reason.to_owned());
        }
        if record == &expected_pass {
            let after = match panics.iter().rfind(|p| !p.meant()) {
                Some(p) => format!(
                    ": a panic in thread '{}' at {}: {}",
                    p.thread, p.location, p.message
                ),
                None => " without a panic message: does code still running after the check \
                          (a thread, a destructor at exit) call std::process::exit?"
                    .to_owned(),
            };
            return verdict(
                Status::Fail,
                format!(
                    "the check finished, but then the process exited with status {code}{after}"
                ),
            );
        }
    }
    if panics.iter().any(is_todo) {
        return verdict(Status::Todo, TODO_MESSAGE.into());
    }
    if code == 0 {
        return verdict(
            Status::Fail,
            "the process exited with status 0 before the check finished: does the code under \
             test call std::process::exit?"
                .into(),
        );
    }
    // Out of threads anywhere explains the failure, whichever panic ended the check.
    let out_of_tasks = panics.iter().find(|p| is_out_of_tasks(&p.message));
    let message = match (main, out_of_tasks) {
        (_, Some(p)) => format!(
            "ran out of threads: a check may have at most {} processes and threads; does the \
             code start a thread per task, per timer or per request? ({})",
            TASKS_PER_CHECK, p.message
        ),
        (_, None) if escaped.is_some() => escaped.map(escaped_message).unwrap_or_default(),
        (Some(p), None) if p.message.starts_with("snapshot assertion for") => {
            SNAPSHOT_DIFFERS.to_owned()
        }
        (Some(p), None) => match origin_of_rethrown(&panics, p) {
            Some(origin) => format!(
                "{}\n(a panic in thread '{}' at {}, which the check then found)",
                origin.message, origin.thread, origin.location
            ),
            // The checks write `assert_eq!(got, expected)` (a test of the course keeps
            // them to it), so their own assertions can say which side is which.
            None if location.is_some() => got_and_expected(&p.message),
            None => p.message.clone(),
        },
        (None, None) => format!(
            "the process exited with status {code} before the check finished, and printed no \
             panic message: does the code under test call std::process::exit, or replace the \
             panic hook (std::panic::set_hook) so that panics print nothing?"
        ),
    };
    // Only a check names causes; words of the learner's own panic never do.
    let (cause, message) = match location {
        Some(_) => named_cause(&message),
        None => (None, message.as_str()),
    };
    Verdict {
        cause,
        ..verdict(Status::Fail, message.to_owned())
    }
}

/// The message of every snapshot that differs: the diff is the evidence.
pub const SNAPSHOT_DIFFERS: &str = "the result differs from the expected snapshot (see the diff)";

/// An `assert_eq!`/`assert_ne!` message of a check, in words that say which value is the
/// one found: the standard library's `left`/`right` do not.
fn got_and_expected(message: &str) -> String {
    const NAMES: [(&str, &str, &str); 2] = [
        (
            "assertion `left == right` failed",
            "     got: ",
            "expected: ",
        ),
        (
            "assertion `left != right` failed",
            "     got: ",
            "  unlike: ",
        ),
    ];
    let Some((rest, got, expected)) = NAMES
        .iter()
        .find_map(|(head, got, expected)| Some((message.strip_prefix(head)?, got, expected)))
    else {
        return message.to_owned();
    };
    let mut lines = Vec::new();
    for line in rest.lines() {
        if let Some(value) = line.strip_prefix("  left: ") {
            lines.push(format!("{got}{value}"));
        } else if let Some(value) = line.strip_prefix(" right: ") {
            lines.push(format!("{expected}{value}"));
        } else {
            lines.push(line.to_owned());
        }
    }
    let text = lines.join("\n");
    match text.strip_prefix(": ") {
        Some(said) if !said.starts_with('\n') => said.to_owned(),
        Some(said) => format!("the values differ{said}"),
        None => format!("the values differ{text}"),
    }
}

/// What a check's failure message starts with to name its cause (`testkit::cause`).
const CAUSE_PREFIX: &str = "[cause: ";

/// The cause `message` names, and the message without it.
fn named_cause(message: &str) -> (Option<String>, &str) {
    message
        .strip_prefix(CAUSE_PREFIX)
        .and_then(|rest| rest.split_once("] "))
        .map_or((None, message), |(cause, rest)| {
            (Some(cause.to_owned()), rest)
        })
}

/// What to say of a panic the check raised on purpose that the code under test let escape.
fn escaped_message(panic: &Panic) -> String {
    format!(
        "a panic the check raised on purpose escaped from the code under test and ended the \
         check: \"{}\" (in thread '{}' at {}). The code under test must catch it \
         (std::panic::catch_unwind) and handle it as documented",
        panic.message, panic.thread, panic.location
    )
}

/// The panic a check's own panic only passes on: `join().unwrap()` of a thread that
/// panicked shows the payload as `Any { .. }`, which says nothing; the thread's own panic,
/// printed before it, says what went wrong.
fn origin_of_rethrown<'a>(panics: &'a [Panic], main: &Panic) -> Option<&'a Panic> {
    if !main.message.ends_with("Any { .. }") {
        return None;
    }
    panics
        .iter()
        .rfind(|p| p.thread != main.thread && p.lines.start < main.lines.start)
}

/// The signal whose crash hint explains `run`: Rust's runtime turns a fault in a guard
/// page into an abort, yet what happened first was an invalid memory access.
pub(super) fn crash_signal(run: &Run) -> String {
    match run.ending {
        Ending::Signaled(_) if is_stack_overflow(&run.output) => "SIGSEGV".to_owned(),
        Ending::Signaled(signal) => signal_name(signal),
        _ => String::new(),
    }
}

/// Rust's runtime found a fault in a thread's guard page and aborted.
fn is_stack_overflow(output: &str) -> bool {
    output.contains("has overflowed its stack")
}

/// What Rust's runtime said before it aborted (`fatal runtime error: …`), wherever in the
/// output it is: libtest may have printed `test NAME ... ` on the same line.
fn runtime_diagnosis(output: &str) -> Option<&str> {
    const MARK: &str = "fatal runtime error: ";
    output.lines().find_map(|line| {
        let said = line[line.find(MARK)? + MARK.len()..].trim();
        Some(said.trim_end_matches(", aborting"))
    })
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A panic of `thread::spawn` (or of code reporting `fork`'s error) at the task limit.
fn is_out_of_tasks(message: &str) -> bool {
    message.starts_with("failed to spawn thread")
        && (message.contains("WouldBlock") || message.contains("os error 11"))
}

/// The check's output without the test harness's own bookkeeping and without the lines
/// in `shown` (the panic already given as the message); a panic the check meant says so.
fn trim_output(
    output: &str,
    test_name: &str,
    shown: std::ops::Range<usize>,
    panics: &[Panic],
) -> String {
    let announce = format!("test {test_name} ...");
    let noise = |l: &str| {
        let t = l.trim();
        t == "running 1 test"
            || t == "failures:"
            || t == "FAILED"
            || t == "ok"
            || t == test_name
            || t.starts_with("test result:")
            || t.starts_with("note: run with `RUST_BACKTRACE")
            || is_mark(t)
    };
    // What the check printed right after libtest's `test NAME ... ` shares its line.
    fn unannounced<'a>(line: &'a str, announce: &str) -> Option<&'a str> {
        match line.trim_start().strip_prefix(announce) {
            Some(rest) => Some(rest.trim()).filter(|rest| !rest.is_empty()),
            None => Some(line),
        }
    }
    let said_of = |i: usize| {
        panics
            .iter()
            .find(|p| p.lines.start == i)
            .and_then(|p| match p.intent {
                Intent::Unmeant => None,
                Intent::Raised => Some(" [raised on purpose by the check]"),
                Intent::Expected => Some(" [the check expected this panic]"),
            })
    };
    let kept: Vec<String> = output
        .lines()
        .enumerate()
        .filter(|(i, _)| !shown.contains(i))
        .filter_map(|(i, l)| Some((i, unannounced(l, &announce)?)))
        .filter(|(_, l)| !noise(l))
        .map(|(i, l)| match said_of(i) {
            Some(said) => format!("{l}{said}"),
            None => l.to_owned(),
        })
        .collect();
    snapshot::in_course_words(kept.iter().map(String::as_str))
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::panics::{ON_PURPOSE, PROVOKED};
    use super::*;
    use std::time::Duration;

    fn run(ending: Ending, output: &str, record: Option<&str>) -> Run {
        Run {
            ending,
            output: output.into(),
            record: record.map(str::to_owned),
            elapsed: Duration::from_millis(10),
            out_of_memory: None,
            stacks: None,
        }
    }

    const TODO_OUTPUT: &str = "running 1 test\n\nthread 'pool::x' (77) panicked at exercises/01-threads/src/pool.rs:9:9:\nnot yet implemented\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\ntest pool::x ... FAILED\n";

    #[test]
    fn a_record_with_status_zero_is_a_pass() {
        let v = classify(
            &run(Ending::Exited(0), "", Some("pass pool::x")),
            "pool::x",
            None,
        );
        assert_eq!(v.status, Status::Pass);
    }

    #[test]
    fn status_zero_without_a_record_is_not_a_pass() {
        let fake = "test pool::x ... ok\ntest result: ok. 1 passed";
        let v = classify(&run(Ending::Exited(0), fake, None), "pool::x", None);
        assert_eq!(v.status, Status::Fail);
        assert!(v.message.contains("process::exit"), "{}", v.message);
        let other = classify(
            &run(Ending::Exited(0), "", Some("pass pool::y")),
            "pool::x",
            None,
        );
        assert_eq!(other.status, Status::Fail);
    }

    #[test]
    fn todo_panics_are_todo_even_in_other_threads() {
        let v = classify(
            &run(Ending::Exited(101), TODO_OUTPUT, None),
            "pool::x",
            None,
        );
        assert_eq!(v.status, Status::Todo);
        let elsewhere = TODO_OUTPUT.replace("'pool::x'", "'pool-worker-0'");
        let v = classify(&run(Ending::Exited(101), &elsewhere, None), "pool::x", None);
        assert_eq!(v.status, Status::Todo);
    }

    #[test]
    fn a_todo_that_aborts_is_still_todo() {
        let aborted = format!("{TODO_OUTPUT}\npanic in a function that cannot unwind\n");
        let v = classify(
            &run(Ending::Signaled(libc::SIGABRT), &aborted, None),
            "pool::x",
            None,
        );
        assert_eq!(v.status, Status::Todo);
    }

    #[test]
    fn the_check_threads_panic_is_the_message() {
        let output = "thread 'worker' (1) panicked at a.rs:1:1:\njob failed\nthread 'pool::x' (2) panicked at b.rs:2:2:\nassertion `left == right` failed: 3 jobs ran\n  left: 3\n right: 10\nnote: run with `RUST_BACKTRACE=1`\n";
        let v = classify(&run(Ending::Exited(101), output, None), "pool::x", None);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(
            v.message,
            "assertion `left == right` failed: 3 jobs ran\n  left: 3\n right: 10"
        );
        // The other thread's panic stays as evidence; the message is not repeated.
        assert!(v.details.contains("job failed"), "{}", v.details);
        assert!(!v.details.contains("3 jobs ran"), "{}", v.details);
        assert_eq!(v.location, None, "b.rs is not a check's source");
        let in_check = output.replace("b.rs:2:2", "grader/checks/01-x/tests/checks/s.rs:2:2");
        let v = classify(&run(Ending::Exited(101), &in_check, None), "pool::x", None);
        assert_eq!(
            v.location.as_deref(),
            Some("grader/checks/01-x/tests/checks/s.rs:2:2")
        );
        // A check's own assertion says which value it found.
        assert_eq!(v.message, "3 jobs ran\n     got: 3\nexpected: 10");
    }

    #[test]
    fn an_exit_status_without_a_pass_says_what_there_is_to_say() {
        let late =
            "thread 'helper' (3) panicked at exercises/01-x/src/pool.rs:5:5:\nlate failure\n";
        let v = classify(
            &run(Ending::Exited(101), late, Some("pass a::b")),
            "a::b",
            None,
        );
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.message.ends_with(
                "exited with status 101: a panic in thread 'helper' at \
                 exercises/01-x/src/pool.rs:5:5: late failure"
            ),
            "{}",
            v.message
        );
        let v = classify(
            &run(Ending::Exited(101), "", Some("pass a::b")),
            "a::b",
            None,
        );
        assert!(v.message.contains("std::process::exit"), "{}", v.message);
        let v = classify(&run(Ending::Exited(101), "", None), "a::b", None);
        assert!(
            v.message.contains("printed no panic message") && v.message.contains("set_hook"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_panic_the_check_provoked_is_not_an_origin() {
        let output = format!(
            "thread 'a::b' (4) panicked at exercises/06-x/src/lib.rs:7:9:\n\
             spawn outside a runtime\n\
             {PROVOKED} 'a::b'\n\
             thread 'a::b' (4) panicked at grader/checks/06-x/tests/checks/a.rs:9:5:\n\
             the second misuse did not panic\n"
        );
        let v = classify(&run(Ending::Exited(101), &output, None), "a::b", None);
        assert_eq!(v.origin, None, "{v:?}");
        let unmarked = output.replace(PROVOKED, "something else");
        let v = classify(&run(Ending::Exited(101), &unmarked, None), "a::b", None);
        assert_eq!(
            v.origin.map(|o| o.place).as_deref(),
            Some("exercises/06-x/src/lib.rs:7:9")
        );
    }

    /// A scenario of 02-callbacks: a job and a callback fail on purpose, the loop turns
    /// both into errors, and the check's own assertion fails.
    fn on_purpose_then(last: &str) -> String {
        format!(
            "running 1 test\n\
             test a::b ... {ON_PURPOSE} 'loop-worker-0' (8)\n\
             thread 'loop-worker-0' (8) panicked at grader/checks/02-x/tests/checks/a.rs:3:39:\n\
             the disk is on fire\n\
             {ON_PURPOSE} 'a::b' (7)\n\
             thread 'a::b' (7) panicked at grader/checks/02-x/tests/checks/a.rs:5:35:\n\
             a callback gave up\n\
             {last}"
        )
    }

    #[test]
    fn a_panic_the_check_raised_on_purpose_is_never_the_headline() {
        let assertion = "thread 'a::b' (7) panicked at grader/checks/02-x/tests/checks/a.rs:9:9:\n\
                         after a callback panicked, the loop ran a later timer\n\
                         note: run with `RUST_BACKTRACE=1` environment variable\n\
                         test a::b ... FAILED\n";
        let v = classify(
            &run(Ending::Exited(101), &on_purpose_then(assertion), None),
            "a::b",
            None,
        );
        assert_eq!(v.status, Status::Fail);
        assert_eq!(
            v.message,
            "after a callback panicked, the loop ran a later timer"
        );
        assert_eq!(
            v.location.as_deref(),
            Some("grader/checks/02-x/tests/checks/a.rs:9:9")
        );
        // The evidence says which panics were meant, without the marks themselves.
        assert!(!v.details.contains(ON_PURPOSE), "{}", v.details);
        assert!(
            v.details
                .contains("a.rs:5:35: [raised on purpose by the check]\na callback gave up"),
            "{}",
            v.details
        );
        // Without the marks, the same output is what it used to be: the last panic of the
        // check's thread.
        let unmarked = on_purpose_then("").replace(ON_PURPOSE, "something printed");
        let v = classify(&run(Ending::Exited(101), &unmarked, None), "a::b", None);
        assert_eq!(v.message, "a callback gave up");
    }

    #[test]
    fn a_raised_panic_that_escaped_says_so_and_points_at_no_assertion() {
        let v = classify(
            &run(
                Ending::Exited(101),
                &on_purpose_then("test a::b ... FAILED\n"),
                None,
            ),
            "a::b",
            None,
        );
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.message.starts_with(
                "a panic the check raised on purpose escaped from the code under test and \
                 ended the check: \"a callback gave up\" (in thread 'a::b' at \
                 grader/checks/02-x/tests/checks/a.rs:5:35)"
            ),
            "{}",
            v.message
        );
        assert_eq!(v.location, None, "the raised panic is no assertion");
        // Passed on through a join, it is told the same way, at the check's join.
        let joined = "thread 'a::b' (7) panicked at grader/checks/02-x/tests/checks/a.rs:9:9:\n\
                      called `Result::unwrap()` on an `Err` value: Any { .. }\n";
        let output =
            on_purpose_then("").replace(&format!("{ON_PURPOSE} 'a::b' (7)\n"), "") + joined;
        let v = classify(&run(Ending::Exited(101), &output, None), "a::b", None);
        assert!(
            v.message.contains("escaped from the code under test")
                && v.message.contains("the disk is on fire"),
            "{}",
            v.message
        );
        assert_eq!(
            v.location.as_deref(),
            Some("grader/checks/02-x/tests/checks/a.rs:9:9")
        );
    }

    #[test]
    fn a_timeout_never_points_at_a_panic_raised_on_purpose() {
        let v = classify(
            &run(Ending::TimedOut, &on_purpose_then(""), None),
            "a::b",
            None,
        );
        assert_eq!(v.status, Status::Timeout);
        assert_eq!(v.location, None);
        let unmarked = on_purpose_then("").replace(ON_PURPOSE, "something printed");
        let v = classify(&run(Ending::TimedOut, &unmarked, None), "a::b", None);
        assert_eq!(
            v.location.as_deref(),
            Some("grader/checks/02-x/tests/checks/a.rs:5:35")
        );
    }

    #[test]
    fn a_checks_assertions_say_got_and_expected() {
        for (said, shown) in [
            (
                "assertion `left == right` failed\n  left: [1, 2]\n right: [2, 1]",
                "the values differ\n     got: [1, 2]\nexpected: [2, 1]",
            ),
            (
                "assertion `left != right` failed: ids must differ\n  left: 4\n right: 4",
                "ids must differ\n     got: 4\n  unlike: 4",
            ),
            (
                "assertion `left == right` failed: two\nlines\n  left: 1\n right: 2",
                "two\nlines\n     got: 1\nexpected: 2",
            ),
            ("assertion failed: x > 1", "assertion failed: x > 1"),
            (
                "assertion `left == right` failed: \n  left: 1\n right: 2",
                "the values differ\n     got: 1\nexpected: 2",
            ),
            ("plain words", "plain words"),
        ] {
            assert_eq!(got_and_expected(said), shown);
        }
    }

    #[test]
    fn a_cause_the_check_names_is_kept_apart_from_its_message() {
        let output = "thread 'poll::x' (2) panicked at grader/checks/03-x/tests/checks/poll.rs:9:9:\n[cause: wrong-token] the event came as Token(0)\n";
        let v = classify(&run(Ending::Exited(101), output, None), "poll::x", None);
        assert_eq!(v.cause.as_deref(), Some("wrong-token"));
        assert_eq!(v.message, "the event came as Token(0)");
        // The learner's own panic cannot name a cause.
        let theirs = output.replace("grader/checks/03-x/tests/checks", "exercises/03-x/src");
        let v = classify(&run(Ending::Exited(101), &theirs, None), "poll::x", None);
        assert_eq!(v.cause, None);
        let plain = output.replace("[cause: wrong-token] ", "");
        let v = classify(&run(Ending::Exited(101), &plain, None), "poll::x", None);
        assert_eq!(v.cause, None);
        assert_eq!(v.message, "the event came as Token(0)");
    }

    #[test]
    fn the_last_panic_of_the_check_thread_is_the_message() {
        let output = "thread 'pool::x' (2) panicked at a.rs:1:1:\nprovoked and caught\nthread 'pool::x' (2) panicked at grader/checks/01-x/tests/checks/s.rs:9:9:\nthe assertion\n";
        let v = classify(&run(Ending::Exited(101), output, None), "pool::x", None);
        assert_eq!(v.message, "the assertion");
        assert_eq!(
            v.location.as_deref(),
            Some("grader/checks/01-x/tests/checks/s.rs:9:9")
        );
        assert!(v.details.contains("provoked and caught"), "{}", v.details);
    }

    #[test]
    fn signals_timeouts_and_floods() {
        let segv = classify(&run(Ending::Signaled(libc::SIGSEGV), "", None), "x", None);
        assert_eq!(segv.status, Status::Crash);
        assert!(
            segv.message
                .starts_with("crashed with SIGSEGV: an invalid memory access")
        );
        let hinted = classify(
            &run(Ending::Signaled(libc::SIGSEGV), "", None),
            "x",
            Some("check the stack"),
        );
        assert_eq!(hinted.message, "crashed with SIGSEGV: check the stack");
        let overflow =
            "\nthread 'x' has overflowed its stack\nfatal runtime error: stack overflow\n";
        let v = classify(
            &run(Ending::Signaled(libc::SIGABRT), overflow, None),
            "x",
            None,
        );
        assert!(
            v.message
                .starts_with("crashed with SIGABRT: Rust's runtime reported a stack overflow"),
            "{}",
            v.message
        );
        assert!(
            v.message.contains("a null or dangling pointer"),
            "{}",
            v.message
        );
        let cpu = classify(&run(Ending::Signaled(libc::SIGXCPU), "", None), "x", None);
        assert_eq!(cpu.status, Status::Timeout);
        assert_eq!(
            classify(&run(Ending::TimedOut, "", None), "x", None).status,
            Status::Timeout
        );
        assert_eq!(
            classify(&run(Ending::TooMuchOutput, "", None), "x", None).status,
            Status::Fail
        );
    }

    #[test]
    fn what_rusts_runtime_said_is_kept_even_on_libtests_line() {
        let output = "running 1 test\ntest a::b ... fatal runtime error: IO Safety violation: \
                      owned file descriptor already closed, aborting\n";
        let v = classify(
            &run(Ending::Signaled(libc::SIGABRT), output, None),
            "a::b",
            Some("an abort: look above"),
        );
        assert_eq!(
            v.message,
            "crashed with SIGABRT: Rust's runtime reported \"IO Safety violation: owned file \
             descriptor already closed\". An abort: look above"
        );
        assert_eq!(
            v.details,
            "fatal runtime error: IO Safety violation: owned file descriptor already closed, \
             aborting"
        );
        let quiet = "running 1 test\ntest a::b ... \ntest a::b ... FAILED\n";
        let v = classify(&run(Ending::Exited(101), quiet, None), "a::b", None);
        assert_eq!(v.details, "");
    }

    #[test]
    fn a_panic_passed_on_as_any_is_told_by_the_thread_that_panicked() {
        let output = "thread 'worker' (5) panicked at exercises/01-threads/src/pool.rs:30:9:\n\
                      index out of bounds: the len is 0 but the index is 0\n\
                      thread 'a::b' (4) panicked at grader/checks/01-threads/tests/checks/a.rs:9:5:\n\
                      called `Result::unwrap()` on an `Err` value: Any { .. }\n";
        let v = classify(&run(Ending::Exited(101), output, None), "a::b", None);
        assert_eq!(
            v.message,
            "index out of bounds: the len is 0 but the index is 0\n(a panic in thread \
             'worker' at exercises/01-threads/src/pool.rs:30:9, which the check then found)"
        );
        // Without a panic of another thread there is nothing better to say.
        let alone = &output[output.find("thread 'a::b'").unwrap()..];
        let v = classify(&run(Ending::Exited(101), alone, None), "a::b", None);
        assert!(v.message.ends_with("Any { .. }"), "{}", v.message);
    }

    #[test]
    fn a_panic_of_the_learners_code_is_the_origin_even_when_caught() {
        let output = "thread 'a::b' (4) panicked at exercises/02-x/src/timers.rs:40:9:\n\
                      no such timer\n\
                      thread 'a::b' (4) panicked at grader/checks/02-x/tests/checks/a.rs:9:5:\n\
                      assertion `left == right` failed\n  left: Err(Panicked)\n right: Ok(())\n";
        let v = classify(&run(Ending::Exited(101), output, None), "a::b", None);
        assert!(v.message.starts_with("the values differ"), "{}", v.message);
        assert_eq!(
            v.origin,
            Some(Origin {
                place: "exercises/02-x/src/timers.rs:40:9".into(),
                message: "no such timer".into()
            })
        );
        let checks_own = &output[output.find("thread 'a::b' (4) panicked at grader").unwrap()..];
        let v = classify(&run(Ending::Exited(101), checks_own, None), "a::b", None);
        assert_eq!(v.origin, None);
    }

    #[test]
    fn a_kill_by_the_memory_limit_says_so() {
        let mut killed = run(Ending::Signaled(libc::SIGKILL), "", None);
        let plain = classify(&killed, "x", Some("an exercise's own hint"));
        assert_eq!(
            plain.message,
            "crashed with SIGKILL: an exercise's own hint"
        );
        killed.out_of_memory = Some(256 << 20);
        let oom = classify(&killed, "x", Some("an exercise's own hint"));
        assert_eq!(oom.status, Status::Crash);
        assert!(
            oom.message
                .starts_with("ran out of memory: a check may use at most 256 MiB"),
            "{}",
            oom.message
        );
        // A helper process killed for memory does not explain a segfault of the check.
        let mut segv = run(Ending::Signaled(libc::SIGSEGV), "", None);
        segv.out_of_memory = Some(256 << 20);
        assert!(
            classify(&segv, "x", None)
                .message
                .starts_with("crashed with SIGSEGV")
        );
    }

    #[test]
    fn skips_carry_their_reason() {
        let v = classify(
            &run(Ending::Exited(0), "", Some("skip a::b needs /proc")),
            "a::b",
            None,
        );
        assert_eq!(
            (v.status, v.message.as_str()),
            (Status::Skipped, "needs /proc")
        );
    }
}
