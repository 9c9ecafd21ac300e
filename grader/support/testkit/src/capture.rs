//! Capturing what code writes to a file descriptor such as standard output.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, RawFd};

/// Puts the original descriptor back, also when the captured code panics.
struct Restore {
    fd: RawFd,
    saved: RawFd,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = io::stdout().flush();
        // SAFETY: both descriptors are valid; `saved` is ours and closed once.
        unsafe {
            libc::dup2(self.saved, self.fd);
            libc::close(self.saved);
        }
    }
}

/// Runs `f` with `fd` redirected into a pipe and returns what was written to it.
///
/// Works below Rust's `print!` machinery, so it also captures raw `write` system calls.
/// The pipe holds 64 KiB; `f` must not write more than that.
pub fn capture_fd<R>(fd: RawFd, f: impl FnOnce() -> R) -> (R, Vec<u8>) {
    let _ = io::stdout().flush();
    let mut ends = [0; 2];
    // SAFETY: plain descriptor calls on descriptors created here.
    let reader = unsafe {
        assert_eq!(
            libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC),
            0,
            "pipe2 failed"
        );
        let saved = libc::dup(fd);
        assert!(saved >= 0, "dup failed");
        assert!(libc::dup2(ends[1], fd) >= 0, "dup2 failed");
        libc::close(ends[1]);
        (File::from_raw_fd(ends[0]), Restore { fd, saved })
    };
    let (mut reader, restore) = reader;
    let result = f();
    drop(restore);
    let mut captured = Vec::new();
    reader
        .read_to_end(&mut captured)
        .expect("reading the capture pipe failed");
    (result, captured)
}
