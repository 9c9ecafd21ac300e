//! Every catch the book promises is backed by a known-wrong fixture.
//!
//! The book says what each check catches: the bullets of a chapter's "What the checks
//! catch" list, and sentences elsewhere that name a check and say it fails or catches
//! something. A learner reads those as facts, so each one carries, right after the
//! sentence, an HTML comment that mdBook leaves out of the page:
//!
//! ```text
//! - `tasks::panic_stays_in_its_task`: ... A payload read only as `&str` loses the
//!   formatted message. <!-- fixture: panic_text_str_only -->
//! ```
//!
//! The comment names the fixtures (`grader/tests/fixtures/<exercise>/<name>.toml`) that
//! implement the mistake the sentence describes; `<!-- fixture: a, b for step::check -->`
//! says which check they trip when it is not the bullet's own (or, outside a list, not
//! every check the sentence names). This test holds the book to it:
//!
//! - every bullet of a "What the checks catch" list starts with the checks it is about and
//!   carries at least one marker;
//! - every sentence that claims a catch (it says *fails*, *catches*, *shows up*, *trips*,
//!   ...) in such a bullet, or anywhere it names a check, ends with a marker;
//! - every fixture a marker names exists, is a known-wrong fixture, and expects each
//!   claimed check to be caught: `fail`, `timeout` or `crash`, never `pass` (`skipped`, a
//!   check this machine could not measure, may stand beside a catch).
//!
//! `known_wrong.rs` grades every fixture and fails when a check does not get the status the
//! fixture expects; together the two tests make each promise a fact that is checked on
//! every run. The last test feeds a small broken book to show each rule can fail.

mod common;
mod markdown;

use common::{course, listed_checks, repo, statuses_catch};
use markdown::without_code_blocks;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Words that make a sentence a promise about what a check catches.
const CLAIM_WORDS: &[&str] = &[
    "fail", "fails", "failed", "catch", "catches", "caught", "trip", "trips", "tripped", "flags",
    "rejects", "rejected",
];
const CLAIM_PHRASES: &[&str] = &["shows up", "show up", "is told apart", "are told apart"];

/// What the tests need to know of the course: each chapter's exercise and every check.
struct Course {
    /// Chapter file name (`threads.md`) to the exercise folder it teaches.
    chapters: BTreeMap<String, String>,
    /// Exercise folder to its checks, `step::check`.
    checks: BTreeMap<String, BTreeSet<String>>,
}

impl Course {
    fn load() -> Course {
        let mut chapters = BTreeMap::new();
        let mut checks = BTreeMap::new();
        for ex in course()["exercise"].as_array().unwrap() {
            let dir = ex["dir"].as_str().unwrap().to_owned();
            chapters.insert(ex["book"].as_str().unwrap().to_owned(), dir.clone());
            checks.insert(dir, listed_checks(ex));
        }
        Course { chapters, checks }
    }

    /// The exercise folder whose checks include `check`.
    fn exercise_of(&self, check: &str) -> Option<&str> {
        self.checks
            .iter()
            .find(|(_, checks)| checks.contains(check))
            .map(|(dir, _)| dir.as_str())
    }
}

/// A sentence of the book that promises catches, with the fixtures said to back it.
#[derive(Debug)]
struct Claim {
    chapter: String,
    line: usize,
    sentence: String,
    /// The checks the sentence is about.
    checks: Vec<String>,
    /// Fixture names, plain (`sequential`) or with their folder (`01-threads/sequential`).
    fixtures: Vec<String>,
}

/// A rule the book breaks, as a line of the failure message.
type Problem = String;

/// A sentence and the marker that follows it, if any.
struct Sentence {
    line: usize,
    text: String,
    marker: Option<Marker>,
}

#[derive(Debug, Clone)]
struct Marker {
    fixtures: Vec<String>,
    checks: Vec<String>,
}

fn parse_marker(body: &str) -> Result<Marker, String> {
    let body = body
        .trim()
        .strip_prefix("fixture:")
        .ok_or_else(|| format!("a marker reads `<!-- fixture: name -->`, not `{body}`"))?;
    let (names, checks) = match body.split_once(" for ") {
        Some((names, checks)) => (names, checks),
        None => (body, ""),
    };
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let fixtures = list(names);
    if fixtures.is_empty() {
        return Err("a marker names no fixture".to_owned());
    }
    Ok(Marker {
        fixtures,
        checks: list(checks),
    })
}

/// Splits a stretch of Markdown (a bullet, or a paragraph) into sentences, each with the
/// marker written right after it. Code spans are kept whole, so a `.` inside one ends
/// nothing.
fn sentences(text: &str, first_line: usize) -> Result<Vec<Sentence>, Problem> {
    let mut out: Vec<Sentence> = Vec::new();
    let mut current = String::new();
    let mut line = first_line;
    let mut start_line = first_line;
    let mut rest = text;
    let finish = |out: &mut Vec<Sentence>, current: &mut String, start: usize| {
        if !current.trim().is_empty() {
            out.push(Sentence {
                line: start,
                text: current.trim().to_owned(),
                marker: None,
            });
        }
        current.clear();
    };
    while let Some(c) = rest.chars().next() {
        if current.trim().is_empty() {
            start_line = line;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after
                .find("-->")
                .ok_or_else(|| format!("line {line}: a comment that never closes"))?;
            line += after[..end].matches('\n').count();
            rest = &after[end + 3..];
            // Other comments (the student template's fences, say) are not markers.
            if !after[..end].trim_start().starts_with("fixture") {
                continue;
            }
            let marker = parse_marker(&after[..end]).map_err(|e| format!("line {line}: {e}"))?;
            finish(&mut out, &mut current, start_line);
            match out.last_mut() {
                Some(last) if last.marker.is_none() => last.marker = Some(marker),
                _ => return Err(format!("line {line}: a marker that follows no sentence")),
            }
            continue;
        }
        if c == '`' {
            let ticks = rest.chars().take_while(|&c| c == '`').count();
            let fence = &rest[..ticks];
            if let Some(close) = rest[ticks..].find(fence) {
                let span = &rest[..ticks + close + ticks];
                line += span.matches('\n').count();
                current.push_str(span);
                rest = &rest[span.len()..];
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        current.push(c);
        rest = &rest[c.len_utf8()..];
        let ends = matches!(c, '.' | '?' | '!')
            && rest.chars().next().is_none_or(char::is_whitespace)
            && !ends_in_abbreviation(&current);
        if ends {
            finish(&mut out, &mut current, start_line);
        }
    }
    finish(&mut out, &mut current, start_line);
    Ok(out)
}

fn ends_in_abbreviation(sentence: &str) -> bool {
    ["e.g.", "i.e.", "etc.", "vs.", "cf."]
        .iter()
        .any(|a| sentence.ends_with(a))
}

/// The sentence's words without its code spans, links' targets or markers.
fn prose(sentence: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in sentence.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if !in_code {
            out.push(c.to_ascii_lowercase());
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn claims_a_catch(sentence: &str) -> bool {
    // The lists' own title is not a promise.
    let prose = prose(sentence).replace("what the checks catch", "");
    let words: BTreeSet<&str> = prose
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    CLAIM_WORDS.iter().any(|w| words.contains(w)) || CLAIM_PHRASES.iter().any(|p| prose.contains(p))
}

/// The checks of the course a sentence names in backticks, in order.
fn named_checks(sentence: &str, course: &Course) -> Vec<String> {
    let mut names = Vec::new();
    for (i, part) in sentence.split('`').enumerate() {
        if i % 2 == 1 && course.exercise_of(part).is_some() && !names.iter().any(|n| n == part) {
            names.push(part.to_owned());
        }
    }
    names
}

/// The checks a bullet is about: the code spans it starts with (`` `a::b` and `a::c`: ``).
fn leading_checks(bullet: &str, course: &Course) -> Vec<String> {
    let mut checks = Vec::new();
    let mut rest = bullet.trim_start();
    while let Some(after) = rest.strip_prefix('`') {
        let Some(end) = after.find('`') else { break };
        let name = &after[..end];
        if course.exercise_of(name).is_none() {
            break;
        }
        checks.push(name.to_owned());
        rest = after[end + 1..].trim_start();
        rest = rest
            .strip_prefix(',')
            .or_else(|| rest.strip_prefix("and "))
            .unwrap_or(rest)
            .trim_start();
    }
    checks
}

/// One chapter's bullets of "What the checks catch" lists, each with its first line, and
/// its other paragraphs, each with its first line.
struct Parts {
    bullets: Vec<(usize, String)>,
    paragraphs: Vec<(usize, String)>,
}

fn parts(markdown: &str) -> Parts {
    let text = without_code_blocks(markdown);
    let mut parts = Parts {
        bullets: Vec::new(),
        paragraphs: Vec::new(),
    };
    // Inside a "What the checks catch" section: before its list, or in it.
    let mut in_catch = false;
    let mut in_list = false;
    let mut block: Option<(usize, String, bool)> = None;
    let flush = |block: &mut Option<(usize, String, bool)>, parts: &mut Parts| {
        if let Some((line, text, bullet)) = block.take() {
            if bullet {
                parts.bullets.push((line, text));
            } else {
                parts.paragraphs.push((line, text));
            }
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let starts_catch_list = raw.starts_with("**What the checks catch")
            || raw.trim_start_matches('#').trim() == "What the checks catch";
        if raw.starts_with('#') || starts_catch_list {
            flush(&mut block, &mut parts);
            in_catch = starts_catch_list;
            in_list = false;
            if raw.starts_with('#') {
                continue;
            }
        }
        if raw.trim().is_empty() {
            flush(&mut block, &mut parts);
            continue;
        }
        let bullet = raw.starts_with("- ") || raw.starts_with("* ");
        let continued = raw.starts_with("  ") && block.is_some();
        if bullet {
            flush(&mut block, &mut parts);
            if in_catch {
                in_list = true;
            }
            block = Some((line, raw[2..].to_owned(), in_catch));
        } else if continued || (block.is_some() && !raw.starts_with("  ")) {
            let (_, text, _) = block.as_mut().unwrap();
            text.push('\n');
            text.push_str(raw.trim_start());
        } else {
            if in_list {
                in_catch = false;
                in_list = false;
            }
            flush(&mut block, &mut parts);
            block = Some((line, raw.to_owned(), false));
        }
    }
    flush(&mut block, &mut parts);
    parts
}

/// Reads one chapter's claims, or says which rule it breaks.
fn chapter_claims(
    chapter: &str,
    markdown: &str,
    course: &Course,
    problems: &mut Vec<Problem>,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    let parts = parts(markdown);
    let mut read = |line: usize, text: &str, bullet: bool, problems: &mut Vec<Problem>| {
        let leading = if bullet {
            leading_checks(text, course)
        } else {
            Vec::new()
        };
        if bullet && leading.is_empty() {
            problems.push(format!(
                "{chapter}:{line}: a bullet of \"What the checks catch\" starts with the checks \
                 it is about, in backticks"
            ));
        }
        let sentences = match sentences(text, line) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{chapter}: {e}"));
                return;
            }
        };
        if bullet && sentences.iter().all(|s| s.marker.is_none()) {
            problems.push(format!(
                "{chapter}:{line}: the bullet about {} names no fixture that shows its catch",
                leading.join(", ")
            ));
        }
        for s in sentences {
            let named = named_checks(&s.text, course);
            let about = if bullet {
                leading.clone()
            } else {
                named.clone()
            };
            let is_claim = (bullet || !named.is_empty()) && claims_a_catch(&s.text);
            let Some(marker) = s.marker else {
                if is_claim {
                    problems.push(format!(
                        "{chapter}:{}: a promise with no fixture behind it: \"{}\"",
                        s.line, s.text
                    ));
                }
                continue;
            };
            let checks = if marker.checks.is_empty() {
                about
            } else {
                marker.checks.clone()
            };
            if checks.is_empty() {
                problems.push(format!(
                    "{chapter}:{}: a marker in a sentence that names no check; say which with \
                     `for step::check`",
                    s.line
                ));
                continue;
            }
            claims.push(Claim {
                chapter: chapter.to_owned(),
                line: s.line,
                sentence: s.text,
                checks,
                fixtures: marker.fixtures,
            });
        }
    };
    for (line, text) in &parts.bullets {
        read(*line, text, true, problems);
    }
    for (line, text) in &parts.paragraphs {
        read(*line, text, false, problems);
    }
    claims
}

/// Whether the fixture's `[expect]` says `check` is caught, or why not.
fn fixture_catches(fixtures: &Path, dir: &str, name: &str, check: &str) -> Result<(), String> {
    let path = fixtures.join(dir).join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path)
        .map_err(|_| format!("there is no fixture {dir}/{name}.toml"))?;
    let fixture: toml::Value =
        toml::from_str(&text).map_err(|e| format!("{dir}/{name}.toml does not parse: {e}"))?;
    if fixture.get("correct").and_then(toml::Value::as_bool) == Some(true) {
        return Err(format!(
            "{dir}/{name} is a correct alternative, not a mistake"
        ));
    }
    let expect = fixture.get("expect").and_then(toml::Value::as_table);
    let statuses = expect
        .and_then(|e| e.get(check).or_else(|| e.get("*")))
        .map(|v| match v {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Array(a) => a
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_else(|| vec!["pass".to_owned()]);
    if !statuses_catch(&statuses) {
        return Err(format!(
            "{dir}/{name} does not expect {check} to catch it (it allows {statuses:?})"
        ));
    }
    Ok(())
}

/// Checks every claim against the fixtures, returning what is wrong.
fn verify(claims: &[Claim], course: &Course, fixtures: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for claim in claims {
        for check in &claim.checks {
            let Some(own) = course.exercise_of(check) else {
                problems.push(format!(
                    "{}:{}: `{check}` is not a check of the course",
                    claim.chapter, claim.line
                ));
                continue;
            };
            for fixture in &claim.fixtures {
                let (dir, name) = fixture.split_once('/').unwrap_or((own, fixture));
                if let Err(why) = fixture_catches(fixtures, dir, name, check) {
                    problems.push(format!(
                        "{}:{}: {why}\n    the book says: \"{}\"",
                        claim.chapter, claim.line, claim.sentence
                    ));
                }
            }
        }
    }
    problems
}

fn book_problems(
    chapters: &[(String, String)],
    course: &Course,
    fixtures: &Path,
) -> (Vec<Claim>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut claims = Vec::new();
    for (chapter, markdown) in chapters {
        claims.extend(chapter_claims(chapter, markdown, course, &mut problems));
    }
    problems.extend(verify(&claims, course, fixtures));
    (claims, problems)
}

fn the_book() -> Vec<(String, String)> {
    let src = repo().join("book/src");
    let mut chapters: Vec<(String, String)> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    chapters.sort();
    chapters
}

#[test]
fn every_promised_catch_has_a_fixture_that_makes_it() {
    let course = Course::load();
    let (claims, problems) =
        book_problems(&the_book(), &course, &repo().join("grader/tests/fixtures"));
    assert!(
        problems.is_empty(),
        "the book promises catches nothing shows ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Every exercise's chapter makes promises, so an empty result means the parser broke.
    for (chapter, dir) in &course.chapters {
        assert!(
            claims.iter().any(|c| &c.chapter == chapter),
            "no claim found in {chapter} ({dir}): the parser no longer finds the lists"
        );
    }
}

/// A small book and fixture folder in which each rule is broken once.
#[test]
fn each_rule_catches_a_broken_book() {
    let course = Course::load();
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("01-threads");
    std::fs::create_dir_all(&ex).unwrap();
    std::fs::write(
        ex.join("reversed.toml"),
        "description = \"x\"\n[expect]\n\"tasks::results_in_given_order\" = \"fail\"\n",
    )
    .unwrap();
    std::fs::write(
        ex.join("maybe.toml"),
        "description = \"x\"\n[expect]\n\"tasks::results_in_given_order\" = [\"pass\", \"fail\"]\n",
    )
    .unwrap();
    std::fs::write(
        ex.join("alt_fine.toml"),
        "description = \"x\"\ncorrect = true\n",
    )
    .unwrap();
    let book = |body: &str| vec![("threads.md".to_owned(), body.to_owned())];
    let problems = |body: &str| book_problems(&book(body), &course, dir.path()).1;

    let good = "**What the checks catch.**\n\n- `tasks::results_in_given_order`: five tasks that \
                end in reverse order. Results gathered as they arrive fail it. \
                <!-- fixture: reversed -->\n";
    assert_eq!(problems(good), Vec::<String>::new());

    let cases: &[(&str, &str, &str)] = &[
        (
            "a bullet without a marker",
            "**What the checks catch.**\n\n- `tasks::results_in_given_order`: five tasks.\n",
            "names no fixture",
        ),
        (
            "a promise after the last marker",
            "**What the checks catch.**\n\n- `tasks::results_in_given_order`: gathered results \
             fail it. <!-- fixture: reversed --> A capped pool fails it too.\n",
            "a promise with no fixture",
        ),
        (
            "a bullet that names no check",
            "**What the checks catch.**\n\n- the results: gathered results fail it. \
             <!-- fixture: reversed -->\n",
            "starts with the checks",
        ),
        (
            "a fixture that does not exist",
            "**What the checks catch.**\n\n- `tasks::results_in_given_order`: fails. \
             <!-- fixture: gone -->\n",
            "there is no fixture",
        ),
        (
            "a fixture that may pass the check",
            "**What the checks catch.**\n\n- `tasks::results_in_given_order`: fails. \
             <!-- fixture: maybe -->\n",
            "does not expect",
        ),
        (
            "a fixture that does not name the check",
            "**What the checks catch.**\n\n- `tasks::all_start_together`: fails. \
             <!-- fixture: reversed -->\n",
            "does not expect",
        ),
        (
            "a correct alternative",
            "**What the checks catch.**\n\n- `tasks::results_in_given_order`: fails. \
             <!-- fixture: alt_fine -->\n",
            "correct alternative",
        ),
        (
            "a claim in prose",
            "Spawning and joining in one loop fails `tasks::all_start_together`.\n",
            "a promise with no fixture",
        ),
        (
            "a malformed marker",
            "Prose fails `tasks::results_in_given_order`. <!-- fixtures reversed -->\n",
            "a marker reads",
        ),
    ];
    for (what, body, says) in cases {
        let found = problems(body);
        assert!(
            found.iter().any(|p| p.contains(says)),
            "{what}: expected a problem saying {says:?}, got {found:?}"
        );
    }
    // A claim in prose with a marker is held to the fixture like a bullet.
    assert_eq!(
        problems(
            "Results gathered as they arrive fail `tasks::results_in_given_order`. <!-- fixture: reversed -->\n"
        ),
        Vec::<String>::new()
    );
}
