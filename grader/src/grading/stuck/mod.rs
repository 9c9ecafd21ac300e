//! Where a stuck check was stuck, in the learner's words: the functions of their own crate
//! on each thread, and the call those made that did not return (`JoinHandle::join`,
//! `Receiver::recv`, `Condvar::wait`, `sleep`, `epoll_wait`...). Threads stuck the same way
//! are told once, with their number.
//!
//! Frames of the standard library, the C library, the checks and their helpers are left
//! out: a learner can act on their own functions only, and the one call they made that
//! never came back says what they were waiting for.

mod unwind;

use crate::sandbox::stacks::Snapshot;

/// Where a check's threads were when its stacks were taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuck {
    /// `the main thread waiting in `ThreadPool::drop` → `JoinHandle::join`; 4 threads ...`
    pub text: String,
    /// The innermost of the learner's functions each thread was in, and the call it made,
    /// without how many threads: checks stuck at the same places share it, whatever
    /// their numbers of threads and whichever of their functions led there.
    pub places: String,
}

/// Where the threads of `snapshot` were in the crate `crate_name` (the exercise's), or
/// `None` when no thread was in it.
pub fn describe(snapshot: &Snapshot, crate_name: &str) -> Option<Stuck> {
    let stacks = unwind::name_stacks(snapshot);
    // (place, how many threads, whether the main thread is one of them), in thread order.
    let mut places: Vec<(Place, usize, bool)> = Vec::new();
    for stack in &stacks {
        let Some(place) = place_of(&stack.frames, crate_name) else {
            continue;
        };
        match places.iter_mut().find(|(p, _, _)| p.text == place.text) {
            Some((_, n, main)) => {
                *n += 1;
                *main |= stack.main;
            }
            None => places.push((place, 1, stack.main)),
        }
    }
    if places.is_empty() {
        return None;
    }
    // What the check called first: the threads the learner's code started wait for it.
    places.sort_by_key(|(place, _, _)| !place.called_by_check);
    let text = places
        .iter()
        .map(|(place, n, main)| match (n, main) {
            (1, true) => format!("the main thread {}", place.text),
            (1, false) => format!("1 thread {}", place.text),
            (n, _) => format!("{n} threads {}", place.text),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut sorted: Vec<&str> = places.iter().map(|(p, _, _)| p.key.as_str()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    Some(Stuck {
        text,
        places: sorted.join("; "),
    })
}

/// Learner functions shown per thread, innermost last: enough to tell one loop from
/// another without the whole call chain.
const SHOWN: usize = 3;

/// Where one thread was.
#[derive(Debug, PartialEq)]
struct Place {
    /// `waiting in `a` → `b` → `call``, `busy in `a``.
    text: String,
    /// The innermost learner function and the call it made: `b → call`, `a`.
    key: String,
    /// Whether the learner's code on this thread was called by other code than the
    /// standard library's (the check), rather than run as a thread it started.
    called_by_check: bool,
}

/// Crates whose frames only pass calls on: a thread the learner's code starts begins in
/// them.
const RUNTIME_CRATES: [&str; 3] = ["std", "core", "alloc"];

/// Where one thread was, or `None` when none of its frames is the learner's.
fn place_of(frames: &[Option<String>], crate_name: &str) -> Option<Place> {
    let theirs = |f: &Option<String>| f.as_deref().is_some_and(|n| in_crate(n, crate_name));
    let innermost = frames.iter().position(theirs)?;
    let outermost = frames.iter().rposition(theirs)?;
    let called_by_check = frames[outermost + 1..].iter().flatten().any(|name| {
        !RUNTIME_CRATES
            .iter()
            .any(|krate| in_crate(name, krate) || !name.contains("::"))
    });
    let mut chain: Vec<String> = frames
        .iter()
        .filter(|f| theirs(f))
        .map(|f| short_name(f.as_deref().unwrap_or_default()))
        .collect();
    chain.reverse();
    chain.dedup();
    if chain.len() > SHOWN {
        chain.drain(..chain.len() - SHOWN);
        chain.insert(0, "…".to_owned());
    }
    // The call the learner's innermost function made: the nearest named frame inside it.
    let call = frames[..innermost]
        .iter()
        .rev()
        .flatten()
        .next()
        .map(|name| short_name(name));
    let quoted = |name: &String| match name.as_str() {
        "…" => name.clone(),
        _ => format!("`{name}`"),
    };
    let mut shown: Vec<String> = chain.iter().map(quoted).collect();
    let own = chain.last().cloned().unwrap_or_default();
    Some(match call {
        Some(call) => {
            shown.push(quoted(&call));
            Place {
                text: format!("waiting in {}", shown.join(" → ")),
                key: format!("{own} → {call}"),
                called_by_check,
            }
        }
        None => Place {
            text: format!(
                "{} {}",
                if innermost == 0 { "busy in" } else { "in" },
                shown.join(" → ")
            ),
            key: own,
            called_by_check,
        },
    })
}

/// Whether the function `name` belongs to `crate_name`: its path starts with the crate, or
/// it implements a trait for one of the crate's types, or one of the crate's traits.
fn in_crate(name: &str, crate_name: &str) -> bool {
    let owner = |path: &str| {
        let path = path.trim_start_matches(['&', '*', '[', '(']);
        let path = path
            .strip_prefix("mut ")
            .or_else(|| path.strip_prefix("const "))
            .or_else(|| path.strip_prefix("dyn "))
            .unwrap_or(path);
        path.split("::").next() == Some(crate_name)
    };
    match qualified(name) {
        Some((self_type, trait_path, _)) => owner(self_type) || trait_path.is_some_and(&owner),
        None => owner(name),
    }
}

/// `<Self as Trait>::rest` split into its parts (`Trait` absent for `<Self>::rest`).
fn qualified(name: &str) -> Option<(&str, Option<&str>, &str)> {
    let inner = name.strip_prefix('<')?;
    let mut depth = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            '>' => {
                let (head, rest) = (&inner[..i], &inner[i + 1..]);
                let rest = rest.strip_prefix("::").unwrap_or(rest);
                return Some(match split_outside_generics(head, " as ") {
                    Some((self_type, trait_path)) => (self_type, Some(trait_path), rest),
                    None => (head, None, rest),
                });
            }
            _ => {}
        }
    }
    None
}

fn split_outside_generics<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 && text[i..].starts_with(separator) => {
                return Some((&text[..i], &text[i + separator.len()..]));
            }
            _ => {}
        }
    }
    None
}

/// A function's name as a learner would write it at a call: `ThreadPool::drop`,
/// `Receiver::recv`, `Worker::new::{closure}`, `sleep`.
fn short_name(name: &str) -> String {
    let path = match qualified(name) {
        Some((self_type, _, rest)) => format!("{self_type}::{rest}"),
        None => name.to_owned(),
    };
    let path = without_generics(&path).replace("{{closure}}", "{closure}");
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let first_type = segments
        .iter()
        .position(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
    match first_type {
        Some(i) => segments[i..].join("::"),
        // A free function: its own name, and the closures it holds.
        None => {
            let own = segments
                .iter()
                .rposition(|s| !s.starts_with('{'))
                .unwrap_or(0);
            segments[own..].join("::")
        }
    }
}

fn without_generics(text: &str) -> String {
    let mut depth = 0;
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(names: &[&str]) -> Vec<Option<String>> {
        names
            .iter()
            .map(|n| (!n.is_empty()).then(|| n.to_string()))
            .collect()
    }

    #[test]
    fn names_are_shortened_as_calls_are_written() {
        for (name, short) in [
            (
                "<threads::pool::ThreadPool as core::ops::drop::Drop>::drop",
                "ThreadPool::drop",
            ),
            ("std::thread::JoinHandle<T>::join", "JoinHandle::join"),
            ("std::sync::mpmc::Receiver<T>::recv", "Receiver::recv"),
            (
                "threads::pool::Worker::new::{{closure}}",
                "Worker::new::{closure}",
            ),
            ("std::thread::functions::sleep", "sleep"),
            ("alpha::sleep_forever", "sleep_forever"),
            ("alpha::run::{{closure}}", "run::{closure}"),
            ("epoll_wait", "epoll_wait"),
        ] {
            assert_eq!(short_name(name), short, "{name}");
        }
    }

    #[test]
    fn the_crate_of_a_function_is_its_path_its_type_or_its_trait() {
        assert!(in_crate(
            "<threads::pool::ThreadPool as core::ops::drop::Drop>::drop",
            "threads"
        ));
        assert!(in_crate(
            "<&mut threads::X as core::fmt::Debug>::fmt",
            "threads"
        ));
        assert!(in_crate(
            "<alloc::vec::Vec<T> as threads::Job>::run",
            "threads"
        ));
        assert!(!in_crate("std::thread::JoinHandle<T>::join", "threads"));
        assert!(!in_crate(
            "core::ptr::drop_in_place<threads::pool::ThreadPool>",
            "threads"
        ));
        assert!(!in_crate("threadsafe::x", "threads"));
    }

    #[test]
    fn a_thread_is_placed_by_its_own_functions_and_the_call_that_did_not_return() {
        let joining = frames(&[
            "syscall",
            "",
            "std::thread::JoinHandle<T>::join",
            "<threads::pool::ThreadPool as core::ops::drop::Drop>::drop",
            "core::ptr::drop_in_place<threads::pool::ThreadPool>",
            "checks::pool::drop_in_time::{{closure}}",
            "std::sys::backtrace::__rust_begin_short_backtrace",
        ]);
        let place =
            |frames: &[Option<String>], krate| place_of(frames, krate).map(|p| (p.text, p.key));
        assert!(place_of(&joining, "threads").unwrap().called_by_check);
        let worker = frames(&[
            "syscall",
            "std::sync::mpmc::Receiver<T>::recv",
            "threads::pool::work",
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "core::ops::function::FnOnce::call_once{{vtable.shim}}",
            "start_thread",
            "clone3",
        ]);
        assert!(!place_of(&worker, "threads").unwrap().called_by_check);
        let pair = |text: &str, key: &str| Some((text.to_owned(), key.to_owned()));
        assert_eq!(
            place(&joining, "threads"),
            pair(
                "waiting in `ThreadPool::drop` → `JoinHandle::join`",
                "ThreadPool::drop → JoinHandle::join"
            )
        );
        let spinning = frames(&["alpha::spin_forever", "checks::hostile::spins"]);
        assert_eq!(
            place(&spinning, "alpha"),
            pair("busy in `spin_forever`", "spin_forever")
        );
        let outside = frames(&["syscall", "testkit::record::run"]);
        assert_eq!(place_of(&outside, "alpha"), None);
        let deep = frames(&["read", "a::d", "a::c", "a::c", "a::b", "a::a"]);
        assert_eq!(
            place(&deep, "a"),
            pair("waiting in … → `b` → `c` → `d` → `read`", "d → read")
        );
    }
}
