//! Running code in a forked child process, for checks whose correct outcome is a crash.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    Exited(i32),
    Signaled(i32),
}

/// Forks; the child runs `f` with a pipe to its parent and exits with status 0 when `f`
/// returns. Returns how the child ended and everything it wrote to the pipe.
///
/// The child is a copy of this process with only the calling thread: keep `f` simple
/// (no waiting on other threads).
pub fn in_child(f: impl FnOnce(&mut File)) -> (ChildEnd, Vec<u8>) {
    let mut ends = [0; 2];
    // SAFETY: pipe2 fills the array with two new descriptors.
    assert_eq!(
        unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) },
        0,
        "pipe2 failed"
    );
    // SAFETY: both descriptors are new and owned by exactly one File each.
    let (mut reader, writer) = unsafe { (File::from_raw_fd(ends[0]), File::from_raw_fd(ends[1])) };
    // SAFETY: fork has no preconditions; the child only runs `f` and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        drop(reader);
        let mut writer = writer;
        f(&mut writer);
        let _ = writer.flush();
        // SAFETY: ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(0) };
    }
    drop(writer);
    let mut report = Vec::new();
    let _ = reader.read_to_end(&mut report);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(
        unsafe { libc::waitpid(pid, &mut status, 0) },
        pid,
        "waitpid failed"
    );
    let end = if libc::WIFSIGNALED(status) {
        ChildEnd::Signaled(libc::WTERMSIG(status))
    } else {
        ChildEnd::Exited(libc::WEXITSTATUS(status))
    };
    (end, report)
}
