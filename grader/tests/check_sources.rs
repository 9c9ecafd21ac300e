//! What the grader reads out of the checks' sources holds: the checks write
//! `assert_eq!(got, expected)`, so the report can say which value was found, and every
//! cause a check names is one its exercise declares.

mod common;

use common::{course, repo};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn check_files(dir: &str) -> Vec<PathBuf> {
    let folder = repo().join("grader/checks").join(dir).join("tests/checks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

fn tokens(path: &Path) -> TokenStream {
    let text = std::fs::read_to_string(path).unwrap();
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

/// Calls `found(macro name, its arguments)` for every `name!(...)` in `stream`, however
/// deep inside other macros (the checks are written inside `check! { ... }`).
fn macro_calls(stream: TokenStream, found: &mut impl FnMut(&str, TokenStream)) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => {
                let name = match (i.checked_sub(2).map(|n| &trees[n..i]), group.delimiter()) {
                    (
                        Some([TokenTree::Ident(name), TokenTree::Punct(bang)]),
                        Delimiter::Parenthesis,
                    ) if bang.as_char() == '!' => Some(name.to_string()),
                    _ => None,
                };
                if let Some(name) = name {
                    found(&name, group.stream());
                }
                macro_calls(group.stream(), found);
            }
            _ => continue,
        }
    }
}

/// The arguments of a macro call, split at its top-level commas.
fn arguments(stream: TokenStream) -> Vec<TokenStream> {
    let mut args = vec![TokenStream::new()];
    let mut depth = 0usize;
    for tree in stream {
        if let TokenTree::Punct(p) = &tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    args.push(TokenStream::new());
                    continue;
                }
                _ => {}
            }
        }
        args.last_mut().unwrap().extend([tree]);
    }
    args
}

/// An expression whose value is written out in the source: what a check expects, never
/// what it found.
fn is_written_out(expr: &syn::Expr) -> bool {
    use syn::Expr;
    match expr {
        Expr::Lit(_) => true,
        Expr::Array(a) => a.elems.iter().all(is_written_out),
        Expr::Tuple(t) => t.elems.iter().all(is_written_out),
        Expr::Reference(r) => is_written_out(&r.expr),
        Expr::Unary(u) => is_written_out(&u.expr),
        // A constructor (`Some(3)`, `Token(5)`) of written-out values.
        Expr::Call(call) => {
            let constructor = match &*call.func {
                Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                    s.ident
                        .to_string()
                        .starts_with(|c: char| c.is_ascii_uppercase())
                }),
                _ => false,
            };
            constructor && call.args.iter().all(is_written_out)
        }
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                || ["expected", "want", "wanted"].contains(&name.as_str())
        }),
        _ => false,
    }
}

/// Every `assert_eq!`/`assert_ne!` of `stream` whose first argument is written out.
fn reversed_assertions(stream: TokenStream) -> Vec<String> {
    let mut found = Vec::new();
    macro_calls(stream, &mut |name, args| {
        if name != "assert_eq" && name != "assert_ne" {
            return;
        }
        let first = arguments(args).remove(0);
        if let Ok(expr) = syn::parse2::<syn::Expr>(first.clone())
            && is_written_out(&expr)
        {
            found.push(format!("{name}!({first}, ...)"));
        }
    });
    found
}

#[test]
fn checks_assert_what_they_got_before_what_they_expected() {
    let (mut wrong, mut scanned) = (Vec::new(), 0);
    for exercise in course()["exercise"].as_array().unwrap() {
        for file in check_files(exercise["dir"].as_str().unwrap()) {
            macro_calls(tokens(&file), &mut |name, _| {
                scanned += usize::from(name == "assert_eq" || name == "assert_ne");
            });
            for call in reversed_assertions(tokens(&file)) {
                wrong.push(format!("{}: {call}", file.display()));
            }
        }
    }
    assert!(
        scanned > 100,
        "only {scanned} assertions found: is the scan blind?"
    );
    assert!(
        wrong.is_empty(),
        "the report shows an assertion's first value as `got` and its second as \
         `expected`; these give the expectation first:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_sees_an_expectation_given_first_inside_a_check() {
    let source: TokenStream = r#"
        check! {
            fn a() {
                assert_eq!(count(), 3, "fine");
                assert_eq!(seen(&events), [readable(5)]);
                assert_eq!(3, count(), "reversed");
                assert_ne!([Token(1)], tokens);
                assert_eq!(expected, got);
            }
        }
    "#
    .parse()
    .unwrap();
    let found = reversed_assertions(source);
    assert_eq!(found.len(), 3, "{found:?}");
}

/// The causes `fail_because!` names in `stream`.
fn named_causes(stream: TokenStream) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    macro_calls(stream, &mut |name, args| {
        if name == "fail_because"
            && let Ok(syn::Lit::Str(cause)) = syn::parse2::<syn::Lit>(arguments(args).remove(0))
        {
            found.insert(cause.value());
        }
    });
    found
}

#[test]
fn every_cause_a_check_names_is_declared_by_its_exercise_and_used() {
    for exercise in course()["exercise"].as_array().unwrap() {
        let dir = exercise["dir"].as_str().unwrap();
        let named: BTreeSet<String> = check_files(dir)
            .iter()
            .flat_map(|file| named_causes(tokens(file)))
            .collect();
        let declared: BTreeSet<String> = exercise
            .get("cause")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            named, declared,
            "{dir}: the causes its checks name (fail_because!) and the causes course.toml \
             declares ([[exercise.cause]]) must be the same"
        );
    }
    let source: TokenStream =
        r#"check! { fn a() { testkit::fail_because!("wrong-token", "{x}"); } }"#
            .parse()
            .unwrap();
    assert_eq!(
        named_causes(source),
        BTreeSet::from(["wrong-token".to_owned()])
    );
}
