use green_threads::first_switch::run_on_stack;
use std::sync::atomic::{AtomicUsize, Ordering};
use testkit::check;

static LOCAL_AT: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

fn note_where_i_run() {
    let marker = std::hint::black_box(7u8);
    LOCAL_AT.store(std::ptr::addr_of!(marker) as usize, Ordering::SeqCst);
    CALLS.fetch_add(1, Ordering::SeqCst);
}

check! {
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
