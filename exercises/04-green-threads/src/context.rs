//! Step 1 — a context, and the switch between two of them.

/// What a context switch saves: the stack pointer and the registers the x86-64 System V
/// ABI calls *callee-saved* (a function must give them back unchanged), so that a
/// suspended task finds them as it left them.
///
/// The layout is fixed (`repr(C)`): `switch` addresses the fields by offset, 8 bytes each,
/// in this order.
#[derive(Debug, Default, Clone)]
#[repr(C)]
pub struct Context {
    pub rsp: u64,
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbx: u64,
    pub rbp: u64,
}

/// Saves the current stack pointer and callee-saved registers into `from`, loads those
/// of `to`, and returns — into whatever `to`'s stack holds at its top: where `to` last
/// called `switch`, or, for a fresh context, the entry function whose address was placed
/// there.
///
/// # Safety
/// `from` must be valid for writes and `to` must hold a context saved by `switch` or
/// prepared as a fresh one (a stack pointer to a 16-byte-aligned slot holding the address
/// of a function that never returns).
///
/// Hint: write it as a naked function, so the compiler adds no prologue that would touch
/// the stack: `#[unsafe(naked)] pub unsafe extern "sysv64" fn switch(..) { core::arch::naked_asm!(..) }`.
/// `from` arrives in `rdi`, `to` in `rsi`; store each register at `[rdi + offset]`, load
/// from `[rsi + offset]`, and finish with `ret`. The assembly is Intel syntax, destination
/// first: `mov [rdi + 0x08], r15` saves `r15`. A naked function's body is that one
/// `naked_asm!`, with no `todo!()` or other Rust beside it.
pub unsafe extern "sysv64" fn switch(from: *mut Context, to: *const Context) {
    todo!()
}

/// Prepares `context` to start `entry` on the stack whose highest address is `top`.
///
/// The x86-64 System V ABI wants `rsp + 8` to be a multiple of 16 when a function starts
/// (a `call` has just pushed 8 bytes onto an aligned stack). `switch` enters the function
/// with `ret`, which pops its address, so the address goes in a 16-byte-aligned slot.
///
/// # Safety
/// `top` must be the end of writable memory at least 16 bytes long.
pub unsafe fn prepare(context: &mut Context, top: usize, entry: extern "sysv64" fn() -> !) {
    todo!()
}
