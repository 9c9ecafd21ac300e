//! Every clause of a stub's contract is exercised by a check.
//!
//! A clause is what the stub's doc comments promise about an item: each bullet, each other
//! paragraph, and each section such as `# Panics`; paragraphs that start with "Hint" are
//! advice, not contract. `grader/contracts.toml` maps every clause of the exercises it
//! covers to the checks that exercise it, or says why the compiler enforces it instead. A
//! clause added without a mapping, a mapping whose clause is gone, and a mapping to a check
//! that does not exist all fail this test.

mod common;

use common::{course, listed_checks, repo};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Contracts {
    /// The exercises whose clauses are all mapped.
    exercises: Vec<String>,
    #[serde(rename = "clause")]
    clauses: Vec<Mapping>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    exercise: String,
    /// `file.rs: Item` or `file.rs: Type::method`.
    item: String,
    clause: String,
    #[serde(default)]
    checks: Vec<String>,
    /// Why no check is needed: the compiler enforces the clause.
    #[serde(default)]
    compiler: Option<String>,
}

/// One clause of a stub: the exercise, the item, and the clause's text on one line.
type Clause = (String, String, String);

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The clauses of one item's doc comment.
fn clauses_of(doc: &str) -> Vec<String> {
    let mut clauses = Vec::new();
    let mut section: Option<String> = None;
    let mut current = String::new();
    let mut in_code = false;
    let flush = |current: &mut String, section: &Option<String>, clauses: &mut Vec<String>| {
        let text = one_line(current);
        current.clear();
        if text.is_empty() || text.starts_with("Hint") {
            return;
        }
        clauses.push(match section {
            Some(heading) => format!("{heading}: {text}"),
            None => text,
        });
    };
    for line in doc.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(heading) = line.strip_prefix("# ") {
            flush(&mut current, &section, &mut clauses);
            section = Some(heading.trim().to_owned());
        } else if line.trim().is_empty() {
            flush(&mut current, &section, &mut clauses);
        } else if let Some(bullet) = line.strip_prefix("- ") {
            flush(&mut current, &section, &mut clauses);
            current.push_str(bullet);
        } else {
            current.push(' ');
            current.push_str(line);
        }
    }
    flush(&mut current, &section, &mut clauses);
    clauses
}

fn doc_of(attrs: &[syn::Attribute]) -> String {
    let mut doc = String::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &nv.value
        {
            doc.push_str(&text.value());
            doc.push('\n');
        }
    }
    doc
}

fn is_public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Every documented public item of a source file, with its doc comment.
fn documented_items(file: &syn::File) -> Vec<(String, String)> {
    let mut items = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Fn(f) if is_public(&f.vis) => {
                items.push((f.sig.ident.to_string(), doc_of(&f.attrs)));
            }
            syn::Item::Struct(s) if is_public(&s.vis) => {
                items.push((s.ident.to_string(), doc_of(&s.attrs)));
                for field in s.fields.iter().filter(|f| is_public(&f.vis)) {
                    if let Some(name) = &field.ident {
                        items.push((format!("{}::{name}", s.ident), doc_of(&field.attrs)));
                    }
                }
            }
            syn::Item::Enum(e) if is_public(&e.vis) => {
                items.push((e.ident.to_string(), doc_of(&e.attrs)));
                for variant in &e.variants {
                    items.push((
                        format!("{}::{}", e.ident, variant.ident),
                        doc_of(&variant.attrs),
                    ));
                }
            }
            syn::Item::Type(t) if is_public(&t.vis) => {
                items.push((t.ident.to_string(), doc_of(&t.attrs)));
            }
            syn::Item::Trait(t) if is_public(&t.vis) => {
                items.push((t.ident.to_string(), doc_of(&t.attrs)));
                for inner in &t.items {
                    if let syn::TraitItem::Fn(f) = inner {
                        items.push((format!("{}::{}", t.ident, f.sig.ident), doc_of(&f.attrs)));
                    }
                }
            }
            syn::Item::Impl(block) => {
                let syn::Type::Path(path) = &*block.self_ty else {
                    continue;
                };
                let Some(ty) = path.path.segments.last() else {
                    continue;
                };
                for inner in &block.items {
                    if let syn::ImplItem::Fn(f) = inner
                        && (is_public(&f.vis) || block.trait_.is_some())
                    {
                        items.push((format!("{}::{}", ty.ident, f.sig.ident), doc_of(&f.attrs)));
                    }
                }
            }
            _ => {}
        }
    }
    items
}

/// Every clause of the stubs of `exercise`, whose crate is `exercises/<dir>`.
fn stub_clauses(exercise: &str, dir: &str) -> Vec<Clause> {
    let src = repo().join("exercises").join(dir).join("src");
    let mut found = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (item, doc) in documented_items(&file) {
            for clause in clauses_of(&doc) {
                found.push((exercise.to_owned(), format!("{name}: {item}"), clause));
            }
        }
    }
    found
}

fn contracts() -> Contracts {
    let path = repo().join("grader/contracts.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_clause_of_the_covered_stubs_has_its_checks() {
    let contracts = contracts();
    let course = course();
    let exercises = course["exercise"].as_array().unwrap();
    let mut clauses = Vec::new();
    let mut checks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in &contracts.exercises {
        let ex = exercises
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("contracts.toml covers {name}, which course.toml lacks"));
        clauses.extend(stub_clauses(name, ex["dir"].as_str().unwrap()));
        checks.insert(name.clone(), listed_checks(ex));
    }
    let mapped: BTreeMap<Clause, &Mapping> = contracts
        .clauses
        .iter()
        .map(|m| ((m.exercise.clone(), m.item.clone(), one_line(&m.clause)), m))
        .collect();
    assert_eq!(
        mapped.len(),
        contracts.clauses.len(),
        "a clause is mapped twice"
    );
    let mut problems = Vec::new();
    for clause in &clauses {
        if !mapped.contains_key(clause) {
            let (exercise, item, text) = clause;
            problems.push(format!(
                "unmapped clause; add to grader/contracts.toml:\n[[clause]]\nexercise = {exercise:?}\n\
                 item = {item:?}\nclause = {text:?}\nchecks = []\n"
            ));
        }
    }
    let present: BTreeSet<&Clause> = clauses.iter().collect();
    for (key, mapping) in &mapped {
        if !present.contains(key) {
            problems.push(format!(
                "{} / {}: the stub no longer says {:?}; update or remove the mapping",
                key.0, key.1, key.2
            ));
            continue;
        }
        match (&mapping.compiler, mapping.checks.is_empty()) {
            (Some(_), false) => problems.push(format!(
                "{} / {}: give checks or a compiler reason, not both",
                key.0, key.1
            )),
            (None, true) => problems.push(format!(
                "{} / {}: no check exercises {:?}",
                key.0, key.1, key.2
            )),
            _ => {}
        }
        for check in &mapping.checks {
            if !checks[&key.0].contains(check) {
                problems.push(format!(
                    "{} / {}: no check {check} in course.toml",
                    key.0, key.1
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn clauses_are_bullets_paragraphs_and_sections_but_not_hints() {
    let doc = " Runs it.\n\n - First clause,\n   continued.\n - Second.\n\n Hint: advice.\n\n # Panics\n When empty.\n\n ```\n let x = 1;\n ```\n";
    assert_eq!(
        clauses_of(doc),
        [
            "Runs it.",
            "First clause, continued.",
            "Second.",
            "Panics: When empty."
        ]
    );
    assert!(Path::new(&repo().join("grader/contracts.toml")).is_file());
}
