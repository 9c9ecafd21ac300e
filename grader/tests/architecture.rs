//! The grader's source keeps the shape `lib.rs` describes: a library in layers whose
//! imports only point down, commands that never use each other, a sandbox on std and libc
//! alone, and no cycle between modules.
//!
//! Every `crate::`, `super::`, `self::` and child-module path is resolved to the module it
//! names, in `use` declarations, in code and inside macro calls (`format!` arguments
//! included). The checker runs on the real tree, and on small trees made to break each
//! rule, so that it is seen to fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Each layer and the layers it may use. `error` and `files` sit under every layer and
/// use none.
const LAYERS: &[(&str, &[&str])] = &[
    ("cli", &["commands", "course"]),
    (
        "commands",
        &["grading", "report", "ui", "workspace", "course", "sandbox"],
    ),
    (
        "grading",
        &["sandbox", "workspace", "course", "report", "ui"],
    ),
    ("report", &["ui"]),
    ("workspace", &["course"]),
    ("course", &[]),
    ("sandbox", &[]),
    ("ui", &[]),
    ("error", &[]),
    ("files", &[]),
];
const FOUNDATION: &[&str] = &["error", "files"];
/// The only external crate the sandbox may use besides std: between fork and exec nothing
/// may allocate, so it stays with plain system calls.
const SANDBOX_CRATES: &[&str] = &["libc"];

fn grader_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The grader's external crates, as paths name them (`fs-err` is `fs_err`).
fn dependencies() -> BTreeSet<String> {
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap(),
    )
    .unwrap();
    manifest["dependencies"]
        .as_table()
        .unwrap()
        .keys()
        .map(|name| name.replace('-', "_"))
        .collect()
}

/// A module: its path from the crate root (`["grading", "run"]`), empty for `lib.rs`.
type Module = Vec<String>;

/// What one file refers to: module paths resolved from the crate root, and the first
/// segments of other paths (which may be external crates).
#[derive(Default)]
struct Refs {
    internal: Vec<Vec<String>>,
    external: BTreeSet<String>,
}

/// Walks a file's syntax tree, resolving paths against the module they appear in.
struct Collector<'a> {
    /// The file's module, then inline modules (`mod tests { .. }`) it is inside.
    stack: Vec<String>,
    modules: &'a BTreeSet<Module>,
    /// Modules whose items a glob (`use super::*;`) brings into this file.
    globs: Vec<Module>,
    refs: Refs,
}

impl Collector<'_> {
    fn resolve(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else {
            return;
        };
        let mut base = self.stack.clone();
        let mut rest = segments;
        match first.as_str() {
            "crate" => {
                base.clear();
                rest = &segments[1..];
            }
            "self" => rest = &segments[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            _ => {
                let mut child = base.clone();
                child.push(first.clone());
                // A module named bare is a child of this one, or one a glob brought in.
                let through_glob = self.globs.iter().find_map(|glob| {
                    let mut named = glob.clone();
                    named.push(first.clone());
                    self.modules.contains(&named).then_some(glob.clone())
                });
                match through_glob {
                    _ if self.modules.contains(&child) => {}
                    Some(glob) => base = glob,
                    None => {
                        self.refs.external.insert(first.clone());
                        return;
                    }
                }
            }
        }
        base.extend(rest.iter().cloned());
        self.refs.internal.push(base);
    }

    /// Paths written inside a macro call, which syn leaves as tokens: every run of
    /// `ident :: ident :: ...`, with or without a leading `::`.
    fn scan(&mut self, tokens: proc_macro2::TokenStream) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            if let proc_macro2::TokenTree::Group(group) = &tokens[i] {
                self.scan(group.stream());
            }
            let mut path = Vec::new();
            let mut j = i;
            while let Some(proc_macro2::TokenTree::Ident(ident)) = tokens.get(j) {
                path.push(ident.to_string());
                let colons = matches!(
                    (tokens.get(j + 1), tokens.get(j + 2)),
                    (Some(proc_macro2::TokenTree::Punct(a)), Some(proc_macro2::TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                if !colons {
                    break;
                }
                j += 3;
            }
            if path.len() > 1 {
                self.resolve(&path);
                i = j;
            }
            i += 1;
        }
    }
}

/// The modules a file imports whole with `use path::*;`, resolved from the crate root
/// (only at the file's top level, where `use super::*;` is written).
fn glob_imports(file: &syn::File, module: &Module) -> Vec<Module> {
    let mut globs = Vec::new();
    for item in &file.items {
        let syn::Item::Use(item) = item else { continue };
        let mut paths = Vec::new();
        collect_globs(&item.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            let mut base = module.clone();
            let mut rest = path.as_slice();
            match rest.first().map(String::as_str) {
                Some("crate") => {
                    base.clear();
                    rest = &rest[1..];
                }
                Some("self") => rest = &rest[1..],
                _ => {}
            }
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            globs.push(base);
        }
    }
    globs
}

fn collect_globs(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_globs(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                collect_globs(item, prefix, out);
            }
        }
        syn::UseTree::Name(_) | syn::UseTree::Rename(_) => {}
    }
}

fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            if n.ident != "self" {
                path.push(n.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                use_paths(item, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.stack.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.stack.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut paths);
        if item.leading_colon.is_some() {
            self.refs
                .external
                .extend(paths.iter().filter_map(|p| p.first().cloned()));
            return;
        }
        for path in paths {
            self.resolve(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            // `::name::...` always names an external crate.
            self.refs.external.extend(segments.first().cloned());
        } else if segments.len() > 1 {
            self.resolve(&segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.scan(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Every `.rs` file of a source folder with the module it defines; `main.rs` is the
/// binary, not a module of the library.
fn files(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            if rel == Path::new("main.rs") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let mut module: Module = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            found.insert(module, path);
        }
    }
    found
}

/// The known module that `path` lies in: its longest prefix that is a module.
fn module_of<'a>(path: &[String], modules: &'a BTreeSet<Module>) -> Option<&'a Module> {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n].to_vec()))
}

fn layer(module: &Module) -> &str {
    module.first().map_or("lib", String::as_str)
}

/// Every rule the source folder `src` breaks, in words; empty when it keeps them all.
fn violations(src: &Path) -> Vec<String> {
    let files = files(src);
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let dependencies = dependencies();
    let commands: BTreeSet<&str> = modules
        .iter()
        .filter(|m| m.len() >= 2 && m[0] == "commands")
        .map(|m| m[1].as_str())
        .collect();
    let mut found = Vec::new();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in &files {
        let name = path.strip_prefix(src).unwrap().display().to_string();
        let from = layer(module);
        if !module.is_empty() && !allowed.contains_key(from) {
            found.push(format!(
                "{name}: `{from}` is no layer; put the module in a layer's folder, or add \
                 the layer to this test's table"
            ));
            continue;
        }
        let source = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut collector = Collector {
            stack: module.clone(),
            modules: &modules,
            globs: glob_imports(&file, module),
            refs: Refs::default(),
        };
        collector.visit_file(&file);
        for target in &collector.refs.internal {
            let Some(to_module) = module_of(target, &modules) else {
                continue;
            };
            if to_module == module {
                continue;
            }
            edges
                .entry(module.clone())
                .or_default()
                .insert(to_module.clone());
            let to = layer(to_module);
            // Every layer may use the foundation, except the foundation itself, and the
            // sandbox only the error type (walking folders is no business between fork
            // and exec).
            let foundation = FOUNDATION.contains(&to)
                && !FOUNDATION.contains(&from)
                && !(from == "sandbox" && to == "files");
            let permitted =
                from == to || foundation || allowed.get(from).is_some_and(|a| a.contains(&to));
            if !permitted {
                found.push(format!(
                    "{name}: layer `{from}` uses `{}`, in layer `{to}`, which it may not \
                     (it may use: {})",
                    target.join("::"),
                    allowed.get(from).map_or(String::new(), |a| a.join(", "))
                ));
            }
            let own_command = (from == "commands").then(|| module.get(1)).flatten();
            let other_command = (to == "commands").then(|| to_module.get(1)).flatten();
            if let (Some(own), Some(other)) = (own_command, other_command)
                && own != other
                && commands.contains(other.as_str())
            {
                found.push(format!(
                    "{name}: command `{own}` uses command `{other}` (`{}`); what two commands \
                     share belongs in a lower layer",
                    target.join("::")
                ));
            }
        }
        if module.is_empty() && file.items.iter().any(|i| !matches!(i, syn::Item::Mod(_))) {
            found.push(format!(
                "{name}: lib.rs only declares the layers; put code in a layer"
            ));
        }
        if module == &["commands".to_owned()] {
            for item in &file.items {
                if let syn::Item::Use(u) = item
                    && !matches!(u.vis, syn::Visibility::Inherited)
                {
                    found.push(format!(
                        "{name}: commands/mod.rs re-exports with `pub use`, which would let one \
                         command reach another unseen"
                    ));
                }
            }
        }
        if from == "sandbox" {
            for krate in collector.refs.external.intersection(&dependencies) {
                if !SANDBOX_CRATES.contains(&krate.as_str()) {
                    found.push(format!(
                        "{name}: the sandbox uses the crate `{krate}`; it keeps to std and \
                         libc"
                    ));
                }
            }
        }
    }
    found.extend(thin_binary(src));
    for cycle in cycles(&edges) {
        let names: Vec<String> = cycle.iter().map(display).collect();
        found.push(format!(
            "these modules use each other in a cycle: {}",
            names.join(" → ")
        ));
    }
    found
}

/// `main.rs` only hands over to `grader::cli::main`.
fn thin_binary(src: &Path) -> Vec<String> {
    struct Paths(Vec<String>);
    impl<'ast> Visit<'ast> for Paths {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let text: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.0.push(text.join("::"));
            syn::visit::visit_path(self, path);
        }
    }
    let Ok(source) = std::fs::read_to_string(src.join("main.rs")) else {
        return Vec::new();
    };
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("main.rs: {e}"));
    let mut problems = Vec::new();
    let functions = file
        .items
        .iter()
        .filter(|i| matches!(i, syn::Item::Fn(_)))
        .count();
    if functions != 1 || file.items.len() != 1 {
        problems.push("main.rs: holds more than `fn main`; put the code in the library".to_owned());
    }
    let mut paths = Paths(Vec::new());
    paths.visit_file(&file);
    for path in paths.0 {
        if path.starts_with("grader") && path != "grader::cli::main" {
            problems.push(format!(
                "main.rs: uses `{path}`; it only calls grader::cli::main"
            ));
        }
    }
    problems
}

fn display(module: &Module) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

/// One cycle through each group of modules that reach each other, as a path that returns
/// to its start.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let reaches = |from: &Module, to: &Module| -> Option<Vec<Module>> {
        // Breadth first, so the cycle shown is a shortest one.
        let mut came_from: BTreeMap<Module, Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from.clone()]);
        while let Some(at) = queue.pop_front() {
            for next in edges.get(&at).into_iter().flatten() {
                if came_from.contains_key(next) {
                    continue;
                }
                came_from.insert(next.clone(), at.clone());
                if next == to {
                    let mut path = vec![to.clone()];
                    let mut step = to.clone();
                    while &step != from || path.len() == 1 {
                        step = came_from[&step].clone();
                        path.push(step.clone());
                        if &step == from {
                            break;
                        }
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next.clone());
            }
        }
        None
    };
    let mut found: Vec<Vec<Module>> = Vec::new();
    let mut covered: BTreeSet<Module> = BTreeSet::new();
    for module in edges.keys() {
        if covered.contains(module) {
            continue;
        }
        if let Some(cycle) = reaches(module, module) {
            covered.extend(cycle.iter().cloned());
            found.push(cycle);
        }
    }
    found
}

#[test]
fn the_grader_keeps_its_layers_and_has_no_cycle() {
    let found = violations(&grader_src());
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn every_layer_has_its_folder() {
    for (layer, _) in LAYERS {
        let folder = grader_src().join(layer);
        let file = grader_src().join(format!("{layer}.rs"));
        assert!(
            folder.join("mod.rs").is_file() || file.is_file(),
            "no module for layer {layer}"
        );
    }
    let lib = std::fs::read_to_string(grader_src().join("lib.rs")).unwrap();
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    let layers: BTreeSet<&str> = LAYERS.iter().map(|(l, _)| *l).collect();
    assert_eq!(declared, layers, "lib.rs declares exactly the layers");
}

/// A source folder holding the given files, for the checker's own tests.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const LIB: &str = "pub mod commands; pub mod grading; pub mod report; pub mod sandbox; pub mod ui;";

#[test]
fn the_checker_sees_an_import_that_points_up() {
    let src = tree(&[
        ("lib.rs", LIB),
        ("report/mod.rs", "use crate::grading::grade;\n"),
        ("grading/mod.rs", "pub fn grade() {}\n"),
    ]);
    let found = violations(src.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("report/mod.rs: layer `report` uses `grading::grade`"),
        "{found:#?}"
    );
    let inside_a_macro = tree(&[
        ("lib.rs", LIB),
        (
            "ui/mod.rs",
            "pub fn f() -> String { format!(\"{}\", crate::report::NAME) }\n",
        ),
        ("report/mod.rs", "pub const NAME: &str = \"x\";\n"),
    ]);
    let found = violations(inside_a_macro.path());
    assert!(
        found
            .iter()
            .any(|f| f.contains("layer `ui` uses `report::NAME`")),
        "{found:#?}"
    );
}

#[test]
fn the_checker_sees_commands_using_each_other_cycles_and_crates_in_the_sandbox() {
    let src = tree(&[
        ("lib.rs", LIB),
        ("commands/mod.rs", "pub mod a; pub mod b;\n"),
        ("commands/a.rs", "use super::b::helper;\n"),
        ("commands/b.rs", "pub fn helper() {}\n"),
        ("grading/mod.rs", "mod x; mod y; use x::f;\n"),
        ("grading/x.rs", "pub fn f() { super::y::g() }\n"),
        ("grading/y.rs", "pub fn g() { super::x::f() }\n"),
        (
            "sandbox/mod.rs",
            "pub fn f() { let _ = fs_err::read(\"x\"); let _ = libc::getpid; }\n",
        ),
    ]);
    let found = violations(src.path());
    let joined = found.join("\n");
    assert!(joined.contains("command `a` uses command `b`"), "{joined}");
    assert!(
        joined.contains("in a cycle: grading::x → grading::y → grading::x")
            || joined.contains("in a cycle: grading::y → grading::x → grading::y"),
        "{joined}"
    );
    assert!(
        joined.contains("the sandbox uses the crate `fs_err`"),
        "{joined}"
    );
    assert!(!joined.contains("`libc`"), "{joined}");
    assert_eq!(found.len(), 3, "{joined}");
}

#[test]
fn the_checker_resolves_super_inside_inline_test_modules() {
    let src = tree(&[
        ("lib.rs", LIB),
        (
            "report/mod.rs",
            "pub struct R;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::ui::Style;\n}\n",
        ),
        ("ui/mod.rs", "pub struct Style;\n"),
    ]);
    assert_eq!(violations(src.path()), Vec::<String>::new());
}

#[test]
fn the_checker_sees_through_globs_leading_colons_and_macros() {
    let src = tree(&[
        ("lib.rs", LIB),
        ("commands/mod.rs", "pub mod a; pub mod b;\n"),
        (
            "commands/a.rs",
            "use super::*;\npub fn f() { b::helper() }\n",
        ),
        ("commands/b.rs", "pub fn helper() {}\n"),
        (
            "sandbox/mod.rs",
            "pub fn f() { let _ = ::fs_err::read(\"x\"); let _ = format!(\"{:?}\", walkdir::WalkDir::new(\"x\")); }\n",
        ),
    ]);
    let joined = violations(src.path()).join("\n");
    assert!(joined.contains("command `a` uses command `b`"), "{joined}");
    assert!(
        joined.contains("the sandbox uses the crate `fs_err`"),
        "{joined}"
    );
    assert!(
        joined.contains("the sandbox uses the crate `walkdir`"),
        "{joined}"
    );
}

#[test]
fn the_checker_keeps_the_foundation_lib_and_main_small() {
    let src = tree(&[
        (
            "lib.rs",
            "pub mod commands; pub mod error; pub mod files; pub mod sandbox;\nuse files::walk;\n",
        ),
        ("commands/mod.rs", "pub mod a;\npub use a::f;\n"),
        ("commands/a.rs", "pub fn f() {}\n"),
        ("error.rs", "use crate::files::walk;\n"),
        ("files.rs", "pub fn walk() {}\n"),
        ("sandbox/mod.rs", "use crate::files::walk;\n"),
        (
            "main.rs",
            "fn main() { grader::commands::a::f() }\nfn extra() {}\n",
        ),
    ]);
    let joined = violations(src.path()).join("\n");
    for expected in [
        "lib.rs only declares the layers",
        "commands/mod.rs re-exports with `pub use`",
        "error.rs: layer `error` uses `files::walk`",
        "sandbox/mod.rs: layer `sandbox` uses `files::walk`",
        "main.rs: holds more than `fn main`",
        "main.rs: uses `grader::commands::a::f`",
    ] {
        assert!(joined.contains(expected), "{expected:?} not in:\n{joined}");
    }
}
