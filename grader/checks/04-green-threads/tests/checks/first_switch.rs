use crate::child;
use crate::overlap;
use crate::probes::rsp_at_entry;
use green_threads::context::{Context, prepare, switch};
use green_threads::first_switch::run_on_stack;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use testkit::check;

static LOCAL_AT: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

fn note_where_i_run() {
    let marker = std::hint::black_box(7u8);
    LOCAL_AT.store(std::ptr::addr_of!(marker) as usize, Ordering::SeqCst);
    CALLS.fetch_add(1, Ordering::SeqCst);
}

static NESTED: AtomicUsize = AtomicUsize::new(0);

/// Runs `note_where_i_run` on a stack of its own, from the stack it runs on itself.
fn run_nested() {
    let mut inner = vec![0u8; 32 * 1024];
    run_on_stack(&mut inner, note_where_i_run);
    NESTED.fetch_add(1, Ordering::SeqCst);
}

thread_local! {
    static MINE: Cell<usize> = const { Cell::new(0) };
}

fn count_mine() {
    MINE.with(|mine| mine.set(mine.get() + 1));
}

check! {
    /// `run_on_stack` called from the function it runs (a switch within a switch), from two
    /// threads whose switches are made to overlap (see `overlap`), and from four threads at
    /// once, 100,000 times each: every call runs its function once and comes back. What a
    /// first switch keeps while it runs belongs to its thread, and to that one call.
    fn nested_and_from_threads() {
        const ROUNDS: usize = 100_000;
        let mut outer = vec![0u8; 64 * 1024];
        let before = CALLS.load(Ordering::SeqCst);
        run_on_stack(&mut outer, run_nested);
        assert_eq!(
            (NESTED.load(Ordering::SeqCst), CALLS.load(Ordering::SeqCst) - before),
            (1, 1),
            "run_on_stack called from the function it runs: the outer function finished {} \
             times and the inner one ran {} times; expected once each",
            NESTED.load(Ordering::SeqCst),
            CALLS.load(Ordering::SeqCst) - before
        );
        let overlap = overlap::run();
        assert!(
            overlap.a_runs == 1 && overlap.b_runs == 1,
            "thread A's run_on_stack was held up just after it began, while thread B's ran its \
             function; then A's function ran {} times and B's {} times, expected once each: \
             A's entry found B's state. Keep what the switch needs in a thread_local (or on \
             the caller's stack), not in a global that the threads share",
            overlap.a_runs,
            overlap.b_runs
        );
        let counts: Vec<usize> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let mut stack = vec![0u8; 32 * 1024];
                    for _ in 0..ROUNDS {
                        run_on_stack(&mut stack, count_mine);
                    }
                    MINE.with(Cell::get)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|thread| thread.join().unwrap_or(0))
            .collect();
        assert_eq!(
            counts,
            [ROUNDS; 4],
            "four threads called run_on_stack {ROUNDS} times each, and their functions ran {counts:?} \
             times: keep what the switch needs in a thread_local (or on the caller's stack), \
             not in a global that the threads share"
        );
    }

    /// The function runs with its locals on the stack it was given, and control comes
    /// back to the caller, twice in a row.
    fn runs_on_given_stack() {
        let mut stack = vec![0u8; 64 * 1024];
        let range = stack.as_ptr() as usize..stack.as_ptr() as usize + stack.len();
        let mine = std::hint::black_box([11u64, 22, 33, 44]);
        for round in 1..=2 {
            run_on_stack(&mut stack, note_where_i_run);
            assert_eq!(CALLS.load(Ordering::SeqCst), round, "the function did not run (round {round})");
            let at = LOCAL_AT.load(Ordering::SeqCst);
            assert!(
                range.contains(&at),
                "the function's local variable was at {at:#x}, outside the stack it was given \
                 ({:#x}..{:#x}): it ran on the caller's stack",
                range.start,
                range.end
            );
        }
        assert_eq!(mine, [11, 22, 33, 44], "the caller's locals changed across the switch");
    }
}

/// Where the entry probe found `rsp`.
static ENTRY_RSP: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The probe's context and the one to go back to, while a probe runs.
    static PROBE: Cell<(*mut Context, *const Context)> =
        const { Cell::new((std::ptr::null_mut(), std::ptr::null())) };
}

/// An entry function for `prepare`: notes `rsp` exactly as the function was entered, then
/// aligns the stack itself (so a misaligned entry is reported, not crashed on) and goes back.
#[unsafe(naked)]
extern "sysv64" fn entry_probe() -> ! {
    core::arch::naked_asm!(
        "mov [rip + {seen}], rsp",
        "and rsp, -16",
        "call {home}",
        "ud2",
        seen = sym ENTRY_RSP,
        home = sym probe_home,
    )
}

extern "sysv64" fn probe_home() -> ! {
    let (probe, caller) = PROBE.with(Cell::get);
    // SAFETY: `prepare_any_top` set both before switching to the probe.
    unsafe { switch(probe, caller) };
    unreachable!("a finished probe is never resumed")
}

const CANARY: u8 = 0xa5;

/// The first byte in `bytes` that is not the canary, as (index, value).
fn first_changed(bytes: &[u8]) -> Option<(usize, u8)> {
    bytes
        .iter()
        .copied()
        .enumerate()
        .find(|&(_, b)| b != CANARY)
}

/// Where the function given to `run_on_stack` found itself: `rsp` at the entry of a
/// function it called, and the address of one of its locals.
static CALLEE_RSP: AtomicU64 = AtomicU64::new(0);

fn note_rsp_and_local() {
    let marker = std::hint::black_box(7u8);
    LOCAL_AT.store(std::ptr::addr_of!(marker) as usize, Ordering::SeqCst);
    CALLEE_RSP.store(rsp_at_entry(), Ordering::SeqCst);
}

check! {
    /// `prepare` accepts a stack top at any address: for each of the 16 remainders of `top`
    /// modulo 16, the entry function starts with `rsp ≡ 8 (mod 16)`, below `top`, and
    /// nothing at or above `top` is written.
    fn prepare_any_top() {
        const ABOVE: usize = 64;
        let mut memory = vec![CANARY; 8 * 1024 + 2 * ABOVE];
        let base = memory.as_ptr() as usize;
        // A 16-byte-aligned address with 4 KiB of room below and 64 bytes of canary above
        // every top tried.
        let aligned = (base + 8 * 1024) & !15;
        let mut wrong = Vec::new();
        for remainder in 0..16 {
            memory.fill(CANARY);
            let top = aligned + remainder;
            let above = top - base..top - base + ABOVE;
            let mut probe = Context::default();
            let mut caller = Context::default();
            // SAFETY: `top` is inside `memory`, with 4 KiB of writable memory below it.
            unsafe { prepare(&mut probe, top, entry_probe) };
            if let Some((at, value)) = first_changed(&memory[above.clone()]) {
                wrong.push(format!(
                    "with top ≡ {remainder} (mod 16), prepare wrote {value:#04x} at top + {at}"
                ));
                continue;
            }
            ENTRY_RSP.store(0, Ordering::SeqCst);
            PROBE.with(|p| p.set((&mut probe, &caller)));
            // SAFETY: `probe` was prepared above and comes back through `probe_home`.
            unsafe { switch(&mut caller, &probe) };
            PROBE.with(|p| p.set((std::ptr::null_mut(), std::ptr::null())));
            let rsp = ENTRY_RSP.load(Ordering::SeqCst) as usize;
            if rsp % 16 != 8 {
                wrong.push(format!(
                    "with top ≡ {remainder} (mod 16), the entry function started with rsp ≡ {} \
                     (mod 16)",
                    rsp % 16
                ));
            } else if rsp > top || rsp < base {
                wrong.push(format!(
                    "with top ≡ {remainder} (mod 16), the entry function started with rsp = \
                     top {:+}, outside the stack",
                    rsp as isize - top as isize
                ));
            } else if let Some((at, value)) = first_changed(&memory[above]) {
                wrong.push(format!(
                    "with top ≡ {remainder} (mod 16), {value:#04x} was written at top + {at} \
                     by the time the entry function ran"
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "prepare(context, top, entry) then switch, for 16 tops of every remainder modulo 16 \
             (the contract allows any top): {}. Expected rsp ≡ 8 (mod 16) at the entry, as after \
             a call, and no byte at or above top written: round top down to a multiple of 16 \
             and put the entry's address in the slot below it.",
            wrong.join("; ")
        );
    }

    /// `run_on_stack` works on memory whose start and end are not 16-byte aligned: the
    /// function runs inside the given slice with an aligned stack, and nothing past the
    /// slice's end is written. In a child process, so that a crash is a verdict.
    fn unaligned_stacks() {
        const ABOVE: usize = 64;
        const SIZE: usize = 32 * 1024;
        let outcome = child::run(|| {
            let mut memory = vec![CANARY; SIZE + 64 + ABOVE];
            let base = memory.as_ptr() as usize;
            let aligned = (base + 15) & !15;
            for remainder in 0..16usize {
                memory.fill(CANARY);
                let start = aligned - base + (remainder * 7) % 16;
                let end = aligned - base + SIZE + remainder;
                child::note(&format!("try {remainder}"));
                run_on_stack(&mut memory[start..end], note_rsp_and_local);
                let (local, rsp) = (LOCAL_AT.load(Ordering::SeqCst), CALLEE_RSP.load(Ordering::SeqCst));
                let changed = first_changed(&memory[end..end + ABOVE]).map_or(-1, |(at, _)| at as isize);
                child::note(&format!(
                    "ran {remainder} {} {} {changed}",
                    local as isize - (base + end) as isize,
                    rsp % 16
                ));
            }
        });
        let mut wrong = Vec::new();
        let mut ran = 0;
        for line in &outcome.lines {
            let fields: Vec<&str> = line.split(' ').collect();
            let [ "ran", remainder, local, rsp, changed ] = fields[..] else { continue };
            ran += 1;
            let local: isize = local.parse().unwrap();
            if local >= 0 || local < -(SIZE as isize) {
                wrong.push(format!(
                    "with the end ≡ {remainder} (mod 16), the function's local variable was at \
                     end {local:+}, outside the slice"
                ));
            }
            if rsp != "8" {
                wrong.push(format!(
                    "with the end ≡ {remainder} (mod 16), a function it called started with rsp ≡ \
                     {rsp} (mod 16) instead of 8"
                ));
            }
            if changed != "-1" {
                wrong.push(format!(
                    "with the end ≡ {remainder} (mod 16), the byte at end + {changed}, past the \
                     slice, was written"
                ));
            }
        }
        if ran < 16 {
            let last = outcome.lines.iter().rev().find_map(|l| l.strip_prefix("try ")).unwrap_or("0");
            wrong.push(format!(
                "the child process {} during the call with the end ≡ {last} (mod 16), after {ran} \
                 of 16 calls had returned",
                outcome.ending()
            ));
        }
        assert!(
            wrong.is_empty(),
            "run_on_stack on slices of 32 KiB whose start and end are not 16-byte aligned (the \
             contract says the stack need not be aligned): {}. Expected the function to run \
             inside the slice with rsp ≡ 8 (mod 16) at every function's entry, and nothing \
             written past the slice's end.",
            wrong.join("; ")
        );
    }
}
