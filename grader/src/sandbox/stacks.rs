//! Taking the stacks of a stuck check, from outside, before it is killed.
//!
//! Why from outside, with ptrace: the grader is the check's parent, so the kernel lets it
//! stop every thread of the check, read its registers and copy its stack, whatever the
//! thread is doing (blocked in a system call, spinning, or with every signal blocked).
//! Code inside the check has no say: a signal handler installed by the checks' helper
//! library could be replaced, blocked or starved by the code under test, and unwinding in
//! a signal handler without allocating is its own hazard. Here nothing runs in the check;
//! the grader only copies raw bytes (registers, the used part of each stack, the memory
//! map) and the grading layer unwinds and names them later, from the binaries on disk.
//!
//! Bounded: whatever is not stopped within the budget is left out, and a snapshot is only
//! ever an explanation; it never changes a verdict.

use std::io;
use std::time::{Duration, Instant};

/// How long taking the stacks may delay a kill.
pub const BUDGET: Duration = Duration::from_secs(1);
/// The most stack copied per thread: a stuck thread's frames sit near the top.
const MAX_STACK: u64 = 512 * 1024;
/// A check with more threads than this is described by its first ones.
const MAX_THREADS: usize = 256;

/// The raw state of every thread of one process at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `/proc/PID/maps` at that moment: which file is mapped where.
    pub maps: String,
    pub threads: Vec<ThreadState>,
}

#[derive(Debug, Clone)]
pub struct ThreadState {
    pub tid: i32,
    /// The process's first thread (the one `main` runs on).
    pub main: bool,
    pub ip: u64,
    pub sp: u64,
    pub bp: u64,
    /// The thread's stack from `sp` upwards, as far as its mapping goes (capped).
    pub stack: Vec<u8>,
}

/// Threads that stayed attached because they did not stop in time; they must be reaped
/// by the caller (with [`reap`]) after the process is killed, or its exit is never seen.
#[derive(Debug, Default)]
pub struct Leftover(Vec<i32>);

/// Stops every thread of `pid`, copies its registers and stack, and lets it go on.
/// `None` when the process cannot be traced at all (no permission, or it is gone).
pub fn take(pid: i32, budget: Duration) -> (Option<Snapshot>, Leftover) {
    let deadline = Instant::now() + budget;
    let mut attached = Vec::new();
    for tid in threads_of(pid).into_iter().take(MAX_THREADS) {
        if seize(tid).is_ok() {
            attached.push(tid);
        }
    }
    if attached.is_empty() {
        return (None, Leftover::default());
    }
    let stopped = wait_for_stops(&attached, deadline);
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut threads = Vec::new();
    for &(tid, _) in &stopped {
        if let Some(state) = state_of(pid, tid, &maps) {
            threads.push(state);
        }
    }
    let mut left = Vec::new();
    for &tid in &attached {
        let signal = stopped
            .iter()
            .find(|(t, _)| *t == tid)
            .map(|(_, s)| *s)
            .unwrap_or(-1);
        // A thread that never stopped cannot be detached; a signal that arrived while it
        // was stopped is handed back, so the check sees nothing of this.
        if signal < 0 || detach(tid, signal).is_err() {
            left.push(tid);
        }
    }
    threads.sort_by_key(|t| (!t.main, t.tid));
    let snapshot = (!threads.is_empty()).then_some(Snapshot { maps, threads });
    (snapshot, Leftover(left))
}

impl Leftover {
    pub fn add(&mut self, other: Leftover) {
        self.0.extend(other.0);
    }
}

/// Reaps the threads [`take`] could not detach, once their process `pid` has been killed;
/// the process itself is left to its parent's wait.
pub fn reap(leftover: Leftover, pid: i32) {
    for tid in leftover.0.into_iter().filter(|&tid| tid != pid) {
        let mut status = 0;
        // SAFETY: waitpid on a thread this thread traces; SIGKILL has been sent to it.
        unsafe { libc::waitpid(tid, &mut status, libc::__WALL) };
    }
}

fn threads_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut tids: Vec<i32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    tids
}

fn seize(tid: i32) -> io::Result<()> {
    // SAFETY: ptrace requests on a thread id with null address and data; interrupting
    // right away puts the thread in a stop this thread can wait for.
    unsafe {
        check(libc::ptrace(libc::PTRACE_SEIZE, tid, 0, 0))?;
        check(libc::ptrace(libc::PTRACE_INTERRUPT, tid, 0, 0))?;
    }
    Ok(())
}

/// Waits until each of `tids` has stopped, or `deadline`; returns those that stopped, each
/// with the signal to hand back when it is let go (0 for none).
fn wait_for_stops(tids: &[i32], deadline: Instant) -> Vec<(i32, i32)> {
    let mut stopped = Vec::new();
    let mut waiting: Vec<i32> = tids.to_vec();
    while !waiting.is_empty() {
        waiting.retain(|&tid| {
            let mut status = 0;
            // SAFETY: waitpid on a thread this thread traces, without blocking.
            let rc = unsafe { libc::waitpid(tid, &mut status, libc::__WALL | libc::WNOHANG) };
            if rc != tid {
                // Not stopped yet, or gone (then it is no longer ours to wait for).
                return rc == 0;
            }
            if libc::WIFSTOPPED(status) {
                let signal = libc::WSTOPSIG(status);
                let interrupted = status >> 16 == libc::PTRACE_EVENT_STOP;
                let handed_back = if interrupted || signal == libc::SIGTRAP {
                    0
                } else {
                    signal
                };
                stopped.push((tid, handed_back));
            }
            false
        });
        if waiting.is_empty() || Instant::now() >= deadline {
            break;
        }
        // Threads blocked in a system call stop at once; only a thread in an
        // uninterruptible wait keeps this loop going, at most until the deadline.
        std::thread::sleep(Duration::from_millis(1));
    }
    stopped
}

#[cfg(not(target_arch = "x86_64"))]
fn state_of(_pid: i32, _tid: i32, _maps: &str) -> Option<ThreadState> {
    None
}

#[cfg(target_arch = "x86_64")]
fn state_of(pid: i32, tid: i32, maps: &str) -> Option<ThreadState> {
    // SAFETY: user_regs_struct is plain data; PTRACE_GETREGS fills it for a stopped tracee.
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    // SAFETY: see above.
    check(unsafe { libc::ptrace(libc::PTRACE_GETREGS, tid, 0, &mut regs) }).ok()?;
    let sp = regs.rsp;
    let top = mapping_end(maps, sp)?;
    let len = (top - sp).min(MAX_STACK);
    let stack = read_memory(pid, sp, len as usize);
    Some(ThreadState {
        tid,
        main: tid == pid,
        ip: regs.rip,
        sp,
        bp: regs.rbp,
        stack,
    })
}

/// The end of the mapping holding `address`.
fn mapping_end(maps: &str, address: u64) -> Option<u64> {
    maps.lines().find_map(|line| {
        let range = line.split_whitespace().next()?;
        let (start, end) = range.split_once('-')?;
        let (start, end) = (
            u64::from_str_radix(start, 16).ok()?,
            u64::from_str_radix(end, 16).ok()?,
        );
        (start..end).contains(&address).then_some(end)
    })
}

/// Copies `len` bytes at `address` of process `pid`; short when part is unreadable.
fn read_memory(pid: i32, address: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    let local = libc::iovec {
        iov_base: bytes.as_mut_ptr().cast(),
        iov_len: len,
    };
    let remote = libc::iovec {
        iov_base: address as *mut libc::c_void,
        iov_len: len,
    };
    // SAFETY: the local buffer is `len` bytes we own; the kernel checks the remote range.
    let read = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    bytes.truncate(read.max(0) as usize);
    bytes
}

fn detach(tid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: detaching a stopped tracee, handing back `signal` (0 for none).
    check(unsafe { libc::ptrace(libc::PTRACE_DETACH, tid, 0, signal as libc::c_long) })
}

fn check(rc: libc::c_long) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn a_childs_threads_are_copied_and_the_child_goes_on() {
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        // Until exec, the child is a copy of this program; its stack is then sleep's.
        let exec_done = Instant::now() + Duration::from_secs(5);
        while std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe == std::env::current_exe().unwrap())
            && Instant::now() < exec_done
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (snapshot, leftover) = take(pid, BUDGET);
        assert!(leftover.0.is_empty(), "{leftover:?}");
        let snapshot = snapshot.expect("a child of this process can be traced");
        assert_eq!(snapshot.threads.len(), 1);
        let thread = &snapshot.threads[0];
        assert!(thread.main && thread.tid == pid);
        assert!(thread.ip != 0 && !thread.stack.is_empty());
        assert!(mapping_end(&snapshot.maps, thread.ip).is_some());
        // Detached: the child is neither stopped nor gone.
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let state = state[state.rfind(')').unwrap() + 2..].chars().next();
        assert!(
            !matches!(state, Some('t' | 'T')),
            "the child's state after the snapshot: {state:?}"
        );
        assert!(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_process_that_cannot_be_traced_gives_no_snapshot() {
        // This process itself: a thread group cannot trace its own threads.
        let (snapshot, leftover) = take(std::process::id() as i32, BUDGET);
        assert!(snapshot.is_none() && leftover.0.is_empty());
        let (snapshot, _) = take(i32::MAX, BUDGET);
        assert!(snapshot.is_none());
    }
}
