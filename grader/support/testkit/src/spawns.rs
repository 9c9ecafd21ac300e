//! How many threads the code under test starts: every thread a Rust program starts on
//! Linux goes through the C library's `pthread_create`, which this module wraps.
//!
//! Counting distinct thread ids misses a thread that never runs the code a check gives it
//! (a thread started for an empty chunk of work, say), and live-thread counts miss one that
//! came and went. The count of calls misses neither. The wrapper defines `pthread_create`
//! in the check program itself, which the linker prefers to the C library's, and passes
//! every call on to the C library's own, found with `dlsym(RTLD_NEXT)`.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

static STARTED: AtomicUsize = AtomicUsize::new(0);
static REAL: AtomicPtr<libc::c_void> = AtomicPtr::new(std::ptr::null_mut());

type Start = extern "C" fn(*mut libc::c_void) -> *mut libc::c_void;
type Create = unsafe extern "C" fn(
    *mut libc::pthread_t,
    *const libc::pthread_attr_t,
    Start,
    *mut libc::c_void,
) -> libc::c_int;

/// Counts the call, then starts the thread with the C library's `pthread_create`.
///
/// # Safety
/// The same as the C library's `pthread_create`, which it calls with the same arguments.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_create(
    thread: *mut libc::pthread_t,
    attr: *const libc::pthread_attr_t,
    start: Start,
    arg: *mut libc::c_void,
) -> libc::c_int {
    STARTED.fetch_add(1, Ordering::SeqCst);
    // Nothing can start a thread without it; say so rather than crash obscurely.
    let real = crate::interpose::next_definition(
        &REAL,
        c"pthread_create",
        b"testkit: the C library's pthread_create was not found\n",
    );
    // SAFETY: `real` is the C library's pthread_create, which has this signature.
    let real: Create = unsafe { std::mem::transmute::<*mut libc::c_void, Create>(real) };
    // SAFETY: the caller's arguments, passed on unchanged.
    unsafe { real(thread, attr, start, arg) }
}

/// Threads started by this process so far (through `pthread_create`).
pub fn started() -> usize {
    // Naming the wrapper keeps it in the check program, whatever the linker drops.
    std::hint::black_box(pthread_create as *const ());
    STARTED.load(Ordering::SeqCst)
}

/// Runs `f` and returns its result with the number of threads started meanwhile.
pub fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = started();
    let result = f();
    (result, started() - before)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn every_thread_started_is_counted_even_one_that_does_nothing() {
        // In a child process of one thread: the count is the whole process's, and the
        // other tests of this binary start threads of their own meanwhile.
        let (end, report) = crate::fork::in_child(|report| {
            let ((), n) = count(|| {
                std::thread::scope(|s| {
                    for _ in 0..3 {
                        s.spawn(|| {});
                    }
                });
                std::thread::spawn(|| {}).join().unwrap();
            });
            let ((), none) = count(|| {});
            let _ = std::io::Write::write_all(report, format!("{n} {none}").as_bytes());
        });
        assert_eq!(end, crate::fork::ChildEnd::Exited(0));
        assert_eq!(String::from_utf8_lossy(&report), "4 0");
    }
}
