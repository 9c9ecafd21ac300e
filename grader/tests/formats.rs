//! The reports for instructors and CI (`--format junit|gradescope|markdown`, and the
//! summary appended to `$GITHUB_STEP_SUMMARY`), each parsed back and compared with the
//! mini course's known verdicts, its `course.toml`, and the other formats of the same run.
//!
//! Grading `alpha` takes seconds (checks run into the time limit), so it is graded only
//! twice here.

mod common;

use common::{grade, mini_course, mini_grader, submission_from};
use serde::Deserialize;
use std::process::Output;

/// Checks of `alpha` with a verdict known in advance: name, verdict, how the message
/// starts. Every other check of it is held to what its own report says.
const KNOWN: [(&str, &str, &str); 12] = [
    ("basics::adds", "pass", ""),
    ("basics::multiplies", "fail", "2 × 3"),
    ("basics::unfinished", "todo", "not started yet"),
    (
        "basics::not_here",
        "skipped",
        "this platform has no such thing",
    ),
    ("hostile::spins", "timeout", "did not finish within 2 s"),
    ("hostile::sleeps", "timeout", "did not finish within 2 s"),
    ("hostile::segfaults", "crash", "crashed with SIGSEGV"),
    ("hostile::aborts", "crash", "crashed with SIGABRT"),
    ("hostile::floods", "fail", "printed so much output"),
    ("hostile::chatters", "pass", ""),
    (
        "hostile::fakes_success",
        "fail",
        "the process exited with status 0",
    ),
    ("hostile::leaves_child", "pass", ""),
];

const PREFILLED: &str = "An earlier step wrote this line.\n";

fn known(name: &str) -> Option<(&'static str, &'static str)> {
    KNOWN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, status, message)| (*status, *message))
}

/// Every check of an exercise of the mini course with its points, in course order, as
/// `course.toml` gives them.
fn course_checks(exercise: &str) -> Vec<(String, u32)> {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(mini_course().join("course.toml")).unwrap())
            .unwrap();
    let ex = manifest["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(exercise))
        .unwrap();
    let mut checks = Vec::new();
    for step in ex["step"].as_array().unwrap() {
        for check in step["check"].as_array().unwrap() {
            checks.push((
                format!(
                    "{}::{}",
                    step["name"].as_str().unwrap(),
                    check["name"].as_str().unwrap()
                ),
                u32::try_from(check["points"].as_integer().unwrap()).unwrap(),
            ));
        }
    }
    checks
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("the report is not UTF-8")
}

fn attr<T: std::str::FromStr>(node: roxmltree::Node, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()))
        .parse()
        .unwrap()
}

fn children<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|n| n.is_element() && n.tag_name().name() == tag)
        .collect()
}

fn property(node: roxmltree::Node, name: &str) -> String {
    let properties = children(node, "properties");
    assert_eq!(properties.len(), 1);
    children(properties[0], "property")
        .into_iter()
        .find(|p| p.attribute("name") == Some(name))
        .and_then(|p| p.attribute("value"))
        .unwrap_or_else(|| panic!("no property {name}"))
        .to_owned()
}

/// The verdict element of a `<testcase>` (`failure`, `error`, `skipped`), if any.
fn outcome<'a, 'i>(case: roxmltree::Node<'a, 'i>) -> Option<roxmltree::Node<'a, 'i>> {
    let found: Vec<_> = case
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() != "properties")
        .collect();
    assert!(found.len() <= 1, "several outcomes in {case:?}");
    found.first().copied()
}

/// The verdict a `<testcase>` stands for: `pass`, `skipped`, `compile-error`, or the
/// `type` of its `<failure>`.
fn verdict(case: roxmltree::Node) -> String {
    match outcome(case) {
        None => "pass".into(),
        Some(o) if o.tag_name().name() == "skipped" => "skipped".into(),
        Some(o) => o.attribute("type").unwrap().into(),
    }
}

/// A suite's counts must be those of its cases.
fn assert_counts_agree(suite: roxmltree::Node) {
    let cases = children(suite, "testcase");
    let count = |tag: &str| {
        cases
            .iter()
            .filter(|c| outcome(**c).is_some_and(|o| o.tag_name().name() == tag))
            .count()
    };
    let name = suite.attribute("name").unwrap_or_default();
    assert_eq!(attr::<usize>(suite, "tests"), cases.len(), "{name}");
    assert_eq!(attr::<usize>(suite, "failures"), count("failure"), "{name}");
    assert_eq!(attr::<usize>(suite, "errors"), count("error"), "{name}");
    assert_eq!(attr::<usize>(suite, "skipped"), count("skipped"), "{name}");
    let seconds: f64 = cases.iter().map(|c| attr::<f64>(*c, "time")).sum();
    assert!(
        (attr::<f64>(suite, "time") - seconds).abs() < 0.01,
        "{name}"
    );
}

/// The rows of the Markdown tables in `text`, as cells, without header and separator.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut escaped = false;
        for c in line.trim().trim_matches('|').chars() {
            match c {
                '|' if !escaped => cells.push(std::mem::take(&mut cell).trim().to_owned()),
                c => cell.push(c),
            }
            escaped = c == '\\';
        }
        cells.push(cell.trim().to_owned());
        rows.push(cells);
    }
    // The header and the `|---|` line under it.
    rows.retain(|r| r[0] != "#" && !r[0].starts_with("---"));
    rows
}

#[test]
fn junit_reports_every_verdict_and_the_same_run_appends_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, PREFILLED).unwrap();
    let output = mini_grader()
        .args(["alpha", "--timeout", "2", "--format", "junit"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let xml = stdout(&output);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));

    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("Mini course"));
    let suites = children(root, "testsuite");
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.attribute("name"), Some("alpha"));
    assert_counts_agree(suite);
    for count in ["tests", "failures", "errors", "skipped"] {
        assert_eq!(root.attribute(count), suite.attribute(count), "{count}");
    }
    assert_eq!(attr::<usize>(root, "errors"), 0);

    let cases = children(suite, "testcase");
    let names: Vec<String> = cases
        .iter()
        .map(|c| {
            let step = c.attribute("classname").unwrap().strip_prefix("alpha.");
            format!("{}::{}", step.unwrap(), c.attribute("name").unwrap())
        })
        .collect();
    let checks = course_checks("alpha");
    let listed: Vec<&str> = checks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, listed, "the checks, in course order");
    let mut points = 0;
    for (case, (name, max)) in cases.iter().zip(&checks) {
        let verdict = verdict(*case);
        let earned = if verdict == "pass" { *max } else { 0 };
        points += earned;
        assert_eq!(property(*case, "max_points"), max.to_string(), "{name}");
        assert_eq!(property(*case, "points"), earned.to_string(), "{name}");
        let Some((status, message)) = known(name) else {
            continue;
        };
        assert_eq!(verdict, status, "{name}");
        let Some(outcome) = outcome(*case) else {
            continue;
        };
        let attribute = outcome.attribute("message").unwrap();
        assert!(attribute.starts_with(message), "{name}: {attribute:?}");
        if status == "skipped" {
            continue;
        }
        let text = outcome.text().unwrap_or_default();
        // The attribute is the message on one line; the text gives it as written.
        let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(joined.starts_with(attribute), "{name}: {text:?}");
        // A step not started gets the step's hint, a broken check its own.
        let hint = if status == "todo" {
            "hint:  basics step hint".to_owned()
        } else {
            format!("hint:  {} hint", name.split("::").nth(1).unwrap())
        };
        assert!(text.contains(&hint), "{name}: {text:?}");
    }
    assert_eq!(property(suite, "points"), points.to_string());
    let max: u32 = checks.iter().map(|(_, p)| p).sum();
    assert_eq!(property(suite, "max_points"), max.to_string());
    // A message's lines survive as lines in the element's text; the attribute, whose line
    // breaks a parser would turn into spaces anyway, holds them on one line.
    let multiplies = outcome(cases[1]).unwrap();
    let text = multiplies.text().unwrap_or_default();
    assert!(text.contains("\n     got: 5\nexpected: 6"), "{text:?}");
    let attribute = multiplies.attribute("message").unwrap();
    assert!(attribute.contains("got: 5 expected: 6"), "{attribute:?}");
    assert!(
        attr::<f64>(cases[4], "time") >= 2.0,
        "spins ran into the limit"
    );

    // The same run appended its Markdown summary after what the file held.
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with(PREFILLED), "{text}");
    assert_eq!(text.matches("## Mini course").count(), 1, "{text}");
    let verdicts: Vec<String> = cases.iter().map(|c| verdict(*c)).collect();
    let count = |v: &str| verdicts.iter().filter(|s| *s == v).count();
    let (passed, todo, skipped) = (count("pass"), count("todo"), count("skipped"));
    let failing = verdicts.len() - passed - todo - skipped;
    let rows = table_rows(&text);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0][1..],
        [
            "alpha".to_owned(),
            "Every verdict".to_owned(),
            "❌ fail".to_owned(),
            format!("{passed}/{}", verdicts.len() - skipped),
            format!("{points}/{max}"),
        ]
    );
    // Every count of the mini course's `alpha` is above zero, so the line names them all.
    let totals = format!(
        "**{passed}/{} checks passed, {failing} failing, {todo} todo, {skipped} skipped; \
         {points}/{max} points**",
        verdicts.len()
    );
    assert!(text.contains(&totals), "{totals} in:\n{text}");
    let not_passing = &text[text.find("### Not passing").expect(&text)..];
    for (name, verdict) in names.iter().zip(&verdicts) {
        let listed = not_passing.contains(&format!("`{name}` — {verdict}, 0/"));
        let broken = matches!(verdict.as_str(), "fail" | "timeout" | "crash");
        assert_eq!(listed, broken, "{name} ({verdict}) in:\n{not_passing}");
    }
    assert!(not_passing.contains("Hint: multiplies hint"));
    assert!(not_passing.contains("Read: `book/alpha.md#basics`"));
    // Floods of output are cut short, not copied into the job summary.
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
    let not_started = &text[text.find("### Not started").expect(&text)..];
    assert!(
        not_started.contains("alpha step `basics` (Ordinary outcomes): 1 check not started"),
        "{not_started}"
    );
}

/// Gradescope's results.json, with the fields its specification lists; any other field
/// is an error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the whole schema is listed, not every field is looked at
struct Results {
    score: Option<f64>,
    execution_time: Option<f64>,
    output: Option<String>,
    output_format: Option<String>,
    test_output_format: Option<String>,
    test_name_format: Option<String>,
    visibility: Option<Visibility>,
    stdout_visibility: Option<Visibility>,
    extra_data: Option<serde_json::Value>,
    tests: Option<Vec<GradescopeTest>>,
    leaderboard: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GradescopeTest {
    score: Option<f64>,
    max_score: Option<f64>,
    status: Option<TestStatus>,
    name: Option<String>,
    name_format: Option<String>,
    number: Option<String>,
    output: Option<String>,
    output_format: Option<String>,
    tags: Option<Vec<String>>,
    visibility: Option<Visibility>,
    extra_data: Option<serde_json::Value>,
}

#[derive(Deserialize, Debug, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum TestStatus {
    Passed,
    Failed,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Visibility {
    Hidden,
    AfterDueDate,
    AfterPublished,
    Visible,
}

#[test]
fn gradescope_results_follow_the_schema_and_the_course_points() {
    let output = mini_grader()
        .args(["alpha", "--timeout", "2", "--format", "gradescope"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let text = stdout(&output);
    let results: Results = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let tests = results.tests.unwrap();
    let checks = course_checks("alpha");
    assert_eq!(tests.len(), checks.len());
    let mut sum = 0.0;
    for (i, (test, (name, points))) in tests.iter().zip(&checks).enumerate() {
        assert_eq!(
            test.name.as_deref(),
            Some(format!("alpha: {name}").as_str())
        );
        assert_eq!(
            test.number.as_deref(),
            Some(format!("1.{}", i + 1).as_str())
        );
        let max = f64::from(*points);
        assert_eq!(test.max_score, Some(max), "{name}");
        let score = test.score.unwrap();
        match test.status.unwrap() {
            TestStatus::Passed => assert_eq!(score, max, "{name}"),
            TestStatus::Failed => assert_eq!(score, 0.0, "{name}"),
        }
        assert_eq!(test.visibility, Some(Visibility::Visible));
        let output = test.output.as_deref().unwrap();
        if let Some((status, message)) = known(name) {
            let want = if status == "pass" {
                TestStatus::Passed
            } else {
                TestStatus::Failed
            };
            assert_eq!(test.status, Some(want), "{name}");
            assert!(output.starts_with(status), "{name}: {output:?}");
            assert!(output.contains(message), "{name}: {output:?}");
        }
        sum += score;
    }
    assert_eq!(results.score, Some(sum));
    assert!(sum >= 3.0, "adds, chatters and leaves_child pass");
    let extra = results.extra_data.unwrap();
    assert_eq!(
        extra["max_points"],
        checks.iter().map(|(_, p)| p).sum::<u32>()
    );
    assert_eq!(extra["points"].as_f64(), Some(sum));
    assert_eq!(results.stdout_visibility, Some(Visibility::Hidden));
    let overview = results.output.unwrap();
    assert!(overview.contains(&format!("{sum}/")), "{overview}");
}

#[test]
fn junit_agrees_with_the_json_report_of_a_passing_exercise() {
    let json = grade(mini_grader(), &["beta"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let output = mini_grader()
        .args(["beta", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let xml = stdout(&output);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suites = children(doc.root_element(), "testsuite");
    let exercises = json.json["exercises"].as_array().unwrap();
    assert_eq!(suites.len(), exercises.len());
    for (suite, ex) in suites.iter().zip(exercises) {
        assert_counts_agree(*suite);
        assert_eq!(suite.attribute("name"), ex["name"].as_str());
        assert_eq!(property(*suite, "points"), ex["points"].to_string());
        assert_eq!(property(*suite, "max_points"), ex["max_points"].to_string());
        let cases = children(*suite, "testcase");
        let checks = ex["checks"].as_array().unwrap();
        assert_eq!(cases.len(), checks.len());
        for (case, check) in cases.iter().zip(checks) {
            let (step, name) = check["name"].as_str().unwrap().split_once("::").unwrap();
            let classname = format!("beta.{step}");
            assert_eq!(case.attribute("classname"), Some(classname.as_str()));
            assert_eq!(case.attribute("name"), Some(name));
            assert_eq!(check["status"], "pass");
            assert_eq!(verdict(*case), "pass");
            assert_eq!(property(*case, "points"), check["points"].to_string());
        }
    }
}

#[test]
fn a_compile_error_is_a_junit_error_on_every_check() {
    let (submission, src) =
        submission_from(&mini_course().join("exercises/01-alpha/src"), "01-alpha");
    std::fs::write(
        src.join("lib.rs"),
        "pub fn add(a: u32) -> u32 { a + \"b\" }\n",
    )
    .unwrap();
    let output = mini_grader()
        .args(["alpha", "--format", "junit", "--submission"])
        .arg(submission.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let xml = stdout(&output);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suite = children(doc.root_element(), "testsuite")[0];
    assert_counts_agree(suite);
    assert_eq!(attr::<usize>(suite, "errors"), course_checks("alpha").len());
    assert_eq!(property(suite, "status"), "compile-error");
    assert_eq!(property(suite, "points"), "0");
    for case in children(suite, "testcase") {
        let error = outcome(case).unwrap();
        assert_eq!(error.tag_name().name(), "error");
        assert_eq!(error.attribute("type"), Some("compile-error"));
        let text = error.text().unwrap_or_default();
        assert!(text.contains("error[E0277]"), "{text}");
    }
    let system_err = children(suite, "system-err");
    assert_eq!(system_err.len(), 1);
    let compiler = system_err[0].text().unwrap_or_default();
    assert!(compiler.contains("error[E0277]"), "{compiler}");
}

#[test]
fn markdown_lists_the_exercises_and_every_run_appends_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, PREFILLED).unwrap();
    let run = |format: &str| {
        let output = mini_grader()
            .args(["beta", "--format", format])
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        stdout(&output)
    };
    let markdown = run("markdown");
    let rows = table_rows(&markdown);
    assert_eq!(
        rows,
        [["02", "beta", "Always fine", "✅ pass", "1/1", "2/2"]]
    );
    assert!(markdown.starts_with("## Mini course"), "{markdown}");
    assert!(
        markdown.contains("**1/1 checks passed; 2/2 points**"),
        "{markdown}"
    );
    assert!(!markdown.contains("### Not passing"), "{markdown}");
    // Another format on stdout: the summary is appended all the same.
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["summary"]["points"], 2);

    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with(PREFILLED), "{text}");
    assert_eq!(text.matches(markdown.as_str()).count(), 2, "{text}");
    // Nothing else: one blank line before each summary.
    assert_eq!(text.len(), PREFILLED.len() + 2 * (1 + markdown.len()));
}

#[test]
fn a_summary_that_cannot_be_written_is_only_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let unwritable = [
        dir.path().to_path_buf(),
        dir.path().join("missing/summary.md"),
    ];
    for path in unwritable {
        let output = mini_grader()
            .args(["beta", "--format", "json"])
            .env("GITHUB_STEP_SUMMARY", &path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("warning"), "{stderr}");
        assert!(stderr.contains("GITHUB_STEP_SUMMARY"), "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["summary"]["passed"], 1);
    }
    assert!(!dir.path().join("missing").exists());
}
