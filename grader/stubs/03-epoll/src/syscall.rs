//! Step 1 — system calls.

use std::io;

/// Writes `bytes` to the file descriptor `fd` with the `write` system call, made by hand
/// with one `syscall` instruction (inline assembly), and returns how many bytes were
/// written or the error the kernel reported.
///
/// On x86-64 Linux the system call number goes in `rax` (`write` is 1), the arguments in
/// `rdi`, `rsi`, `rdx`; the instruction overwrites `rcx` and `r11`; the result comes back
/// in `rax`, a negative value `-errno` meaning failure. Other targets return an
/// [`io::ErrorKind::Unsupported`] error.
///
/// Hint: `std::arch::asm!` with `inlateout("rax")`, `in("rdi")` and friends, and
/// `lateout("rcx") _` for a clobbered register; `io::Error::from_raw_os_error(errno)`.
pub fn raw_write(fd: i32, bytes: &[u8]) -> io::Result<usize> {
    todo!()
}

/// The same as [`raw_write`], through the C library's `write` function.
///
/// Hint: `libc::write` returns -1 on failure and leaves the reason in `errno`, which
/// `io::Error::last_os_error()` reads.
pub fn libc_write(fd: i32, bytes: &[u8]) -> io::Result<usize> {
    todo!()
}
