//! The GitHub Actions workflow a classroom uses (`.github/workflows/grade.yml`, described
//! in `book/src/instructor.md`) is well-formed, grades the learner's checkout from the
//! course's, and asks the grader only for options it has.
//!
//! Nothing here can run the workflow itself; these tests catch what breaks it silently:
//! YAML that does not parse or puts a key at the wrong level, a step output read under a
//! wrong id, a path that does not match a checkout, a flag or a format the grader dropped.

mod common;

use common::{grader, repo};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

const WORKFLOW: &str = ".github/workflows/grade.yml";

/// Keys a step may have; anything else is usually a key indented to the wrong level.
const STEP_KEYS: &[&str] = &[
    "name",
    "id",
    "if",
    "uses",
    "with",
    "run",
    "shell",
    "env",
    "working-directory",
    "continue-on-error",
    "timeout-minutes",
];

fn workflow() -> Yaml {
    let path = repo().join(WORKFLOW);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{WORKFLOW}: {e}"));
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{WORKFLOW} is not valid YAML: {e}"));
    assert_eq!(docs.len(), 1, "{WORKFLOW} must hold exactly one document");
    docs.remove(0)
}

fn text(node: &Yaml) -> Option<&str> {
    node.as_str()
}

/// Every step of every job, in order.
fn steps(doc: &Yaml) -> Vec<&Yaml> {
    let jobs = doc["jobs"].as_hash().expect("`jobs` must be a mapping");
    jobs.values()
        .flat_map(|job| {
            job["steps"]
                .as_vec()
                .expect("every job needs a list of steps")
        })
        .collect()
}

fn step_name(step: &Yaml) -> &str {
    text(&step["name"]).unwrap_or("(a step without a name)")
}

/// One `cargo run -p grader -- ...` found in a step's script.
#[derive(Debug)]
struct Invocation {
    step: String,
    /// The step's `working-directory`, if it has one.
    dir: Option<String>,
    /// The grader's arguments: what follows `--`, up to a redirection or the command's end.
    args: Vec<String>,
}

impl Invocation {
    /// The value given to `flag`, as `--flag VALUE` or `--flag=VALUE`.
    fn value_of(&self, flag: &str) -> Option<&str> {
        self.args.iter().enumerate().find_map(|(i, arg)| {
            if arg == flag {
                self.args.get(i + 1).map(String::as_str)
            } else {
                arg.strip_prefix(flag)?.strip_prefix('=')
            }
        })
    }
}

/// Whether a shell word ends the command or redirects its output.
fn ends_command(word: &str) -> bool {
    word.starts_with(['>', '<', '|', '&', ';']) || word.starts_with("2>") || word == "1>"
}

fn grader_invocations(doc: &Yaml) -> Vec<Invocation> {
    let mut found = Vec::new();
    for step in steps(doc) {
        let Some(script) = text(&step["run"]) else {
            continue;
        };
        let script = script.replace("\\\n", " ");
        for line in script.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(cargo) = words.windows(2).position(|w| w == ["cargo", "run"]) else {
                continue;
            };
            let command: Vec<&str> = words[cargo..]
                .iter()
                .copied()
                .take_while(|w| !ends_command(w))
                .collect();
            let Some(dashes) = command.iter().position(|w| *w == "--") else {
                continue;
            };
            let selects_grader = command[..dashes]
                .windows(2)
                .any(|w| (w[0] == "-p" || w[0] == "--package") && w[1] == "grader");
            if selects_grader {
                found.push(Invocation {
                    step: step_name(step).to_owned(),
                    dir: text(&step["working-directory"]).map(str::to_owned),
                    args: command[dashes + 1..]
                        .iter()
                        .map(|w| w.to_string())
                        .collect(),
                });
            }
        }
    }
    found
}

/// `base/rel` with `.` and `..` resolved, without touching the file system.
fn resolve(base: &str, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in Path::new(base).join(rel).components() {
        match part {
            Component::ParentDir => assert!(out.pop(), "{rel} leaves the workspace"),
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The `with.path` of the `actions/checkout` steps, split into the course's checkout
/// (the one naming a repository) and the learner's (the repository the workflow runs in).
fn checkouts(doc: &Yaml) -> (Vec<String>, Vec<String>) {
    let (mut course, mut student) = (Vec::new(), Vec::new());
    for step in steps(doc) {
        if !text(&step["uses"]).is_some_and(|u| u.starts_with("actions/checkout@")) {
            continue;
        }
        let path = text(&step["with"]["path"])
            .unwrap_or_else(|| panic!("step {:?}: checkout without a path", step_name(step)))
            .to_owned();
        if step["with"]["repository"].is_badvalue() {
            student.push(path);
        } else {
            course.push(path);
        }
    }
    (course, student)
}

#[test]
fn the_workflow_is_yaml_of_the_expected_shape() {
    let doc = workflow();
    assert!(
        text(&doc["name"]).is_some(),
        "the workflow needs a name: {doc:?}"
    );
    assert!(
        !doc["on"]["push"].is_badvalue(),
        "the workflow must run on push"
    );
    for var in ["COURSE_REPOSITORY", "COURSE_REF", "FAIL_WHEN_CHECKS_FAIL"] {
        assert!(
            !doc["env"][var].is_badvalue(),
            "the workflow-level env lacks {var}, which book/src/instructor.md documents"
        );
    }
    let jobs = doc["jobs"].as_hash().expect("`jobs` must be a mapping");
    assert!(!jobs.is_empty(), "the workflow has no job");
    for (name, job) in jobs {
        assert!(
            text(&job["runs-on"]).is_some(),
            "job {name:?} needs `runs-on`"
        );
    }

    let mut ids = BTreeSet::new();
    for step in steps(&doc) {
        let name = step_name(step);
        let keys = step.as_hash().expect("every step must be a mapping");
        for key in keys.keys() {
            let key = text(key).unwrap_or_default();
            assert!(
                STEP_KEYS.contains(&key),
                "step {name:?} has an unknown key {key:?}: wrongly indented?"
            );
        }
        assert!(
            step["uses"].is_badvalue() != step["run"].is_badvalue(),
            "step {name:?} needs exactly one of `uses` and `run`"
        );
        if let Some(action) = text(&step["uses"]) {
            // Only GitHub's own actions, each at a major version: the workflow stays
            // self-contained.
            let (owner_name, version) = action
                .split_once('@')
                .unwrap_or_else(|| panic!("step {name:?}: {action} has no version"));
            assert!(
                owner_name.starts_with("actions/") && version.starts_with('v'),
                "step {name:?} uses {action}: only actions/* at a version tag"
            );
        }
        // An output can only be read from a step with that id that ran before.
        for field in [&step["if"], &step["env"]] {
            let texts: Vec<&str> = match field {
                Yaml::String(s) => vec![s.as_str()],
                Yaml::Hash(h) => h.values().filter_map(Yaml::as_str).collect(),
                _ => Vec::new(),
            };
            for t in texts {
                for used in t.split("steps.").skip(1) {
                    let id = used.split('.').next().unwrap_or_default();
                    assert!(
                        ids.contains(id),
                        "step {name:?} reads steps.{id}, but no earlier step has id {id:?}"
                    );
                }
            }
        }
        if let Some(id) = text(&step["id"]) {
            assert!(ids.insert(id.to_owned()), "two steps have id {id:?}");
        }
    }
}

#[test]
fn the_grader_runs_in_the_course_checkout_on_the_learners_checkout() {
    let doc = workflow();
    let (course, student) = checkouts(&doc);
    assert_eq!(
        (course.len(), student.len()),
        (1, 1),
        "expected one checkout of the course and one of the learner's push"
    );
    let invocations = grader_invocations(&doc);
    assert!(
        invocations.len() >= 2,
        "expected the grader to run twice (the summary, then results.json): {invocations:?}"
    );
    for run in &invocations {
        let dir = run
            .dir
            .as_deref()
            .unwrap_or_else(|| panic!("step {:?} runs the grader outside the course", run.step));
        assert_eq!(dir, course[0], "step {:?}: working directory", run.step);
        let submission = run
            .value_of("--submission")
            .unwrap_or_else(|| panic!("step {:?} grades no --submission", run.step));
        assert_eq!(
            resolve(dir, submission),
            PathBuf::from(&student[0]),
            "step {:?}: --submission {submission} is not the learner's checkout",
            run.step
        );
    }
    let formats: BTreeSet<&str> = invocations
        .iter()
        .filter_map(|run| run.value_of("--format"))
        .collect();
    assert!(
        formats.contains("markdown") && formats.contains("gradescope"),
        "the chapter promises a Markdown summary and results.json, the workflow asks for {formats:?}"
    );
}

/// The help text of the grader, or of its subcommand `sub`.
fn help(sub: Option<&str>) -> String {
    let output = grader().args(sub).arg("--help").output().unwrap();
    assert!(output.status.success(), "grader --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// Whether a help line (trimmed) starts the description of an option.
fn is_option_line(trimmed: &str) -> bool {
    let mut chars = trimmed.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('-'), Some('-'), Some(c)) => c.is_alphanumeric(),
        (Some('-'), Some(c), Some(',' | ' ')) | (Some('-'), Some(c), None) => c.is_alphanumeric(),
        _ => false,
    }
}

/// The help of option `flag`: its line and the indented lines below it, or `None` when
/// the help does not list it.
fn option_help(help: &str, flag: &str) -> Option<String> {
    let lines: Vec<&str> = help.lines().collect();
    let start = lines.iter().position(|line| {
        let trimmed = line.trim_start();
        is_option_line(trimmed)
            && trimmed
                .split([',', ' ', '='])
                .any(|word| word.split('<').next() == Some(flag))
    })?;
    let mut block = vec![lines[start]];
    for line in &lines[start + 1..] {
        let trimmed = line.trim_start();
        if is_option_line(trimmed) || (!line.is_empty() && !line.starts_with(' ')) {
            break;
        }
        block.push(line);
    }
    Some(block.join("\n"))
}

/// The values an option's help lists, in clap's short (`[possible values: a, b]`) or long
/// (`Possible values:` then `- a: ...` lines) form; empty when it lists none.
fn possible_values(block: &str) -> Vec<String> {
    if let Some(rest) = block.split("[possible values: ").nth(1) {
        let list = rest.split(']').next().unwrap_or_default();
        return list.split(',').map(|v| v.trim().to_owned()).collect();
    }
    let Some(rest) = block.split("Possible values:").nth(1) else {
        return Vec::new();
    };
    rest.lines()
        .filter_map(|line| line.trim_start().strip_prefix("- "))
        .map(|item| item.split([':', ' ']).next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_grader_option_the_workflow_uses_exists() {
    let doc = workflow();
    let invocations = grader_invocations(&doc);
    assert!(
        !invocations.is_empty(),
        "the workflow never runs the grader"
    );
    let main_help = help(None);
    for run in &invocations {
        // `grader batch ...` and the like: options belong to the subcommand.
        let sub = run
            .args
            .first()
            .filter(|first| !first.starts_with('-'))
            .filter(|first| {
                main_help.split("Commands:").nth(1).is_some_and(|commands| {
                    commands
                        .lines()
                        .any(|l| l.split_whitespace().next() == Some(first.as_str()))
                })
            });
        let help = match sub {
            Some(sub) => help(Some(sub)),
            None => main_help.clone(),
        };
        for (i, arg) in run.args.iter().enumerate() {
            if !arg.starts_with("--") {
                continue;
            }
            let (flag, inline_value) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value)),
                None => (arg.as_str(), None),
            };
            let block = option_help(&help, flag).unwrap_or_else(|| {
                panic!(
                    "step {:?} passes {flag}, which `grader{} --help` does not list:\n{help}",
                    run.step,
                    sub.map(|s| format!(" {s}")).unwrap_or_default()
                )
            });
            let allowed = possible_values(&block);
            let value = inline_value.or_else(|| run.args.get(i + 1).map(String::as_str));
            if let (false, Some(value)) = (allowed.is_empty(), value) {
                assert!(
                    allowed.iter().any(|v| v == value),
                    "step {:?} passes {flag} {value}, but the grader accepts only {allowed:?}",
                    run.step
                );
            }
        }
    }
}

/// The parsing helpers above find what they must, so the tests cannot pass by finding
/// nothing.
#[test]
fn the_help_parser_reads_clap_help() {
    let short = "Options:\n      --solutions         Grade the solutions\n      --format <FORMAT>   Output format [default: human] [possible values: human, json]\n  -h, --help              Print help\n";
    assert_eq!(
        possible_values(&option_help(short, "--format").unwrap()),
        ["human", "json"]
    );
    assert!(option_help(short, "--help").is_some());
    assert!(option_help(short, "--solution").is_none());
    assert!(possible_values(&option_help(short, "--solutions").unwrap()).is_empty());

    let long = "Options:\n      --format <FORMAT>\n          Output format\n\n          Possible values:\n          - human: For people\n          - json:  For programs\n\n      --jobs <N>\n          How many\n";
    assert_eq!(
        possible_values(&option_help(long, "--format").unwrap()),
        ["human", "json"]
    );
    assert!(option_help(long, "--jobs").is_some());
}

/// The id mdBook gives a heading (as in `consistency.rs`).
fn heading_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The anchors of a chapter's headings (outside code blocks).
fn anchors(chapter: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut found = BTreeSet::new();
    for line in chapter.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && let Some(heading) = line.strip_prefix('#') {
            found.insert(heading_anchor(heading.trim_start_matches('#')));
        }
    }
    found
}

/// The chapter that documents the workflow links only to chapters and headings that exist.
#[test]
fn the_instructor_chapters_links_resolve() {
    let book = repo().join("book/src");
    let text = std::fs::read_to_string(book.join("instructor.md")).unwrap();
    let mut checked = 0;
    for link in text.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        if target.contains("://") {
            continue;
        }
        let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
        let chapter = if file.is_empty() {
            text.clone()
        } else {
            std::fs::read_to_string(book.join(file))
                .unwrap_or_else(|e| panic!("instructor.md links to {target}: {e}"))
        };
        if !anchor.is_empty() {
            let known = anchors(&chapter);
            assert!(
                known.contains(anchor),
                "instructor.md links to {target}, but that chapter has no such heading: {known:?}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 3, "expected the chapter to link to its sections");
    let summary = std::fs::read_to_string(book.join("SUMMARY.md")).unwrap();
    assert!(
        summary.contains("(instructor.md)"),
        "SUMMARY.md does not list instructor.md"
    );
}
