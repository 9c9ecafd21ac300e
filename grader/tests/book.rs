//! The book is whole: every chapter is in its summary, every link and image leads to a file
//! and a heading that exist, and every exercise, check and path it names exists.
//!
//! The conventions the book follows, which these tests hold it to:
//!
//! - **Links.** Chapters link to each other with relative Markdown links, `[text](file.md)`
//!   or `[text](file.md#heading-id)`, and within a chapter with `[text](#heading-id)`. A
//!   heading's id is the one mdBook makes (see `markdown::heading_id`): `## Step 1:
//!   block_on` is `#step-1-block_on`. Links from `book/src` stay inside it, since mdBook
//!   publishes nothing else. `README.md`'s links are checked too.
//! - **Images** are SVG files in `book/src/img/`, well-formed XML with an `<svg>` root that
//!   has a `viewBox` and a `<title>` (what a screen reader says). Every file there is used.
//! - **Checks** are written as the grader reports them, `step::check`, in backticks:
//!   `pool::idle_workers_sleep`. The exercise crates name their modules after their steps,
//!   so a path into an exercise crate (`tasks::run_all`) looks the same. Every backticked
//!   `a::b` of two lower-case words whose `a` is a step of `course.toml` must therefore be
//!   either a check of that step or an item (`fn`, `struct`, `mod`, ...) that
//!   `exercises/<dir>/src/<a>.rs` defines. Anything else is a stale or mistyped name.
//! - **Exercises** are named by folder in backticks (`01-threads`, `exercises/01-threads`),
//!   or in a grader command, `cargo run -p grader -- <exercise>`; both must be exercises of
//!   `course.toml` (a command may also name one of the grader's subcommands).
//! - **Paths** in backticks under `exercises/`, `solutions/`, `grader/`, `book/`,
//!   `.github/` and `.ci/` must exist, unless they hold a placeholder (`NN`, `<...>`, `*`)
//!   or are build output (`book/book`); one ending in `.md#id` must name an existing heading. So must a book section written
//!   the way `course.toml` writes it (`threads.md#step-3-a-thread-pool`).
//!
//! The links of `course.toml` itself (`book = "..."`) are checked by
//! `consistency::every_check_has_points_a_hint_and_a_book_section_that_exists`, with the
//! same heading ids. The last test here feeds every check a small broken book, to show that
//! each of them can fail.

mod common;
mod markdown;

use common::{course, repo};
use markdown::{heading_ids, inline};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// What the course defines that the book may name.
#[derive(Default)]
struct Names {
    /// Every way to name an exercise on the grader's command line: name, folder, number.
    exercises: BTreeSet<String>,
    /// The exercises' folders (`01-threads`).
    dirs: BTreeSet<String>,
    /// The grader's subcommands (`batch`, ...), which a grader command may name instead.
    subcommands: BTreeSet<String>,
    /// Every step, by name.
    steps: BTreeMap<String, Step>,
}

#[derive(Default)]
struct Step {
    checks: BTreeSet<String>,
    /// What the step's module in the exercise crate defines.
    items: BTreeSet<String>,
}

impl Names {
    fn of_this_course() -> Names {
        let mut names = Names {
            subcommands: subcommands(),
            ..Names::default()
        };
        for (i, exercise) in course()["exercise"].as_array().unwrap().iter().enumerate() {
            let dir = exercise["dir"].as_str().unwrap();
            names.dirs.insert(dir.to_owned());
            names.exercises.extend([
                exercise["name"].as_str().unwrap().to_owned(),
                dir.to_owned(),
                (i + 1).to_string(),
            ]);
            for step in exercise["step"].as_array().unwrap() {
                let name = step["name"].as_str().unwrap();
                let src = repo().join("exercises").join(dir).join("src");
                let module = [
                    src.join(format!("{name}.rs")),
                    src.join(name).join("mod.rs"),
                ]
                .iter()
                .find_map(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default();
                let entry = names.steps.entry(name.to_owned()).or_default();
                entry.items.extend(items(&module));
                for check in step["check"].as_array().unwrap() {
                    entry
                        .checks
                        .insert(check["name"].as_str().unwrap().to_owned());
                }
            }
        }
        names
    }
}

/// The grader's subcommands, as its `--help` lists them.
fn subcommands() -> BTreeSet<String> {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("--help")
        .output()
        .unwrap();
    String::from_utf8_lossy(&help.stdout)
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&c| c != "help")
        .map(str::to_owned)
        .collect()
}

/// The names a Rust source file defines: functions, types, modules, constants, macros.
fn items(source: &str) -> BTreeSet<String> {
    const DEFINERS: [&str; 10] = [
        "fn",
        "struct",
        "enum",
        "union",
        "trait",
        "type",
        "mod",
        "const",
        "static",
        "macro_rules!",
    ];
    let words: Vec<&str> = source
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| DEFINERS.contains(&w[0]))
        .map(|w| w[1].to_owned())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` with `.` and `..` resolved without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `root`, for messages.
fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every Markdown file under `dir`, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn is_external(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:")
}

/// Checks that `target`, as written in `file`, names an existing file and, for a Markdown
/// file, an existing heading. `inside` is the folder the target must not leave.
fn check_target(file: &Path, target: &str, inside: Option<&Path>) -> Result<PathBuf, String> {
    let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
    let dest = if path.is_empty() {
        file.to_path_buf()
    } else {
        normalize(&file.parent().unwrap().join(path))
    };
    if let Some(inside) = inside
        && !dest.starts_with(inside)
    {
        return Err(format!(
            "`{target}` leads out of {}, which is all mdBook publishes",
            inside.display()
        ));
    }
    if !dest.exists() {
        return Err(format!("`{target}`: no such file"));
    }
    if !fragment.is_empty() && dest.extension().is_some_and(|e| e == "md") {
        let ids = heading_ids(&read(&dest));
        if !ids.iter().any(|id| id == fragment) {
            return Err(format!(
                "`{target}`: no heading with the id `{fragment}` (its ids: {})",
                ids.join(", ")
            ));
        }
    }
    Ok(dest)
}

/// What is wrong with an SVG image, if anything.
fn svg_problem(path: &Path) -> Option<String> {
    let text = read(path);
    let doc = match roxmltree::Document::parse(&text) {
        Ok(doc) => doc,
        Err(e) => return Some(format!("not well-formed XML: {e}")),
    };
    let root = doc.root_element();
    if root.tag_name().name() != "svg"
        || root.tag_name().namespace() != Some("http://www.w3.org/2000/svg")
    {
        return Some("the root element is not an SVG <svg>".to_owned());
    }
    if root.attribute("viewBox").is_none() {
        return Some("the <svg> has no viewBox, so it cannot scale".to_owned());
    }
    if !root
        .children()
        .any(|n| n.is_element() && n.tag_name().name() == "title")
    {
        return Some("the <svg> has no <title>".to_owned());
    }
    None
}

/// The problems with the links and images of the Markdown files `files`, and the images
/// they use. Links from files in `inside` must stay in it. (`SUMMARY.md` is checked by
/// [`summary_problems`].)
fn link_problems(
    files: &[PathBuf],
    root: &Path,
    inside: Option<&Path>,
) -> (Vec<String>, BTreeSet<PathBuf>) {
    let mut problems = Vec::new();
    let mut images = BTreeSet::new();
    for file in files.iter().filter(|f| !f.ends_with("SUMMARY.md")) {
        let (links, _) = inline(&read(file));
        let inside = inside.filter(|dir| file.starts_with(dir));
        for link in links {
            let here = format!("{}:{}", shown(file, root), link.line);
            if link.target.is_empty() {
                problems.push(format!("{here}: a link without a target"));
                continue;
            }
            if is_external(&link.target) {
                continue;
            }
            match check_target(file, &link.target, inside) {
                Err(e) => problems.push(format!("{here}: {e}")),
                Ok(dest) if link.image => {
                    if dest.extension().is_some_and(|e| e == "svg")
                        && let Some(e) = svg_problem(&dest)
                    {
                        problems.push(format!("{here}: {}: {e}", shown(&dest, root)));
                    }
                    images.insert(dest);
                }
                Ok(_) => {}
            }
        }
    }
    (problems, images)
}

/// Images in `src/img` that no chapter shows.
fn unused_images(src: &Path, used: &BTreeSet<PathBuf>, root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(src.join("img")) else {
        return Vec::new();
    };
    let mut unused: Vec<String> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| !used.contains(p))
        .map(|p| format!("{}: no chapter shows this image", shown(&p, root)))
        .collect();
    unused.sort();
    unused
}

/// The problems of a book's `SUMMARY.md`: chapters that do not exist, and Markdown files
/// it does not list (mdBook would not build them).
fn summary_problems(src: &Path, root: &Path) -> Vec<String> {
    let summary = src.join("SUMMARY.md");
    let (links, _) = inline(&read(&summary));
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for link in links.iter().filter(|l| !l.target.is_empty()) {
        let chapter = normalize(&src.join(link.target.split('#').next().unwrap()));
        if !chapter.is_file() {
            problems.push(format!(
                "SUMMARY.md:{}: the chapter `{}` does not exist",
                link.line, link.target
            ));
        }
        listed.insert(chapter);
    }
    for file in markdown_files(src) {
        if file != summary && !listed.contains(&file) {
            problems.push(format!(
                "{} is not in SUMMARY.md, so mdBook leaves it out of the book",
                shown(&file, root)
            ));
        }
    }
    problems
}

fn is_word(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `s` looks like an exercise folder: two digits, a dash, a lower-case name.
fn is_exercise_dir(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 3
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b'-'
        && b[3].is_ascii_lowercase()
        && s[3..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The exercise (or subcommand) a grader command line names, if any: the first argument
/// after `--` that is not an option or an option's value.
fn commanded_exercise(args: &str) -> Option<String> {
    const WITH_VALUE: [&str; 6] = [
        "--format",
        "--submission",
        "--course",
        "--timeout",
        "--jobs",
        "--out",
    ];
    // A command in a code span ends with the span's closing backtick.
    let end = args.find('`').unwrap_or(args.len());
    let mut tokens = args[..end]
        .split_whitespace()
        .map(|t| t.trim_end_matches([',', ')', ';', '.']));
    while let Some(token) = tokens.next() {
        if token.is_empty() || token.starts_with('#') || ["\\", "|", ">", "&&"].contains(&token) {
            return None;
        }
        if WITH_VALUE.contains(&token) {
            tokens.next();
        } else if !token.starts_with('-') {
            return Some(token.to_owned());
        }
    }
    None
}

/// The problems with the exercises, checks and paths the Markdown `files` name.
fn name_problems(files: &[PathBuf], root: &Path, names: &Names) -> Vec<String> {
    let mut problems = Vec::new();
    let book = root.join("book/src");
    for file in files {
        let text = read(file);
        let (_, code) = inline(&text);
        for span in code {
            let here = format!("{}:{}", shown(file, root), span.line);
            let text = span.text.as_str();
            // A check, or a path into an exercise crate: `step::name`.
            if let Some((step, name)) = text.split_once("::")
                && is_word(step)
                && is_word(name)
                && let Some(found) = names.steps.get(step)
                && !found.checks.contains(name)
                && !found.items.contains(name)
            {
                problems.push(format!(
                    "{here}: `{text}`: the step `{step}` has no check `{name}` (its checks: {}), \
                     and its module defines no `{name}`",
                    found.checks.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            // Exercise folders, alone or in a path.
            for part in text.split(|c: char| c.is_whitespace() || c == '/') {
                if is_exercise_dir(part) && !names.dirs.contains(part) {
                    problems.push(format!(
                        "{here}: `{text}`: no exercise has the folder `{part}`"
                    ));
                }
            }
            // Paths in the repository, and book sections.
            let placeholder = ["NN", "<", "*", "{", "…", "..."]
                .iter()
                .any(|p| text.contains(p));
            // (`book/book` is mdBook's output, which need not exist.)
            let in_repo = [
                "exercises/",
                "solutions/",
                "grader/",
                "book/",
                ".github/",
                ".ci/",
            ]
            .iter()
            .any(|p| text.starts_with(p))
                && !text.starts_with("book/book");
            let section = text
                .split('#')
                .next()
                .is_some_and(|f| f.ends_with(".md") && !f.contains('/') && book.join(f).is_file());
            if !text.contains(char::is_whitespace) && !placeholder && (in_repo || section) {
                let base = if in_repo { root } else { &book };
                // Relative to a file that stands in the folder the path starts from.
                let target = text.trim_end_matches('/');
                if let Err(e) = check_target(&base.join("-"), target, None) {
                    problems.push(format!("{here}: {e}"));
                }
            }
        }
        // Grader commands, in code blocks as in the text.
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("-p grader --") {
                rest = &rest[at + "-p grader --".len()..];
                // `--test`, say, is cargo's option, not the start of the grader's arguments.
                if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
                    continue;
                }
                if let Some(named) = commanded_exercise(rest)
                    && !names.exercises.contains(&named)
                    && !names.subcommands.contains(&named)
                {
                    problems.push(format!(
                        "{}:{}: `cargo run -p grader -- {named}`: no exercise (or grader \
                         command) is called `{named}`",
                        shown(file, root),
                        n + 1
                    ));
                }
            }
        }
    }
    problems
}

fn assert_none(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The chapters, and the README, which links into them.
fn documents() -> Vec<PathBuf> {
    let mut files = markdown_files(&repo().join("book/src"));
    files.push(repo().join("README.md"));
    files
}

#[test]
fn the_summary_lists_every_chapter_and_only_existing_ones() {
    assert_none(summary_problems(&repo().join("book/src"), &repo()));
}

#[test]
fn every_link_and_image_leads_to_an_existing_file_and_heading() {
    let src = repo().join("book/src");
    let (mut problems, used) = link_problems(&documents(), &repo(), Some(&src));
    problems.extend(unused_images(&src, &used, &repo()));
    assert_none(problems);
}

#[test]
fn exercises_checks_and_paths_named_in_the_book_exist() {
    let names = Names::of_this_course();
    assert!(
        names.subcommands.contains("batch"),
        "{:?}",
        names.subcommands
    );
    assert_none(name_problems(&documents(), &repo(), &names));
}

#[test]
fn these_checks_catch_a_broken_book() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let src = root.join("book/src");
    std::fs::create_dir_all(src.join("img")).unwrap();
    std::fs::create_dir_all(root.join("grader/checks/01-hello")).unwrap();
    std::fs::write(root.join("README.md"), "# Read me\n").unwrap();
    let write = |name: &str, text: &str| std::fs::write(src.join(name), text).unwrap();
    write(
        "SUMMARY.md",
        "# Summary\n\n- [One](one.md)\n- [Gone](gone.md)\n",
    );
    write("two.md", "# Two\n");
    write(
        "one.md",
        "# One\n\n## Step 1: greet\n\n\
         See [here](#step-1-greet), [there](#step-2), [two](two.md#nowhere),\n\
         [out](../../README.md), ![a picture](img/broken.svg) and ![gone](img/missing.svg).\n\n\
         Checks: `greet::says_hello`, `greet::greet_all`, `greet::says_goodbye`, `std::thread`.\n\
         Folders: `01-hello`, `02-bye`, `grader/checks/01-hello`, `grader/checks/01-hello/x.rs`.\n\
         Sections: `one.md#step-1-greet`, `two.md#step-1-greet`.\n\
         Run `cargo run -p grader -- --format json hello` in `grader/checks/`.\n\n\
         ```sh\ncargo run -p grader -- hello\ncargo run -p grader -- --format json bye\n\
         cargo run -p grader -- batch DIR\ncargo test -p grader --test book\n```\n",
    );
    write(
        "img/broken.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>x</title>",
    );
    write(
        "img/unused.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><title>x</title></svg>",
    );
    let names = Names {
        exercises: ["hello", "01-hello", "1"].map(str::to_owned).into(),
        dirs: ["01-hello".to_owned()].into(),
        subcommands: ["batch".to_owned()].into(),
        steps: [(
            "greet".to_owned(),
            Step {
                checks: ["says_hello".to_owned()].into(),
                items: ["greet_all".to_owned()].into(),
            },
        )]
        .into(),
    };

    let files = markdown_files(&src);
    let mut problems = summary_problems(&src, root);
    let (links, used) = link_problems(&files, root, Some(&src));
    problems.extend(links);
    problems.extend(unused_images(&src, &used, root));
    problems.extend(name_problems(&files, root, &names));

    let expected = [
        "SUMMARY.md:4: the chapter `gone.md` does not exist",
        "book/src/two.md is not in SUMMARY.md",
        "book/src/one.md:5: `#step-2`: no heading with the id `step-2`",
        "book/src/one.md:5: `two.md#nowhere`: no heading with the id `nowhere`",
        "book/src/one.md:6: `../../README.md` leads out of",
        "book/src/one.md:6: book/src/img/broken.svg: not well-formed XML",
        "book/src/one.md:6: `img/missing.svg`: no such file",
        "book/src/img/unused.svg: no chapter shows this image",
        "book/src/one.md:8: `greet::says_goodbye`: the step `greet` has no check `says_goodbye`",
        "book/src/one.md:9: `02-bye`: no exercise has the folder `02-bye`",
        "book/src/one.md:9: `grader/checks/01-hello/x.rs`: no such file",
        "book/src/one.md:10: `two.md#step-1-greet`: no heading with the id `step-1-greet`",
        "book/src/one.md:15: `cargo run -p grader -- bye`: no exercise",
    ];
    for wanted in expected {
        assert!(
            problems.iter().any(|p| p.contains(wanted)),
            "not reported: {wanted}\nreported:\n{}",
            problems.join("\n")
        );
    }
    assert_eq!(
        problems.len(),
        expected.len(),
        "reported more than expected:\n{}",
        problems.join("\n")
    );
}
#[test]
fn heading_ids_follow_mdbook() {
    let chapter = "# Title\n\n## Step 1: `block_on`, and *more*\n\n```sh\n# a comment\n```\n\
                   ## Why [`Pin`](https://x) helps\n## Repeat\n### Repeat ###\n## Custom {#mine}\n";
    assert_eq!(
        heading_ids(chapter),
        [
            "title",
            "step-1-block_on-and-more",
            "why-pin-helps",
            "repeat",
            "repeat-1",
            "mine"
        ]
    );
}

#[test]
fn links_and_code_spans_are_found_outside_code_blocks() {
    let text = "See [the `x` part](a.md#b) and ![pic](img/p.svg \"title\").\n\
                ```text\n[not](a link) `nor code`\n```\n\
                A span `over\ntwo lines`, an [id link](#here), <img src=\"img/q.svg\">.\n\
                [ref]: https://example.com\n";
    let (links, code) = inline(text);
    let targets: Vec<(usize, bool, &str)> = links
        .iter()
        .map(|l| (l.line, l.image, l.target.as_str()))
        .collect();
    assert_eq!(
        targets,
        [
            (7, false, "https://example.com"),
            (1, false, "a.md#b"),
            (1, true, "img/p.svg"),
            (6, false, "#here"),
            (6, true, "img/q.svg"),
        ]
    );
    let spans: Vec<(usize, &str)> = code.iter().map(|c| (c.line, c.text.as_str())).collect();
    assert_eq!(spans, [(1, "x"), (5, "over two lines")]);
}
