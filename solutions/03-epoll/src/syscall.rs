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
pub fn raw_write(fd: i32, bytes: &[u8]) -> io::Result<usize> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        let result: isize;
        // SAFETY: `write` only reads `bytes.len()` bytes from `bytes`, which is valid for
        // that long; the clobbered registers are declared.
        unsafe {
            std::arch::asm!(
                "syscall",
                inlateout("rax") 1isize => result,
                in("rdi") fd as isize,
                in("rsi") bytes.as_ptr(),
                in("rdx") bytes.len(),
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        if result < 0 {
            Err(io::Error::from_raw_os_error(-result as i32))
        } else {
            Ok(result as usize)
        }
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    {
        let _ = (fd, bytes);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the raw system call is written for x86-64 Linux",
        ))
    }
}

/// The same as [`raw_write`], through the C library's `write` function.
pub fn libc_write(fd: i32, bytes: &[u8]) -> io::Result<usize> {
    // SAFETY: `write` only reads `bytes.len()` bytes from a valid buffer.
    let result = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result as usize)
    }
}
