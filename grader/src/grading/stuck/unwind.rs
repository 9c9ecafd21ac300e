//! Turning a snapshot's raw registers and stack bytes into function names.
//!
//! The unwinding follows the DWARF call frame information (`.eh_frame`) of each binary
//! mapped in the check, through `framehop`, which was made for unwinding another process
//! from copied stack memory. The names come from the binaries' symbol tables: the graded
//! code is built without optimization, so each of its functions keeps a symbol of its
//! own, which is all the explanation needs (no line numbers, no inlined frames).

use crate::sandbox::stacks::{Snapshot, ThreadState};
use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::{ExplicitModuleSectionInfo, Module, Unwinder};
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SymbolKind};
use std::collections::BTreeMap;
use std::ops::Range;

/// Frames beyond this depth say nothing more about where a thread was stuck.
const MAX_FRAMES: usize = 128;

/// One thread's functions.
pub struct NamedStack {
    pub main: bool,
    /// Innermost first; `None` where an address has no name.
    pub frames: Vec<Option<String>>,
}

/// The named stack of every thread in `snapshot`.
pub fn name_stacks(snapshot: &Snapshot) -> Vec<NamedStack> {
    let binaries = Binaries::load(&snapshot.maps);
    let mut unwinder = UnwinderX86_64::<Vec<u8>>::new();
    for binary in &binaries.0 {
        if let Some(module) = binary.module() {
            unwinder.add_module(module);
        }
    }
    let mut cache = CacheX86_64::<_>::new();
    snapshot
        .threads
        .iter()
        .map(|thread| NamedStack {
            main: thread.main,
            frames: addresses(thread, &unwinder, &mut cache)
                .into_iter()
                .map(|address| binaries.name(address))
                .collect(),
        })
        .collect()
}

/// The thread's code addresses, innermost first: its instruction pointer, then each
/// return address less one (inside the call, not after it).
fn addresses(
    thread: &ThreadState,
    unwinder: &UnwinderX86_64<Vec<u8>>,
    cache: &mut CacheX86_64,
) -> Vec<u64> {
    let mut read_stack = |address: u64| -> Result<u64, ()> {
        // Whatever the stack holds, a read outside the copy is an error, never a panic.
        let offset = usize::try_from(address.checked_sub(thread.sp).ok_or(())?).map_err(|_| ())?;
        let bytes = thread
            .stack
            .get(offset..offset.checked_add(8).ok_or(())?)
            .ok_or(())?;
        Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| ())?))
    };
    let regs = UnwindRegsX86_64::new(thread.ip, thread.sp, thread.bp);
    let mut frames = unwinder.iter_frames(thread.ip, regs, cache, &mut read_stack);
    let mut found = Vec::new();
    // An error ends the walk; what was found up to it still says where the thread was.
    while let Ok(Some(frame)) = frames.next() {
        found.push(frame.address_for_lookup());
        if found.len() >= MAX_FRAMES {
            break;
        }
    }
    found
}

/// The binaries mapped in the process, with their unwinding data and function names.
struct Binaries(Vec<Binary>);

struct Binary {
    path: String,
    /// Where its code is mapped in the process.
    mapped: Range<u64>,
    /// What to add to an address of the file to get the address in the process.
    bias: u64,
    sections: Option<Sections>,
    /// Functions by start address: (end, mangled name).
    functions: BTreeMap<u64, (u64, String)>,
}

struct Sections {
    text: Option<(Range<u64>, Vec<u8>)>,
    eh_frame: (Range<u64>, Vec<u8>),
    eh_frame_hdr: Option<(Range<u64>, Vec<u8>)>,
    got: Option<Range<u64>>,
}

impl Binaries {
    fn load(maps: &str) -> Binaries {
        // Every mapping of each file: (start, end, offset, executable).
        let mut files: BTreeMap<&str, Vec<(u64, u64, u64, bool)>> = BTreeMap::new();
        for line in maps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [range, perms, offset, _, _, path] = fields[..] else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            let (Some((start, end)), Ok(offset)) = (
                range.split_once('-').and_then(|(s, e)| {
                    Some((
                        u64::from_str_radix(s, 16).ok()?,
                        u64::from_str_radix(e, 16).ok()?,
                    ))
                }),
                u64::from_str_radix(offset, 16),
            ) else {
                continue;
            };
            files
                .entry(path)
                .or_default()
                .push((start, end, offset, perms.contains('x')));
        }
        Binaries(
            files
                .into_iter()
                .filter(|(_, maps)| maps.iter().any(|m| m.3))
                .filter_map(|(path, maps)| Binary::load(path, &maps))
                .collect(),
        )
    }

    fn name(&self, address: u64) -> Option<String> {
        let binary = self.0.iter().find(|b| b.mapped.contains(&address))?;
        let file_address = address.checked_sub(binary.bias)?;
        let (start, (end, name)) = binary.functions.range(..=file_address).next_back()?;
        (file_address < *end || start == end).then(|| demangled(name))
    }
}

impl Binary {
    fn load(path: &str, maps: &[(u64, u64, u64, bool)]) -> Option<Binary> {
        let data = std::fs::read(path).ok()?;
        let file = object::File::parse(&*data).ok()?;
        let first = maps.iter().min_by_key(|m| m.2)?;
        // The lowest loaded address of the file is mapped at its lowest file offset.
        let lowest = file.segments().map(|s| s.address()).min()? & !0xfff;
        let bias = first.0.checked_sub(lowest)?;
        let mapped = maps.iter().map(|m| m.0).min()?..maps.iter().map(|m| m.1).max()?;
        let section = |name: &str| {
            let s = file.section_by_name(name)?;
            Some((
                s.address()..s.address().saturating_add(s.size()),
                s.data().ok()?.to_vec(),
            ))
        };
        let sections = section(".eh_frame").map(|eh_frame| Sections {
            text: section(".text"),
            eh_frame,
            eh_frame_hdr: section(".eh_frame_hdr"),
            got: file
                .section_by_name(".got")
                .map(|s| s.address()..s.address().saturating_add(s.size())),
        });
        let mut functions = BTreeMap::new();
        let symbols: Vec<_> = if file.symbols().next().is_some() {
            file.symbols().collect()
        } else {
            file.dynamic_symbols().collect()
        };
        for symbol in symbols {
            if symbol.kind() != SymbolKind::Text || symbol.address() == 0 {
                continue;
            }
            let Ok(name) = symbol.name() else { continue };
            let end = symbol.address().saturating_add(symbol.size());
            // Demangled only when named: most of thousands of symbols never are.
            functions.insert(symbol.address(), (end, name.to_owned()));
        }
        Some(Binary {
            path: path.to_owned(),
            mapped,
            bias,
            sections,
            functions,
        })
    }

    fn module(&self) -> Option<Module<Vec<u8>>> {
        let sections = self.sections.as_ref()?;
        let (text_svma, text) = sections.text.clone().unzip();
        let (eh_frame_hdr_svma, eh_frame_hdr) = sections.eh_frame_hdr.clone().unzip();
        let info = ExplicitModuleSectionInfo {
            base_svma: 0,
            text_svma,
            text,
            got_svma: sections.got.clone(),
            eh_frame_svma: Some(sections.eh_frame.0.clone()),
            eh_frame: Some(sections.eh_frame.1.clone()),
            eh_frame_hdr_svma,
            eh_frame_hdr,
            ..Default::default()
        };
        Some(Module::new(
            self.path.clone(),
            self.mapped.clone(),
            self.bias,
            info,
        ))
    }
}

/// A symbol's name as Rust code spells it, without the hash legacy mangling appends.
fn demangled(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}
