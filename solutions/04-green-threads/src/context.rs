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
#[unsafe(naked)]
pub unsafe extern "sysv64" fn switch(from: *mut Context, to: *const Context) {
    core::arch::naked_asm!(
        "mov [rdi + 0x00], rsp",
        "mov [rdi + 0x08], r15",
        "mov [rdi + 0x10], r14",
        "mov [rdi + 0x18], r13",
        "mov [rdi + 0x20], r12",
        "mov [rdi + 0x28], rbx",
        "mov [rdi + 0x30], rbp",
        "mov rsp, [rsi + 0x00]",
        "mov r15, [rsi + 0x08]",
        "mov r14, [rsi + 0x10]",
        "mov r13, [rsi + 0x18]",
        "mov r12, [rsi + 0x20]",
        "mov rbx, [rsi + 0x28]",
        "mov rbp, [rsi + 0x30]",
        "ret",
    )
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
    let slot = (top & !15) - 16;
    // SAFETY: the slot lies within the stack, below `top`, as the caller guarantees.
    unsafe { (slot as *mut u64).write(entry as usize as u64) };
    *context = Context {
        rsp: slot as u64,
        ..Context::default()
    };
}
