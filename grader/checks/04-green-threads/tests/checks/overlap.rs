//! Two first switches forced to overlap at their most fragile moment.
//!
//! Thread A's `run_on_stack` is paused between storing what its entry needs and the entry
//! reading it, while thread B's runs from start to middle. Where the state is kept per
//! thread, the pause changes nothing; where it is kept in one place for all threads, A's
//! entry finds B's. Two threads meet there only now and then on their own, so the check
//! makes them meet every time.
//!
//! The pause needs no help from the code under test: A's stack is laid out so that the
//! entry's slot ends a page, and the page below it is inaccessible. The entry's first
//! frame on that stack faults there; the fault handler waits until B's function runs, then
//! opens the page and lets A go on. An entry function built without optimisation makes a
//! call (and so writes below its slot) before it reads the state.

use green_threads::first_switch::run_on_stack;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The page whose first touch pauses thread A, while armed (0 otherwise).
static PAUSE_PAGE: AtomicUsize = AtomicUsize::new(0);
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
static A_PAUSED: AtomicBool = AtomicBool::new(false);
static A_DONE: AtomicBool = AtomicBool::new(false);
static B_INSIDE: AtomicBool = AtomicBool::new(false);
static B_DONE: AtomicBool = AtomicBool::new(false);
static A_RUNS: AtomicUsize = AtomicUsize::new(0);
static B_RUNS: AtomicUsize = AtomicUsize::new(0);

/// How many times each thread's function ran.
pub struct Overlap {
    pub a_runs: usize,
    pub b_runs: usize,
}

fn spin_until(done: impl Fn() -> bool) {
    while !done() {
        // SAFETY: sched_yield has no preconditions and is async-signal-safe.
        unsafe { libc::sched_yield() };
    }
}

extern "C" fn on_fault(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let page = PAUSE_PAGE.load(Ordering::SeqCst);
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let at = unsafe { (*info).si_addr() } as usize;
    let size = PAGE_SIZE.load(Ordering::SeqCst);
    if page == 0 || !(page..page + size).contains(&at) {
        // Not the pause: let the fault happen again, with its usual ending.
        // SAFETY: restoring the default action of a signal.
        unsafe { libc::signal(libc::SIGSEGV, libc::SIG_DFL) };
        return;
    }
    A_PAUSED.store(true, Ordering::SeqCst);
    spin_until(|| B_INSIDE.load(Ordering::SeqCst) || B_DONE.load(Ordering::SeqCst));
    PAUSE_PAGE.store(0, Ordering::SeqCst);
    // SAFETY: the page belongs to thread A's stack mapping, which is alive while A runs.
    unsafe {
        libc::mprotect(
            page as *mut libc::c_void,
            size,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
}

fn a_runs() {
    A_RUNS.fetch_add(1, Ordering::SeqCst);
}

fn b_runs() {
    B_RUNS.fetch_add(1, Ordering::SeqCst);
    B_INSIDE.store(true, Ordering::SeqCst);
    // B's switch stays in the middle until A's function has run, so A's entry reads its
    // state while B's is still live.
    spin_until(|| A_RUNS.load(Ordering::SeqCst) > 0);
}

/// Thread A: a stack whose entry slot ends a page, with an inaccessible page below it.
fn thread_a() {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let pages = 16;
    // SAFETY: a fresh private anonymous mapping, checked below, unmapped at the end.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            pages * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED, "mmap of a test stack failed");
    let highest = base as usize + (pages - 1) * page;
    let below = highest - page;
    // SAFETY: a page of the mapping above.
    assert_eq!(
        unsafe { libc::mprotect(below as *mut libc::c_void, page, libc::PROT_NONE) },
        0
    );
    let mut alternate = vec![0u8; 64 * 1024];
    let stack = libc::stack_t {
        ss_sp: alternate.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: alternate.len(),
    };
    // SAFETY: the alternate stack outlives its use: it is disabled before it is dropped.
    assert_eq!(
        unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) },
        0
    );
    PAGE_SIZE.store(page, Ordering::SeqCst);
    PAUSE_PAGE.store(below, Ordering::SeqCst);
    // 16 bytes above the page's start: rounded down and less 16, the entry's slot is the
    // page's first 8 bytes, so the entry's own frame begins on the page below.
    let top = highest + 16;
    // SAFETY: `base..top` lies inside the mapping, which is unmapped only below.
    let memory = unsafe { std::slice::from_raw_parts_mut(base.cast::<u8>(), top - base as usize) };
    run_on_stack(memory, a_runs);
    A_DONE.store(true, Ordering::SeqCst);
    PAUSE_PAGE.store(0, Ordering::SeqCst);
    let off = libc::stack_t {
        ss_sp: std::ptr::null_mut(),
        ss_flags: libc::SS_DISABLE,
        ss_size: 0,
    };
    // SAFETY: disabling this thread's alternate stack, then unmapping A's stack.
    unsafe {
        libc::sigaltstack(&off, std::ptr::null_mut());
        libc::munmap(base, pages * page);
    }
    drop(alternate);
}

fn thread_b() {
    spin_until(|| A_PAUSED.load(Ordering::SeqCst) || A_DONE.load(Ordering::SeqCst));
    let mut stack = vec![0u8; 64 * 1024];
    run_on_stack(&mut stack, b_runs);
    B_DONE.store(true, Ordering::SeqCst);
}

/// Runs the two threads, A's first switch paused while B's runs. Call once per process.
pub fn run() -> Overlap {
    // SAFETY: installs a handler for SIGSEGV that runs on the alternate stack, and puts
    // the previous action back afterwards.
    let previous = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(libc::SIGSEGV, &action, &mut previous), 0);
        previous
    };
    let b = std::thread::spawn(thread_b);
    let a = std::thread::spawn(thread_a);
    let a_ok = a.join().is_ok();
    let b_ok = b.join().is_ok();
    // SAFETY: putting the previous action back.
    unsafe { libc::sigaction(libc::SIGSEGV, &previous, std::ptr::null_mut()) };
    assert!(a_ok && b_ok, "a thread calling run_on_stack panicked");
    Overlap {
        a_runs: A_RUNS.load(Ordering::SeqCst),
        b_runs: B_RUNS.load(Ordering::SeqCst),
    }
}
