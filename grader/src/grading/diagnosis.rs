//! Finding the causes that several failing checks share, so that a learner reads one
//! explanation of one bug instead of a hint per check, each pointing somewhere else.

use super::stuck::Stuck;
use super::verdict::{Origin, SNAPSHOT_DIFFERS};
use crate::course::{Course, Exercise};
use crate::report::{CheckReport, Diagnosis, Status};
use crate::ui::text::shorten_lines;

/// What makes two failures the same: the bug their checks named, the same crash, the same
/// place in the learner's code where a panic began, running out of time (stuck in the same
/// places of the learner's code, when the stacks could be taken), or the same message.
enum Cause<'a> {
    /// A cause the exercise declares, named by the checks that recognized it.
    Named(&'a crate::course::Cause),
    Crash(String),
    /// The place is what counts; the message is the first such panic's.
    PanicAt(Origin),
    /// The places the threads were stuck in, when known.
    Timeout(Option<String>),
    Message(String),
}

impl PartialEq for Cause<'_> {
    fn eq(&self, other: &Cause) -> bool {
        match (self, other) {
            (Cause::Named(a), Cause::Named(b)) => a.name == b.name,
            (Cause::Crash(a), Cause::Crash(b)) | (Cause::Message(a), Cause::Message(b)) => a == b,
            (Cause::PanicAt(a), Cause::PanicAt(b)) => a.place == b.place,
            (Cause::Timeout(a), Cause::Timeout(b)) => a == b,
            _ => false,
        }
    }
}

fn cause_of<'a>(
    check: &CheckReport,
    origin: Option<&Origin>,
    stuck: Option<&Stuck>,
    ex: &'a Exercise,
) -> Option<Cause<'a>> {
    let named = check.cause.as_deref().and_then(|name| ex.cause(name));
    if let (Status::Fail, Some(named)) = (check.status, named) {
        return Some(Cause::Named(named));
    }
    Some(match (check.status, origin) {
        (Status::Crash, _) => Cause::Crash(check.message.clone()),
        (Status::Timeout, _) => Cause::Timeout(stuck.map(|s| s.places.clone())),
        (Status::Fail, Some(origin)) => Cause::PanicAt(origin.clone()),
        // A check that gave up waiting for the code under test ran out of time of its
        // own; where it was stuck says more than its words.
        (Status::Fail, None) if stuck.is_some() => Cause::Timeout(stuck.map(|s| s.places.clone())),
        // Every snapshot that differs says so in the same words: only the diffs tell
        // whether two differ for one reason.
        (Status::Fail, None) if check.message == SNAPSHOT_DIFFERS => return None,
        (Status::Fail, None) => Cause::Message(check.message.clone()),
        _ => return None,
    })
}

/// A check's report, where its panic began in the learner's code, and where its threads
/// were stuck.
pub type Graded<'a> = (&'a CheckReport, Option<&'a Origin>, Option<&'a Stuck>);

/// The causes of `checks` of exercise `ex`, in course order: those the checks named, and
/// those two or more of them share.
pub fn diagnose(checks: &[Graded], course: &Course, ex: &Exercise) -> Vec<Diagnosis> {
    let book = course.book_link(&ex.book);
    // Groups in course order of their first check, as `checks` come: steps build on one
    // another, so the earliest failure is the likeliest root of the later ones.
    // Each cause with the indices of its checks.
    let mut groups: Vec<(Cause, Vec<usize>)> = Vec::new();
    for (i, (check, origin, stuck)) in checks.iter().enumerate() {
        let Some(cause) = cause_of(check, *origin, *stuck, ex) else {
            continue;
        };
        match groups.iter_mut().find(|(c, _)| *c == cause) {
            Some((_, members)) => members.push(i),
            None => groups.push((cause, vec![i])),
        }
    }
    absorb_stuck_timeouts(&mut groups, checks);
    groups.sort_by_key(|(_, members)| members[0]);
    // A named cause explains even one failure better than the check's own hint can.
    groups.retain(|(cause, members)| members.len() > 1 || matches!(cause, Cause::Named(_)));
    groups
        .into_iter()
        .map(|(cause, members)| {
            let stuck = members.iter().find_map(|&i| checks[i].2);
            let members: Vec<&CheckReport> = members.iter().map(|&i| checks[i].0).collect();
            explain(cause, &members, stuck, course, &book)
        })
        .collect()
}

/// Time limits stuck at the places where the checks of a named cause were stuck are that
/// cause too: the check that named it saw the same code waiting for the same thing.
fn absorb_stuck_timeouts(groups: &mut Vec<(Cause, Vec<usize>)>, checks: &[Graded]) {
    let places_of = |i: usize| checks[i].2.map(|s| s.places.as_str());
    let mut k = 0;
    while k < groups.len() {
        let into = match &groups[k].0 {
            Cause::Timeout(Some(places)) => groups.iter().position(|(cause, members)| {
                matches!(cause, Cause::Named(_))
                    && members
                        .iter()
                        .any(|&i| places_of(i) == Some(places.as_str()))
            }),
            _ => None,
        };
        match into {
            Some(j) => {
                let (_, members) = groups.remove(k);
                let j = if j > k { j - 1 } else { j };
                groups[j].1.extend(members);
                groups[j].1.sort_unstable();
            }
            None => k += 1,
        }
    }
}

fn explain(
    cause: Cause,
    members: &[&CheckReport],
    stuck: Option<&Stuck>,
    course: &Course,
    book: &str,
) -> Diagnosis {
    let n = members.len();
    let first = members[0];
    let (cause, hint, book) = match cause {
        // On the first line, which the report leads with: where the code was stuck
        // says which of the learner's functions the cause is in.
        Cause::Named(named) => (
            match stuck {
                Some(stuck) => format!("{} (stuck: {})", named.says, stuck.text),
                None => named.says.clone(),
            },
            named.hint.clone(),
            course.book_link(&named.book),
        ),
        Cause::Crash(message) => (
            format!("{n} checks {message}"),
            "One bug crashes all of them, so their own hints do not apply yet: find it with \
             the cause above, then grade again."
                .to_owned(),
            book.to_owned(),
        ),
        Cause::PanicAt(Origin { place, message }) => (
            format!(
                "{n} checks failed from a panic your code raised at {place}: {}",
                first_line(&message)
            ),
            format!(
                "Fix the panic at {place} first: it breaks all of them, and their own hints \
                 do not apply until it is gone."
            ),
            first.book.clone(),
        ),
        Cause::Timeout(Some(_)) => (
            format!(
                "{n} checks did not finish in time, stuck in the same places: {}",
                stuck.map_or("", |s| s.text.as_str())
            ),
            "Fix that place first: code busy there loops without end; code waiting there \
             waits for something that never happens (a message nobody sends, a thread that \
             never ends, a lock nobody releases). The checks' own hints apply once it returns."
                .to_owned(),
            first.book.clone(),
        ),
        Cause::Timeout(None) => (
            format!(
                "{n} checks did not finish in time: one infinite loop, deadlock or wait that \
                 nothing ends can stall all of them"
            ),
            format!("Start with the earliest, {}: {}", first.name, first.hint),
            first.book.clone(),
        ),
        Cause::Message(message) => (
            format!(
                "{n} checks failed the same way: {}",
                shorten_lines(&message, 4)
            ),
            first.hint.clone(),
            first.book.clone(),
        ),
    };
    Diagnosis {
        cause,
        checks: members.iter().map(|c| c.name.clone()).collect(),
        hint,
        book,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::check;

    /// A course whose one exercise declares the cause `wrong-token`.
    fn course() -> Course {
        toml::from_str(
            r#"
            course = { title = "T", timeout_secs = 1, book = "book/src" }
            [[exercise]]
            name = "x"
            dir = "01-x"
            title = "X"
            book = "x.md"
            [[exercise.cause]]
            name = "wrong-token"
            says = "events come with another token"
            hint = "store the token"
            book = "x.md#tokens"
            [[exercise.step]]
            name = "s"
            title = "S"
            book = "x.md"
            hint = "h"
            check = [{ name = "c", kind = "behaviour", points = 1, hint = "h" }]
            "#,
        )
        .unwrap()
    }

    fn diagnose(checks: &[Graded]) -> Vec<Diagnosis> {
        let course = course();
        super::diagnose(checks, &course, &course.exercises[0])
    }

    const SEGV: &str = "crashed with SIGSEGV: a misaligned stack";

    #[test]
    fn crashes_of_one_kind_are_one_diagnosis_with_no_checks_hint() {
        let checks = [
            check("runtime::interleaving", Status::Crash, SEGV),
            check(
                "runtime::order",
                Status::Fail,
                "tasks ran in the wrong order",
            ),
            check("abi::floats", Status::Crash, SEGV),
            check("abi::other", Status::Pass, ""),
            check("abi::more", Status::Crash, SEGV),
        ];
        let paired: Vec<_> = checks.iter().map(|c| (c, None, None)).collect();
        let found = diagnose(&paired);
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert_eq!(d.cause, "3 checks crashed with SIGSEGV: a misaligned stack");
        assert_eq!(
            d.checks,
            ["runtime::interleaving", "abi::floats", "abi::more"]
        );
        assert!(!d.hint.contains("own hint of"), "{}", d.hint);
        assert_eq!(d.book, "book/src/x.md");
    }

    #[test]
    fn panics_from_one_place_in_the_learners_code_are_one_diagnosis() {
        let checks = [
            check("pool::a", Status::Fail, "index out of bounds\n(details)"),
            check("pool::b", Status::Fail, "a different message"),
            check("pool::c", Status::Fail, "a check's own assertion"),
        ];
        let place = "exercises/01-threads/src/pool.rs:30:9";
        let origin = |message: &str| Origin {
            place: place.into(),
            message: message.into(),
        };
        let (first, second) = (origin("index out of bounds\n(more)"), origin("other words"));
        let paired = [
            (&checks[0], Some(&first), None),
            (&checks[1], Some(&second), None),
            (&checks[2], None, None),
        ];
        let found = diagnose(&paired);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].cause,
            "2 checks failed from a panic your code raised at \
             exercises/01-threads/src/pool.rs:30:9: index out of bounds"
        );
        assert_eq!(found[0].checks, ["pool::a", "pool::b"]);
        assert!(found[0].hint.contains(place), "{}", found[0].hint);
    }

    #[test]
    fn causes_come_in_course_order_and_lone_failures_are_their_own() {
        let checks = [
            check("a::one", Status::Timeout, "did not finish within 10 s"),
            check("a::two", Status::Fail, "same words"),
            check("b::three", Status::Timeout, "did not finish within 11 s"),
            check("b::four", Status::Fail, "same words"),
            check("b::five", Status::Timeout, "did not finish within 10 s"),
            check("b::six", Status::Fail, "alone"),
            check("b::eight", Status::Fail, SNAPSHOT_DIFFERS),
            check("b::nine", Status::Fail, SNAPSHOT_DIFFERS),
            check("b::seven", Status::Todo, "not started yet"),
        ];
        let paired: Vec<_> = checks.iter().map(|c| (c, None, None)).collect();
        let found = diagnose(&paired);
        let causes: Vec<_> = found.iter().map(|d| d.checks.clone()).collect();
        assert_eq!(
            causes,
            [
                vec!["a::one", "b::three", "b::five"],
                vec!["a::two", "b::four"]
            ]
        );
        assert!(
            found[0]
                .hint
                .starts_with("Start with the earliest, a::one: own hint of a::one")
        );
        assert_eq!(found[1].cause, "2 checks failed the same way: same words");
        assert_eq!(found[1].hint, "own hint of a::two");
    }

    #[test]
    fn a_named_cause_explains_even_one_failure_and_unknown_names_are_ignored() {
        let named = |name: &str, cause: &str| CheckReport {
            cause: Some(cause.into()),
            ..check(name, Status::Fail, "an event came with Token(0)")
        };
        let checks = [
            named("s::one", "wrong-token"),
            check("s::two", Status::Fail, "alone"),
            named("s::three", "not-declared"),
            named("s::four", "wrong-token"),
        ];
        let paired: Vec<_> = checks.iter().map(|c| (c, None, None)).collect();
        let found = diagnose(&paired);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].cause, "events come with another token");
        assert_eq!(found[0].checks, ["s::one", "s::four"]);
        assert_eq!(found[0].hint, "store the token");
        assert_eq!(found[0].book, "book/src/x.md#tokens");
        let alone = [named("s::five", "wrong-token")];
        let paired: Vec<_> = alone.iter().map(|c| (c, None, None)).collect();
        assert_eq!(diagnose(&paired)[0].checks, ["s::five"]);
    }

    fn stuck(text: &str, places: &str) -> Stuck {
        Stuck {
            text: text.into(),
            places: places.into(),
        }
    }

    #[test]
    fn timeouts_stuck_at_the_same_places_are_one_diagnosis_saying_where() {
        let checks = [
            check("a::one", Status::Timeout, "did not finish within 10 s"),
            check("a::two", Status::Timeout, "did not finish within 10 s"),
            check("a::three", Status::Timeout, "did not finish within 10 s"),
            check("a::four", Status::Timeout, "did not finish within 10 s"),
        ];
        let (four, two) = (
            stuck("4 threads waiting in `work` → `recv`", "work → recv"),
            stuck("2 threads waiting in `work` → `recv`", "work → recv"),
        );
        let spinning = stuck("1 thread busy in `spin`", "spin");
        let paired = [
            (&checks[0], None, Some(&four)),
            (&checks[1], None, Some(&spinning)),
            (&checks[2], None, Some(&two)),
            (&checks[3], None, None),
        ];
        let found = diagnose(&paired);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].checks, ["a::one", "a::three"]);
        assert_eq!(
            found[0].cause,
            "2 checks did not finish in time, stuck in the same places: 4 threads waiting in \
             `work` → `recv`"
        );
        // Without stacks, timeouts are one cause as before, apart from those with stacks.
        let unknown = [(&checks[0], None, None), (&checks[3], None, None)];
        assert!(
            diagnose(&unknown)[0]
                .cause
                .ends_with("can stall all of them")
        );
    }

    #[test]
    fn a_named_cause_says_where_its_checks_were_stuck_on_its_first_line() {
        let named = |name: &str| CheckReport {
            cause: Some("wrong-token".into()),
            ..check(name, Status::Fail, "no event came")
        };
        let checks = [named("s::one"), named("s::two")];
        let waiting = stuck("1 thread waiting in `Poll::poll` → `epoll_wait`", "x");
        let paired = [(&checks[0], None, None), (&checks[1], None, Some(&waiting))];
        let found = diagnose(&paired);
        assert_eq!(
            found[0].cause,
            "events come with another token (stuck: 1 thread waiting in `Poll::poll` → \
             `epoll_wait`)"
        );
    }

    #[test]
    fn a_check_that_gave_up_waiting_joins_the_time_limits_stuck_at_its_places() {
        let checks = [
            check("a::one", Status::Timeout, "did not finish within 10 s"),
            check("a::two", Status::Fail, "drop did not return within 5 s"),
            check("a::three", Status::Fail, "drop did not return within 5 s"),
        ];
        let (four, two) = (
            stuck("4 threads waiting in `drop` → `join`", "drop → join"),
            stuck("2 threads waiting in `drop` → `join`", "drop → join"),
        );
        let paired = [
            (&checks[0], None, Some(&four)),
            (&checks[1], None, Some(&two)),
            (&checks[2], None, None),
        ];
        let found = diagnose(&paired);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].checks, ["a::one", "a::two"]);
    }

    #[test]
    fn time_limits_stuck_where_a_named_cause_was_are_that_cause() {
        let named = CheckReport {
            cause: Some("wrong-token".into()),
            ..check("s::two", Status::Fail, "no event came")
        };
        let checks = [
            check("s::one", Status::Timeout, "did not finish within 10 s"),
            named,
            check("s::three", Status::Timeout, "did not finish within 10 s"),
            check("s::four", Status::Timeout, "did not finish within 10 s"),
            check("s::five", Status::Timeout, "did not finish within 10 s"),
        ];
        let polling = stuck("1 thread waiting in `Poll::poll` → `epoll_wait`", "poll");
        let spinning = stuck("1 thread busy in `spin`", "spin");
        let paired = [
            (&checks[0], None, Some(&polling)),
            (&checks[1], None, Some(&polling)),
            (&checks[2], None, Some(&polling)),
            (&checks[3], None, Some(&spinning)),
            (&checks[4], None, Some(&spinning)),
        ];
        let found = diagnose(&paired);
        let explained: Vec<_> = found.iter().map(|d| d.checks.clone()).collect();
        assert_eq!(
            explained,
            [
                vec!["s::one", "s::two", "s::three"],
                vec!["s::four", "s::five"]
            ]
        );
        assert!(
            found[0]
                .cause
                .starts_with("events come with another token (stuck: ")
        );
    }
}
