//! What a compiled check program does outside the checks' own calls: the functions it runs
//! before and after `main`, the symbols it defines in place of the C library's, and how
//! often it names the record channel. Read from the ELF file, so no spelling in the source
//! hides it.

use crate::sandbox::FDS_VAR;
use object::{
    Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, RelocationFlags, RelocationTarget, elf,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Sections whose functions the loader or the C runtime calls on its own.
pub(super) const HOOK_SECTIONS: &[(&str, &str)] = &[
    (".preinit_array", "before main"),
    (".init_array", "before main"),
    (".ctors", "before main"),
    (".fini_array", "after main"),
    (".dtors", "after main"),
];
/// Code sections run around `main` as a whole; compared by size.
const CODE_HOOK_SECTIONS: &[&str] = &[".init", ".fini"];

/// The name under which the grader hands a check its record pipes (`testkit::record`).
const CHANNEL_NAME: &[u8] = FDS_VAR.as_bytes();

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The functions each hook section lists, by name (an address when it has none).
    pub hooks: BTreeMap<&'static str, Vec<String>>,
    /// The sizes of `.init` and `.fini`.
    pub code_hooks: BTreeMap<&'static str, u64>,
    /// Resolver functions the loader runs while relocating (GNU indirect functions).
    pub resolvers: Vec<String>,
    /// Global symbols the program defines. (A hidden definition is local in the output,
    /// yet satisfies the program's own references: see [`interposed`].)
    pub defined: BTreeSet<String>,
    /// Symbols it takes from shared libraries.
    pub imported: BTreeSet<String>,
    /// The shared libraries it asks the loader for.
    pub needed: BTreeSet<String>,
    /// The program interpreter (the loader) it names.
    pub interpreter: Vec<u8>,
    /// Whether it allocates with std's default allocator; a `#[global_allocator]` of the
    /// graded code runs before `main`, since the test harness allocates before any check.
    pub default_allocator: bool,
    /// Times the record channel's variable name occurs in the file.
    pub channel_mentions: usize,
}

impl Fingerprint {
    pub fn of(path: &Path) -> Result<Fingerprint, String> {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = object::File::parse(&*data)
            .map_err(|e| format!("{} is not an object file: {e}", path.display()))?;
        let names = function_names(&file);
        let name_at = |address: u64| {
            names
                .get(&address)
                .cloned()
                .unwrap_or_else(|| format!("the code at {address:#x}"))
        };
        let relocated = relocations(&file);
        let mut hooks = BTreeMap::new();
        for (section_name, _) in HOOK_SECTIONS {
            let Some(section) = file.section_by_name(section_name) else {
                continue;
            };
            let bytes = section.data().unwrap_or_default();
            let entries = bytes
                .chunks_exact(8)
                .enumerate()
                .filter_map(|(i, chunk)| {
                    let stored = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                    let slot = section.address() + 8 * i as u64;
                    if let Some(symbol) = relocated.symbolic.get(&slot) {
                        return Some(symbol.clone());
                    }
                    let address = relocated.relative.get(&slot).copied().unwrap_or(stored);
                    // Empty slots and the -1 sentinels of `.ctors` call nothing.
                    (address != 0 && address != u64::MAX).then(|| name_at(address))
                })
                .collect::<Vec<_>>();
            hooks.insert(*section_name, entries);
        }
        let code_hooks = CODE_HOOK_SECTIONS
            .iter()
            .filter_map(|name| Some((*name, file.section_by_name(name)?.size())))
            .collect();
        let resolvers = relocated.resolvers.iter().map(|a| name_at(*a)).collect();
        let defined = file
            .symbols()
            .filter(|s| s.is_definition() && s.is_global())
            .filter_map(|s| s.name().ok().map(unversioned))
            .collect();
        let default_allocator = file
            .symbols()
            .filter_map(|s| s.name().ok())
            .any(|name| name.contains("__rdl_alloc"));
        let imported = file
            .dynamic_symbols()
            .filter(|s| s.is_undefined())
            .filter_map(|s| s.name().ok().map(unversioned))
            .collect();
        let interpreter = file
            .section_by_name(".interp")
            .and_then(|s| s.data().ok())
            .unwrap_or_default()
            .to_vec();
        Ok(Fingerprint {
            hooks,
            code_hooks,
            resolvers,
            default_allocator,
            defined,
            imported,
            needed: needed_libraries(&file),
            interpreter,
            channel_mentions: count(&data, CHANNEL_NAME),
        })
    }
}

/// The `DT_NEEDED` entries of the dynamic section: names in `.dynstr`.
fn needed_libraries(file: &object::File) -> BTreeSet<String> {
    let (Some(dynamic), Some(strings)) = (
        file.section_by_name(".dynamic").and_then(|s| s.data().ok()),
        file.section_by_name(".dynstr").and_then(|s| s.data().ok()),
    ) else {
        return BTreeSet::new();
    };
    dynamic
        .chunks_exact(16)
        .map(|entry| {
            let word = |at: usize| u64::from_le_bytes(entry[at..at + 8].try_into().expect("8"));
            (word(0), word(8))
        })
        .filter(|(tag, _)| *tag == u64::from(elf::DT_NEEDED))
        .filter_map(|(_, offset)| {
            let rest = strings.get(usize::try_from(offset).ok()?..)?;
            let end = rest.iter().position(|b| *b == 0)?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        })
        .collect()
}

/// `write@GLIBC_2.2.5` → `write`.
fn unversioned(name: &str) -> String {
    name.split('@').next().unwrap_or(name).to_owned()
}

/// Function symbols by address, demangled without their hashes.
fn function_names(file: &object::File) -> HashMap<u64, String> {
    file.symbols()
        .chain(file.dynamic_symbols())
        .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
        .filter_map(|s| {
            let name = s.name().ok()?;
            Some((s.address(), format!("{:#}", rustc_demangle::demangle(name))))
        })
        .collect()
}

struct Relocated {
    /// Slot address → the address a relative relocation stores there.
    relative: HashMap<u64, u64>,
    /// Slot address → the symbol whose address a relocation stores there.
    symbolic: HashMap<u64, String>,
    /// Addresses of the resolvers of indirect functions.
    resolvers: Vec<u64>,
}

fn relocations(file: &object::File) -> Relocated {
    let mut relocated = Relocated {
        relative: HashMap::new(),
        symbolic: HashMap::new(),
        resolvers: Vec::new(),
    };
    // Dynamic relocations name symbols of the dynamic symbol table.
    let symbol_name = |index| {
        let symbol = file.dynamic_symbol_table()?.symbol_by_index(index).ok()?;
        Some(unversioned(symbol.name().ok()?))
    };
    for (offset, relocation) in file.dynamic_relocations().into_iter().flatten() {
        let RelocationFlags::Elf { r_type } = relocation.flags() else {
            continue;
        };
        let target = relocation.addend() as u64;
        match (r_type, relocation.target()) {
            (elf::R_X86_64_RELATIVE | elf::R_AARCH64_RELATIVE, _) => {
                relocated.relative.insert(offset, target);
            }
            (elf::R_X86_64_IRELATIVE | elf::R_AARCH64_IRELATIVE, _) => {
                relocated.resolvers.push(target)
            }
            (_, RelocationTarget::Symbol(index)) => {
                if let Some(name) = symbol_name(index) {
                    relocated.symbolic.insert(offset, name);
                }
            }
            _ => {}
        }
    }
    relocated
}

/// How often `needle` occurs in `haystack`: a whole compiled binary, tens of megabytes, so
/// with a searcher that stays fast in an unoptimized grader.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find_iter(haystack, needle).count()
}

/// What `graded` does that `reference` (the same checks built from the stubs) does not,
/// in words; empty when nothing. `library_names` are the symbols the C library and the
/// other shared libraries export.
/// `interposed` are the names found by [`interposed`].
pub fn differences(
    reference: &Fingerprint,
    graded: &Fingerprint,
    interposed: &[String],
) -> Vec<String> {
    let mut found = Vec::new();
    for (section, when) in HOOK_SECTIONS {
        let empty = Vec::new();
        let expected = reference.hooks.get(section).unwrap_or(&empty);
        for extra in extra_items(expected, graded.hooks.get(section).unwrap_or(&empty)) {
            found.push(format!(
                "section {section} of the compiled checks lists a function the stubs' build \
                 does not, run {when}: {extra}"
            ));
        }
    }
    for section in CODE_HOOK_SECTIONS {
        let expected = reference.code_hooks.get(section).copied().unwrap_or(0);
        let actual = graded.code_hooks.get(section).copied().unwrap_or(0);
        if actual > expected {
            found.push(format!(
                "section {section} of the compiled checks has {actual} bytes of code, the \
                 stubs' build {expected}: code was added to what runs around main"
            ));
        }
    }
    for extra in extra_items(&reference.resolvers, &graded.resolvers) {
        found.push(format!(
            "an indirect function whose resolver runs while the program is loaded: {extra}"
        ));
    }
    if reference.default_allocator && !graded.default_allocator {
        found.push(
            "the graded code sets a #[global_allocator]: the test harness allocates before \
             main calls any check, so its code runs before the checks"
                .to_owned(),
        );
    }
    for library in graded.needed.difference(&reference.needed) {
        found.push(format!(
            "the compiled checks ask the loader for a shared library the stubs' build does \
             not: {library} (its constructors run before main)"
        ));
    }
    if graded.interpreter != reference.interpreter {
        found.push(format!(
            "the compiled checks name another program loader: {:?}, the stubs' build {:?}",
            String::from_utf8_lossy(&graded.interpreter).trim_end_matches('\0'),
            String::from_utf8_lossy(&reference.interpreter).trim_end_matches('\0')
        ));
    }
    for name in interposed {
        found.push(format!(
            "symbol {name} is defined by the graded code, replacing the C library's (or \
             another shared library's) symbol of that name"
        ));
    }
    if graded.channel_mentions > reference.channel_mentions {
        found.push(format!(
            "the compiled checks name the grader's record channel ({}) {} times, the stubs' \
             build {}",
            String::from_utf8_lossy(CHANNEL_NAME),
            graded.channel_mentions,
            reference.channel_mentions
        ));
    }
    found
}

/// Symbols `graded` defines that `reference` takes from a shared library, or that one of
/// `library_names` exports.
pub fn interposed(
    reference: &Fingerprint,
    graded: &Fingerprint,
    library_names: &BTreeSet<String>,
) -> Vec<String> {
    // A name the stubs' build leaves to a library that the graded build no longer imports
    // is resolved inside the program now, whatever the symbol's binding.
    let resolved_inside = reference.imported.difference(&graded.imported);
    let defined_anew = graded
        .defined
        .difference(&reference.defined)
        .filter(|name| reference.imported.contains(*name) || library_names.contains(*name));
    resolved_inside
        .chain(defined_anew)
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The items of `graded` beyond those of `reference`, counting repeats.
fn extra_items(reference: &[String], graded: &[String]) -> Vec<String> {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for item in reference {
        *left.entry(item.as_str()).or_default() += 1;
    }
    graded
        .iter()
        .filter(|item| match left.get_mut(item.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// Every symbol exported by the shared libraries this process has loaded (the C library,
/// its loader, the unwinder): the names a check program could interpose.
pub fn library_exports() -> BTreeSet<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let libraries: BTreeSet<&str> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.starts_with('/') && path.contains(".so"))
        .collect();
    let mut names = BTreeSet::new();
    for library in libraries {
        let Ok(data) = std::fs::read(library) else {
            continue;
        };
        let Ok(file) = object::File::parse(&*data) else {
            continue;
        };
        names.extend(
            file.dynamic_symbols()
                .filter(|s| s.is_definition() && s.is_global())
                .filter_map(|s| s.name().ok().map(unversioned)),
        );
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_library_exports_what_a_forger_would_replace() {
        let names = library_exports();
        for name in ["write", "read", "exit", "_exit", "getenv", "pthread_create"] {
            assert!(
                names.contains(name),
                "{name} not found among {} names",
                names.len()
            );
        }
    }

    #[test]
    fn this_program_runs_functions_before_main_and_imports_write() {
        let me = Fingerprint::of(&std::env::current_exe().unwrap()).unwrap();
        assert!(!me.hooks[".init_array"].is_empty(), "{:?}", me.hooks);
        assert!(me.imported.contains("write"), "{:?}", me.imported);
    }

    #[test]
    fn only_what_the_graded_program_adds_is_reported() {
        let reference = Fingerprint {
            hooks: [(
                ".init_array",
                vec!["frame_dummy".to_owned(), "std_init".to_owned()],
            )]
            .into(),
            imported: ["write".to_owned()].into(),
            defined: ["main".to_owned()].into(),
            channel_mentions: 1,
            ..Fingerprint::default()
        };
        let unchanged = interposed(&reference, &reference, &BTreeSet::new());
        assert!(differences(&reference, &reference, &unchanged).is_empty());
        let mut graded = reference.clone();
        graded
            .hooks
            .get_mut(".init_array")
            .unwrap()
            .push("threads::forge".into());
        graded.defined.insert("write".into());
        graded.defined.insert("exit".into());
        graded.defined.insert("switch_to".into());
        graded.channel_mentions = 2;
        let replaced = interposed(&reference, &graded, &["exit".to_owned()].into());
        let found = differences(&reference, &graded, &replaced);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].contains(".init_array") && found[0].contains("threads::forge"));
        assert!(found.iter().any(|f| f.contains("symbol exit ")));
        assert!(found.iter().any(|f| f.contains("symbol write ")));
        assert!(!found.iter().any(|f| f.contains("switch_to")));
    }
}
