//! The panics in a check's output, and which of them the check meant.
//!
//! A scenario often makes things fail on purpose: a job that panics, a callback that gives
//! up, a misuse the contract says must panic. Those panics are printed like any other; the
//! check marks them (through `testkit::panics`) so that they are never taken for what went
//! wrong.

/// What `testkit::panics::announce` prints right before a panic the check raises on
/// purpose, then `'<thread>' (<id>)`.
pub const ON_PURPOSE: &str = "testkit: the check panics on purpose next, in thread";

/// What `testkit::panics::panic_message` prints after a panic it caught and wanted (a
/// misuse that must panic), then `'<thread>'`.
pub const PROVOKED: &str = "testkit: the check provoked the panic above on purpose, in thread";

/// Why a panic happened, as far as the check said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intent {
    /// Nobody said they wanted it: a failure.
    Unmeant,
    /// The check raised it on purpose, inside the code under test (a failing job).
    Raised,
    /// The code under test raised it, and the check asked for it (a misuse).
    Expected,
}

/// A panic found in a check's output.
#[derive(Debug, PartialEq)]
pub struct Panic {
    pub thread: String,
    /// The thread's id as the panic's header gives it.
    pub id: Option<String>,
    /// `file:line:column` of the panic.
    pub location: String,
    pub message: String,
    /// The output lines the panic's header and message occupy.
    pub lines: std::ops::Range<usize>,
    pub intent: Intent,
}

impl Panic {
    pub fn meant(&self) -> bool {
        self.intent != Intent::Unmeant
    }
}

/// Finds `thread '<name>' (<id>) panicked at <place>:` blocks, their messages, and what
/// the check said of them.
pub fn panics(output: &str) -> Vec<Panic> {
    let lines: Vec<&str> = output.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((thread, id, after)) = line.strip_prefix("thread ").and_then(thread_of) else {
            continue;
        };
        let Some(location) = after.strip_prefix("panicked at ") else {
            continue;
        };
        let message: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| !ends_panic_message(l))
            .take(30)
            .copied()
            .collect();
        found.push(Panic {
            thread: thread.to_owned(),
            id: id.map(str::to_owned),
            location: location.trim_end_matches(':').to_owned(),
            lines: i..i + 1 + message.len(),
            message: message.join("\n").trim().to_owned(),
            intent: Intent::Unmeant,
        });
    }
    for (i, line) in lines.iter().enumerate() {
        if let Some(raised) = announced(&found, i, line) {
            found[raised].intent = Intent::Raised;
        }
    }
    for index in 0..found.len() {
        if found[index].intent == Intent::Unmeant && provoked(&lines, &found, &found[index]) {
            found[index].intent = Intent::Expected;
        }
    }
    found
}

/// `'<name>' (<id>) <rest>`: the thread a panic's header or a mark names, its id when
/// given, and the rest of the line.
fn thread_of(text: &str) -> Option<(&str, Option<&str>, &str)> {
    let rest = text.strip_prefix('\'')?;
    let (thread, after) = rest.split_once('\'')?;
    let after = after.trim_start();
    let (id, after) = match after.strip_prefix('(').and_then(|a| a.split_once(')')) {
        Some((id, after)) => (Some(id), after.trim_start()),
        None => (None, after),
    };
    Some((thread, id, after))
}

/// The panic an `ON_PURPOSE` mark on line `at` announces: the next one of its thread.
fn announced(panics: &[Panic], at: usize, line: &str) -> Option<usize> {
    // libtest's `test NAME ... ` may share the line.
    let mark = &line[line.find(ON_PURPOSE)? + ON_PURPOSE.len()..];
    let (thread, id, _) = thread_of(mark.trim_start())?;
    panics.iter().position(|p| {
        p.lines.start > at
            && p.thread == thread
            && (id.is_none() || p.id.is_none() || p.id.as_deref() == id)
    })
}

/// Whether the check said it provoked `panic`: a `PROVOKED` mark of its thread follows it
/// before that thread's next panic.
fn provoked(lines: &[&str], panics: &[Panic], panic: &Panic) -> bool {
    let mark = format!("{PROVOKED} '{}'", panic.thread);
    let next_of_thread = panics
        .iter()
        .filter(|p| p.thread == panic.thread && p.lines.start > panic.lines.start)
        .map(|p| p.lines.start)
        .min()
        .unwrap_or(usize::MAX);
    lines
        .iter()
        .enumerate()
        .skip(panic.lines.end)
        .take_while(|(i, _)| *i < next_of_thread)
        .any(|(_, line)| *line == mark)
}

/// Whether `line` is one of the marks the check prints about its panics.
pub fn is_mark(line: &str) -> bool {
    line.contains(ON_PURPOSE) || line.starts_with(PROVOKED)
}

fn ends_panic_message(line: &str) -> bool {
    // libtest ends `test NAME ... ` with the outcome on a line of its own when the check
    // printed in between.
    matches!(line.trim(), "FAILED" | "ok")
        || is_mark(line)
        || line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("thread '")
        || line.starts_with("stack backtrace:")
        || line.starts_with("failures:")
        || line.starts_with("test result:")
        || (line.starts_with("test ") && line.contains(" ... "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intents(output: &str) -> Vec<(String, Intent)> {
        panics(output)
            .into_iter()
            .map(|p| (p.message, p.intent))
            .collect()
    }

    #[test]
    fn a_mark_names_the_next_panic_of_its_own_thread() {
        let output = format!(
            "{ON_PURPOSE} '<unnamed>' (12)\n\
             thread '<unnamed>' (13) panicked at exercises/01-x/src/pool.rs:3:3:\n\
             index out of bounds\n\
             thread '<unnamed>' (12) panicked at grader/checks/01-x/tests/checks/a.rs:9:9:\n\
             this job fails\n\
             thread '<unnamed>' (12) panicked at grader/checks/01-x/tests/checks/a.rs:9:9:\n\
             this job fails again, unannounced\n"
        );
        assert_eq!(
            intents(&output),
            [
                ("index out of bounds".to_owned(), Intent::Unmeant),
                ("this job fails".to_owned(), Intent::Raised),
                (
                    "this job fails again, unannounced".to_owned(),
                    Intent::Unmeant
                ),
            ]
        );
    }

    #[test]
    fn a_mark_may_share_libtests_line() {
        let output = format!(
            "test a::b ... {ON_PURPOSE} 'a::b' (4)\n\
             thread 'a::b' (4) panicked at grader/checks/02-x/tests/checks/a.rs:1:1:\n\
             a callback gave up\n\
             thread 'a::b' (4) panicked at grader/checks/02-x/tests/checks/a.rs:2:2:\n\
             the assertion\n"
        );
        assert_eq!(
            intents(&output),
            [
                ("a callback gave up".to_owned(), Intent::Raised),
                ("the assertion".to_owned(), Intent::Unmeant),
            ]
        );
    }

    #[test]
    fn a_caught_misuse_the_check_wanted_is_expected() {
        let output = format!(
            "thread 'a::b' (4) panicked at exercises/06-x/src/lib.rs:7:9:\n\
             spawn outside a runtime\n\
             {PROVOKED} 'a::b'\n\
             thread 'a::b' (4) panicked at grader/checks/06-x/tests/checks/a.rs:9:5:\n\
             the second misuse did not panic\n"
        );
        assert_eq!(
            intents(&output),
            [
                ("spawn outside a runtime".to_owned(), Intent::Expected),
                (
                    "the second misuse did not panic".to_owned(),
                    Intent::Unmeant
                ),
            ]
        );
    }
}
