//! Assembly probes: they look at the machine state a task runs in.

/// Returns `rsp` as this function found it on entry: the address of its return address.
/// After a correct `call` from an aligned stack, that is 8 more than a multiple of 16.
#[unsafe(naked)]
pub extern "sysv64" fn rsp_at_entry() -> u64 {
    core::arch::naked_asm!("mov rax, rsp", "ret")
}

/// Names of the registers [`call_with_pinned_registers`] reports, bit by bit.
pub const PINNED: [&str; 6] = ["rbx", "rbp", "r12", "r13", "r14", "r15"];

/// Loads `seed + 1` … `seed + 6` into rbx, rbp, r12 … r15, calls `f`, and returns a bit
/// mask of the registers whose value changed meanwhile (bit i for `PINNED[i]`). The
/// caller's own values of those registers are saved and restored.
#[unsafe(naked)]
pub extern "sysv64" fn call_with_pinned_registers(seed: u64, f: extern "sysv64" fn()) -> u64 {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        // Six pushes after the return address: 8 more keep the call below aligned, and
        // hold the seed.
        "sub rsp, 8",
        "mov [rsp], rdi",
        "lea rbx, [rdi + 1]",
        "lea rbp, [rdi + 2]",
        "lea r12, [rdi + 3]",
        "lea r13, [rdi + 4]",
        "lea r14, [rdi + 5]",
        "lea r15, [rdi + 6]",
        "call rsi",
        "mov rdi, [rsp]",
        "xor eax, eax",
        "lea rcx, [rdi + 1]",
        "cmp rbx, rcx",
        "setne dl",
        "movzx edx, dl",
        "or eax, edx",
        "lea rcx, [rdi + 2]",
        "cmp rbp, rcx",
        "setne dl",
        "movzx edx, dl",
        "shl edx, 1",
        "or eax, edx",
        "lea rcx, [rdi + 3]",
        "cmp r12, rcx",
        "setne dl",
        "movzx edx, dl",
        "shl edx, 2",
        "or eax, edx",
        "lea rcx, [rdi + 4]",
        "cmp r13, rcx",
        "setne dl",
        "movzx edx, dl",
        "shl edx, 3",
        "or eax, edx",
        "lea rcx, [rdi + 5]",
        "cmp r14, rcx",
        "setne dl",
        "movzx edx, dl",
        "shl edx, 4",
        "or eax, edx",
        "lea rcx, [rdi + 6]",
        "cmp r15, rcx",
        "setne dl",
        "movzx edx, dl",
        "shl edx, 5",
        "or eax, edx",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

/// Keeps a 16-byte SSE value in a stack slot; in an unoptimized build the compiler moves
/// it with `movaps`, which faults when the stack is misaligned.
#[inline(never)]
pub fn sse_roundtrip(x: f32) -> f32 {
    use std::arch::x86_64::{_mm_add_ps, _mm_cvtss_f32, _mm_set1_ps};
    // SAFETY: SSE is part of every x86-64 CPU.
    unsafe {
        let v = std::hint::black_box(_mm_set1_ps(x));
        let w = std::hint::black_box(_mm_add_ps(v, v));
        _mm_cvtss_f32(w)
    }
}
