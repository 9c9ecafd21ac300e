//! Lines of graded sources that aim at the grader rather than at the exercise: placing code
//! in the sections run before or after `main`, or naming the record channel. The compiled
//! program is compared too ([`super::elf`]); this scan adds the file and line.

use super::elf::HOOK_SECTIONS;
use std::path::Path;

/// The prefix of the grader's variables, among them the record channel's.
const GRADER_VARIABLES: &str = "GRADER_";
/// Attributes that give a function a name of the programmer's choosing, as interposing a
/// library function needs.
const NAMING_ATTRIBUTES: &[&str] = &["no_mangle", "export_name"];

/// Suspicious lines under `src`, as `path:line: what`, paths shown from `shown_as`.
/// `interposed` are symbol names the compiled program was found to replace; lines that
/// name them next to a naming attribute are reported too.
pub fn scan(src: &Path, shown_as: &str, interposed: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let files = walkdir::WalkDir::new(src)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"));
    for entry in files {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
        let mut naming_attribute_above = false;
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let at = format!("{shown_as}/{}:{}", rel.display(), number + 1);
            if let Some((section, _)) = HOOK_SECTIONS
                .iter()
                .find(|(s, _)| mentions_section(code, s))
            {
                found.push(format!(
                    "{at}: names section {section}, whose functions run outside any check"
                ));
            }
            if code.contains(GRADER_VARIABLES) {
                found.push(format!(
                    "{at}: names the grader's own variables ({GRADER_VARIABLES}...)"
                ));
            }
            let names_attribute = NAMING_ATTRIBUTES.iter().any(|a| code.contains(a));
            if (names_attribute || naming_attribute_above)
                && let Some(name) = interposed.iter().find(|n| names_symbol(code, n))
            {
                found.push(format!("{at}: defines {name}, a function of the C library"));
            }
            // The attribute usually sits on the line above the function it names.
            naming_attribute_above = names_attribute && !code.contains("fn ");
        }
    }
    found
}

/// Whether `code` names `section` as a whole word (`.init_array`, `.init_array.00100`).
fn mentions_section(code: &str, section: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(section).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + section.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Whether `code` declares or names the symbol `name` (`fn write(`, `"write"`).
fn names_symbol(code: &str, name: &str) -> bool {
    code.contains(&format!("fn {name}(")) || code.contains(&format!("\"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(text: &str, interposed: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pool")).unwrap();
        std::fs::write(dir.path().join("pool/mod.rs"), text).unwrap();
        let interposed: Vec<String> = interposed.iter().map(|s| s.to_string()).collect();
        scan(dir.path(), "exercises/01-threads/src", &interposed)
    }

    #[test]
    fn constructors_and_the_record_channel_are_found_with_file_and_line() {
        let found = scanned(
            "fn a() {}\n#[used]\n#[unsafe(link_section = \".init_array.00100\")]\n\
             static F: extern \"C\" fn() = forge;\nconst V: &str = \"GRADER_RECORD_FDS\";\n",
            &[],
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0]
                .starts_with("exercises/01-threads/src/pool/mod.rs:3: names section .init_array")
        );
        assert!(found[1].starts_with("exercises/01-threads/src/pool/mod.rs:5: names the grader"));
    }

    #[test]
    fn interposing_functions_are_found_only_when_the_program_replaced_them() {
        let text = "#[unsafe(no_mangle)]\npub extern \"C\" fn write() {}\n\
                    #[unsafe(export_name = \"exit\")]\nfn leave() {}\n";
        assert!(scanned(text, &[]).is_empty());
        let found = scanned(text, &["write", "exit"]);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("mod.rs:2: defines write"));
        assert!(found[1].contains("mod.rs:3: defines exit"));
    }

    #[test]
    fn the_course_s_own_unsafe_code_is_not_suspicious() {
        let text = "// .init_array in a comment, GRADER_ too\n#[unsafe(naked)]\n\
                    unsafe extern \"C\" fn switch() { core::arch::naked_asm!(\"ret\") }\n\
                    fn f(x: &X) { x.init_arrays(); x.ctors.push(1); }\n";
        assert!(scanned(text, &["write"]).is_empty());
    }
}
