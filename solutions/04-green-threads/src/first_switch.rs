//! Step 1 — run a function on a stack you provide, and come back.

use crate::context::{Context, prepare, switch};
use std::cell::Cell;

struct FirstSwitch {
    caller: Context,
    callee: Context,
    function: Option<fn()>,
}

thread_local! {
    static ACTIVE: Cell<*mut FirstSwitch> = const { Cell::new(std::ptr::null_mut()) };
}

/// Runs `f` with `stack` as its stack, then switches back and returns.
///
/// While `f` runs, its local variables live inside `stack`. `stack` must be large enough
/// for `f` (a few KiB for simple functions); it need not be aligned.
pub fn run_on_stack(stack: &mut [u8], f: fn()) {
    let mut state = FirstSwitch {
        caller: Context::default(),
        callee: Context::default(),
        function: Some(f),
    };
    let top = stack.as_mut_ptr() as usize + stack.len();
    // SAFETY: `top` is the end of `stack`, which outlives the switch below.
    unsafe { prepare(&mut state.callee, top, first_entry) };
    ACTIVE.with(|active| active.set(&mut state));
    // SAFETY: `callee` was just prepared; `caller` receives this context.
    unsafe { switch(&mut state.caller, &state.callee) };
    ACTIVE.with(|active| active.set(std::ptr::null_mut()));
}

extern "sysv64" fn first_entry() -> ! {
    let state = ACTIVE.with(Cell::get);
    // SAFETY: `run_on_stack` set `ACTIVE` to its live state before switching here.
    unsafe {
        let f = (*state).function.take().expect("entered once");
        f();
        switch(&mut (*state).callee, &(*state).caller);
    }
    unreachable!("a finished first switch is never resumed")
}
