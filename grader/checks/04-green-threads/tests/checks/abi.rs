use crate::memory::{allocations, maps, page_size, permissions_at};
use crate::probes::{PINNED, call_with_pinned_registers, rsp_at_entry, sse_roundtrip};
use green_threads::stack::Stack;
use green_threads::{Runtime, spawn, yield_now};
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use testkit::check;
use testkit::fork::{ChildEnd, in_child};

extern "sysv64" fn yield_from_asm() {
    yield_now();
}

struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Where the overflowing task's stack began, for the fault handler.
static STACK_TOP: AtomicUsize = AtomicUsize::new(0);
static REPORT_FD: AtomicUsize = AtomicUsize::new(0);

/// Reports where the stack began, where the fault was, and the process's memory map at
/// that moment, then ends the child. Only async-signal-safe calls: open, read, write, _exit.
extern "C" fn on_fault(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo; the buffer is this handler's own.
    unsafe {
        let out = REPORT_FD.load(Ordering::SeqCst) as libc::c_int;
        let words = [STACK_TOP.load(Ordering::SeqCst), (*info).si_addr() as usize];
        libc::write(out, words.as_ptr().cast(), 16);
        let maps = libc::open(c"/proc/self/maps".as_ptr(), libc::O_RDONLY);
        let mut buffer = [0u8; 4096];
        loop {
            let n = libc::read(maps, buffer.as_mut_ptr().cast(), buffer.len());
            if n <= 0 {
                break;
            }
            libc::write(out, buffer.as_ptr().cast(), n as usize);
        }
        libc::_exit(42);
    }
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    if depth == 0 {
        0
    } else {
        frame[7] + recurse(depth - 1)
    }
}

/// Installs `on_fault` for SIGSEGV and SIGBUS, on a stack of its own.
fn catch_faults(report: &std::fs::File) {
    use std::os::fd::AsRawFd;
    REPORT_FD.store(report.as_raw_fd() as usize, Ordering::SeqCst);
    let alternate = Box::leak(vec![0u8; 256 * 1024].into_boxed_slice());
    // SAFETY: the alternate stack lives forever; the handler is async-signal-safe.
    unsafe {
        let stack = libc::stack_t {
            ss_sp: alternate.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: alternate.len(),
        };
        assert_eq!(libc::sigaltstack(&stack, std::ptr::null_mut()), 0);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
        assert_eq!(
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()),
            0
        );
    }
}

check! {
    /// Functions called in a task start with the stack aligned as the ABI requires:
    /// `rsp + 8` a multiple of 16.
    fn aligned_at_entry() {
        let seen: Rc<RefCell<Vec<u64>>> = Rc::default();
        let mut rt = Runtime::new();
        for _ in 0..3 {
            let seen = Rc::clone(&seen);
            rt.spawn(move || {
                seen.borrow_mut().push(rsp_at_entry());
                yield_now();
                seen.borrow_mut().push(rsp_at_entry());
                let nested = Rc::clone(&seen);
                spawn(move || nested.borrow_mut().push(rsp_at_entry()));
            });
        }
        rt.run();
        let seen = seen.borrow();
        assert_eq!(seen.len(), 9, "only {} of 9 probes ran", seen.len());
        let bad: Vec<String> = seen.iter().filter(|&&rsp| rsp % 16 != 8).map(|rsp| format!("{rsp:#x}")).collect();
        assert!(
            bad.is_empty(),
            "functions called in tasks started with rsp = {} ({} mod 16); the x86-64 System V \
             ABI requires 8 mod 16 at a function's entry: the stack was misaligned by 8 when \
             the task was entered. Put the entry function's address in a 16-byte-aligned slot.",
            bad.join(", "),
            seen.iter().find(|&&rsp| rsp % 16 != 8).map_or(0, |rsp| rsp % 16)
        );
    }

    /// Code that needs aligned SSE stack slots works in tasks: float formatting and a
    /// vector round trip.
    fn sse_and_floats() {
        let out: Rc<RefCell<Vec<String>>> = Rc::default();
        let mut rt = Runtime::new();
        for i in 1..=3 {
            let out = Rc::clone(&out);
            rt.spawn(move || {
                let x = f64::from(i) / 3.0;
                let before = format!("{x:.4} {:e} {}", x * 1e6, sse_roundtrip(i as f32));
                out.borrow_mut().push(format!("task {i} before: {before}"));
                yield_now();
                out.borrow_mut().push(format!("task {i} after: {:.2}", x * 100.0));
            });
        }
        rt.run();
        // Sorted: the order the tasks ran in is another check's business.
        let mut lines = out.borrow().clone();
        lines.sort();
        insta::assert_snapshot!(lines.join(" | "), @"task 1 after: 33.33 | task 1 before: 0.3333 3.333333333333333e5 2 | task 2 after: 66.67 | task 2 before: 0.6667 6.666666666666666e5 4 | task 3 after: 100.00 | task 3 before: 1.0000 1e6 6");
    }

    /// The callee-saved registers (rbx, rbp, r12–r15) survive a yield while other tasks
    /// load different values into them.
    fn callee_saved_registers() {
        let changed = Rc::new(Cell::new(0u64));
        let mut rt = Runtime::new();
        for task in 0..3u64 {
            let changed = Rc::clone(&changed);
            rt.spawn(move || {
                for round in 0..20u64 {
                    let seed = 0x5eed_0000_0000_0000 | (task << 32) | (round << 8);
                    changed.set(changed.get() | call_with_pinned_registers(seed, yield_from_asm));
                }
            });
        }
        rt.run();
        let lost: Vec<&str> = PINNED
            .iter()
            .enumerate()
            .filter(|(i, _)| changed.get() & (1 << i) != 0)
            .map(|(_, name)| *name)
            .collect();
        assert!(
            lost.is_empty(),
            "after a yield, {} no longer held the value the task had put there: the context \
             switch must save and restore rsp, rbx, rbp and r12–r15",
            lost.join(", ")
        );
    }

    /// Every captured value is dropped exactly once: whether the task yielded or not, and
    /// when the runtime is dropped with tasks that never ran.
    fn drops_exactly_once() {
        let drops = Rc::new(Cell::new(0));
        {
            let mut rt = Runtime::new();
            let counted = || Counted(Rc::clone(&drops));
            let kept = counted();
            rt.spawn(move || {
                let _kept = &kept;
            });
            let yielding = counted();
            rt.spawn(move || {
                yield_now();
                let _yielding = &yielding;
                yield_now();
            });
            let dropped = counted();
            rt.spawn(move || drop(dropped));
            rt.run();
            assert_eq!(drops.get(), 3, "after run(), {} of the 3 finished tasks' captures were dropped", drops.get());
            let never = (counted(), counted());
            rt.spawn(move || {
                let _never = &never;
            });
        }
        assert_eq!(
            drops.get(),
            5,
            "captured values were dropped {} times instead of 5 (3 finished tasks, and 2 \
             values held by a task that never ran when its runtime was dropped)",
            drops.get()
        );
    }

    /// Overflowing a task's stack faults right below that stack, in an inaccessible guard
    /// page, instead of silently overwriting other memory first.
    fn stack_overflow_hits_guard() {
        const SIZE: usize = 64 * 1024;
        let (end, report) = in_child(|report| {
            catch_faults(report);
            let mut rt = Runtime::with_stack_size(SIZE);
            rt.spawn(|| {
                let here = std::hint::black_box(0u8);
                STACK_TOP.store(std::ptr::addr_of!(here) as usize, Ordering::SeqCst);
                std::hint::black_box(recurse(1 << 20));
            });
            rt.run();
            let _ = report.write_all(b"the recursion finished");
        });
        assert_eq!(
            end,
            ChildEnd::Exited(42),
            "a task recursing far beyond its {} KiB stack did not fault ({end:?}, reported {:?}): \
             without a guard page, an overflow runs into other memory",
            SIZE / 1024,
            String::from_utf8_lossy(&report)
        );
        let word = |i: usize| usize::from_ne_bytes(report[i * 8..i * 8 + 8].try_into().unwrap());
        let (top, fault) = (word(0), word(1));
        let maps = String::from_utf8_lossy(&report[16..]);
        assert!(
            top != 0,
            "the task faulted at {fault:#x} before its first line ran: its very first use of \
             the stack hit an inaccessible page. The guard page must be the lowest page of the \
             mapping, below the stack, not at its top where a task starts."
        );
        assert!(
            fault < top,
            "the overflow faulted at {fault:#x}, {} KiB above where the {} KiB stack began \
             ({top:#x}): a stack grows down, so the guard page belongs below it",
            (fault - top) / 1024,
            SIZE / 1024
        );
        let below = top - fault;
        let where_ = match permissions_at(&maps, fault) {
            Some(perms) if perms.starts_with("---") => None,
            Some(perms) => Some(format!("in memory mapped {perms}")),
            None => Some("in unmapped memory".to_owned()),
        };
        if let Some(where_) = where_ {
            panic!(
                "the overflow faulted at {fault:#x} {where_}, {} KiB below where the {} KiB \
                 stack began: there is no guard page, so it ran through whatever lay below \
                 first. Map stacks with mmap and mprotect their lowest page to PROT_NONE.",
                below / 1024,
                SIZE / 1024
            );
        }
        assert!(
            below <= SIZE + 256 * 1024,
            "the overflow hit an inaccessible page at {fault:#x}, but {} KiB below where the \
             {} KiB stack began ({top:#x}): the guard page must sit right below the stack",
            below / 1024,
            SIZE / 1024
        );
    }

    /// A yield between two green threads (a switch to the scheduler and one back) costs at
    /// least ten times less than handing control between two OS threads over channels,
    /// measured in the same run. Each is measured five times, alternately, and the best of
    /// each compared: a process preempted during one measurement does not decide it.
    fn switch_cost() {
        const ROUNDS: usize = 5;
        let mut green = Vec::new();
        let mut os = Vec::new();
        for _ in 0..ROUNDS {
            green.push(yield_cost());
            os.push(handoff_cost());
        }
        let (green, yields, spent) = green.into_iter().min_by_key(|(cost, ..)| *cost).unwrap();
        let os = os.into_iter().min().unwrap();
        let ratio = os.as_secs_f64() / green.as_secs_f64().max(1e-12);
        assert!(
            ratio >= 10.0,
            "one yield_now between two tasks took {:.2} µs on average ({yields} yields in \
             {:.0} ms, the best of {ROUNDS} rounds) and one handoff between two OS threads \
             over channels {:.2} µs ({HANDOFFS} round trips, the best of {ROUNDS} rounds \
             measured in between): the yield was only {ratio:.1}× faster, expected at least \
             10×. A yield is two switches of a few registers each; something else in its path \
             costs about as much as waking an OS thread.",
            green.as_secs_f64() * 1e6,
            spent.as_secs_f64() * 1e3,
            os.as_secs_f64() * 1e6,
        );
    }

    /// Yielding makes no system call: in a child process whose system calls are trapped
    /// and counted (all but writing and exiting), two tasks yield 1,000 times each.
    fn yield_makes_no_system_call() {
        const YIELDS: usize = 1_000;
        let (end, out) = in_child(|pipe| {
            let fd = std::os::fd::AsRawFd::as_raw_fd(pipe);
            let mut rt = Runtime::new();
            rt.spawn(move || {
                // One round first, so that both tasks have run and the queue has held both.
                yield_now();
                testkit::syscalls::trap_from_now();
                for _ in 0..YIELDS {
                    yield_now();
                }
                let report = testkit::syscalls::trapped().to_string();
                // SAFETY: writing to the pipe and exiting are the calls still allowed; the
                // rest of the run would only meet trapped calls.
                unsafe {
                    libc::write(fd, report.as_ptr().cast(), report.len());
                    libc::_exit(0);
                }
            });
            rt.spawn(|| {
                for _ in 0..YIELDS + 2 {
                    yield_now();
                }
            });
            rt.run();
        });
        let report = String::from_utf8_lossy(&out);
        let Ok(calls) = report.parse::<usize>() else {
            panic!(
                "the measuring task did not report (the child process ended with {end:?}, \
                 output {report:?}): run() returned, or the task was never resumed"
            );
        };
        assert!(
            calls == 0,
            "while two tasks called yield_now() {YIELDS} times each, the thread made {calls} \
             system calls ({:.2} per yield); a yield makes none. A yield only moves a task \
             within the queue and switches registers: no sched_yield, no clock, no signal \
             mask",
            calls as f64 / (2 * YIELDS) as f64
        );
    }

    /// Yielding allocates nothing on the heap: while two tasks yield 10,000 times each, the
    /// thread makes at most 16 allocations (room for a queue to grow).
    fn yield_allocates_nothing() {
        const YIELDS: u64 = 10_000;
        const ALLOWED: u64 = 16;
        let counted = Rc::new(Cell::new(None));
        let mut rt = Runtime::new();
        let result = Rc::clone(&counted);
        rt.spawn(move || {
            // One round first, so that the queue has held both tasks once.
            yield_now();
            let before = allocations();
            for _ in 0..YIELDS {
                yield_now();
            }
            result.set(Some(allocations() - before));
        });
        rt.spawn(|| {
            for _ in 0..YIELDS + 2 {
                yield_now();
            }
        });
        rt.run();
        let Some(made) = counted.get() else {
            panic!("run() returned before the measuring task finished");
        };
        assert!(
            made <= ALLOWED,
            "while two tasks called yield_now() {YIELDS} times each, in turn, the thread made \
             {made} heap allocations ({:.2} per yield); expected at most {ALLOWED} in all. A \
             yield only moves a task within the queue and switches registers: allocate tasks \
             when they are spawned, not when they yield.",
            made as f64 / (2 * YIELDS) as f64
        );
    }

    /// `Stack::new(n)` gives at least `n` usable bytes in whole pages, with a page-aligned
    /// `top()`, every page of `top() - size() .. top()` readable and writable, and the page
    /// right below it inaccessible (the guard, not taken out of the size asked for), as
    /// the process's memory map shows.
    fn stack_size_and_guard() {
        let page = page_size();
        let mut wrong = Vec::new();
        for requested in [1, page - 1, page, page + 1, 3 * page + 17, 64 * 1024, 1024 * 1024] {
            let stack = Stack::new(requested).expect("Stack::new failed");
            let (top, size) = (stack.top(), stack.size());
            let asked = format!("Stack::new({requested})");
            if size < requested {
                wrong.push(format!("{asked}.size() is {size}, less than asked for"));
            }
            if size % page != 0 {
                wrong.push(format!("{asked}.size() is {size}, not a whole number of {page}-byte pages"));
            }
            if top % page != 0 {
                wrong.push(format!("{asked}.top() is {top:#x}, not page-aligned"));
            }
            if !wrong.is_empty() {
                continue;
            }
            let maps = maps();
            let bottom = top - size;
            let closed = (bottom..top)
                .step_by(page)
                .find_map(|at| match permissions_at(&maps, at) {
                    Some(perms) if perms.starts_with("rw") => None,
                    other => Some((at, other.unwrap_or_else(|| "unmapped".into()))),
                });
            if let Some((at, perms)) = closed {
                wrong.push(format!(
                    "{asked}: the page at top - {} KiB, inside top - size .. top, is {perms}, not \
                     readable and writable",
                    (top - at) / 1024
                ));
            }
            match permissions_at(&maps, bottom - 1) {
                Some(perms) if perms.starts_with("---") => {}
                other => wrong.push(format!(
                    "{asked}: the page right below top - size is {}, not an inaccessible guard \
                     page (---p)",
                    other.unwrap_or_else(|| "unmapped".into())
                )),
            }
        }
        assert!(
            wrong.is_empty(),
            "{}. Expected size() >= the size asked for, in whole pages, top() page-aligned, all \
             of top() - size() .. top() mapped read-write, and one PROT_NONE page right below \
             it: map one page more than the rounded-up size and protect the lowest.",
            wrong.join("; ")
        );
    }
}

const YIELDS: u32 = 20_000;
const HANDOFFS: u32 = 2_000;

/// One round of two tasks yielding to each other: the time per yield, the yields made and
/// the time they took.
fn yield_cost() -> (std::time::Duration, u32, std::time::Duration) {
    // Both tasks stop after YIELDS yields each (a few milliseconds when a yield is right),
    // or after a tenth of a second, so a slow switch is measured instead of making the
    // check run for minutes.
    let budget = std::time::Duration::from_millis(100);
    let yields = Rc::new(Cell::new(0u32));
    let started = Instant::now();
    let mut rt = Runtime::new();
    for _ in 0..2 {
        let yields = Rc::clone(&yields);
        rt.spawn(move || {
            for _ in 0..YIELDS {
                if started.elapsed() > budget {
                    break;
                }
                yield_now();
                yields.set(yields.get() + 1);
            }
        });
    }
    rt.run();
    let spent = started.elapsed();
    assert!(
        yields.get() == 2 * YIELDS || spent > budget,
        "run() returned after {} of {} yields, in {:.0} ms: the tasks had not finished",
        yields.get(),
        2 * YIELDS,
        spent.as_secs_f64() * 1e3
    );
    (spent / yields.get().max(1), yields.get(), spent)
}

/// One round of two OS threads handing a number back and forth over channels: the time
/// per handoff.
fn handoff_cost() -> std::time::Duration {
    let (ping_tx, ping_rx) = mpsc::channel::<u32>();
    let (pong_tx, pong_rx) = mpsc::channel::<u32>();
    let echo = std::thread::spawn(move || {
        for n in ping_rx {
            pong_tx.send(n).unwrap();
        }
    });
    let started = Instant::now();
    for n in 0..HANDOFFS {
        ping_tx.send(n).unwrap();
        pong_rx.recv().unwrap();
    }
    let os = started.elapsed() / (2 * HANDOFFS);
    drop(ping_tx);
    echo.join().unwrap();
    os
}
