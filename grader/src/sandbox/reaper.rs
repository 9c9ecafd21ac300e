//! Finding processes that escaped a check's process group.
//!
//! Killing a check's process group does not reach a daemon that called `setsid`. The
//! grader therefore makes itself a *child subreaper*: any process orphaned below it is
//! re-parented to the grader instead of to init. A child of the grader that is not a check
//! it is running is such an escapee, and is killed.

use std::collections::BTreeSet;
use std::io;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard};

/// The check processes running now. Held across a spawn, so that a sweep never sees a
/// check that was just started as a stray.
static RUNNING: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Becomes the subreaper of everything the grader starts from now on.
pub fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with an integer argument.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
    }
}

/// Starts `command` as a child that [`kill_strays`] leaves alone until [`release`]: a
/// check, or a process the grader runs beside the checks on purpose (a build).
pub fn spawn_kept(command: &mut Command) -> io::Result<Child> {
    let mut running = running();
    let child = command.spawn()?;
    running.insert(child.id() as i32);
    Ok(child)
}

/// Makes a child started by [`spawn_kept`] a stray again, once it has been reaped.
pub fn release(child: &Child) {
    running().remove(&(child.id() as i32));
}

/// The set of running checks, locked.
pub fn running() -> MutexGuard<'static, BTreeSet<i32>> {
    RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Kills and reaps every child of the grader that is not a running check, including the
/// children those leave orphaned when they die. Returns how many were killed.
pub fn kill_strays() -> usize {
    let running = running();
    let mut killed = 0;
    // Each round kills one generation; a fork bomb's depth is bounded by its process limit.
    for _ in 0..10_000 {
        let strays: Vec<i32> = children_of_self()
            .into_iter()
            .filter(|pid| !running.contains(pid))
            .collect();
        if strays.is_empty() {
            break;
        }
        for pid in strays {
            // SAFETY: kill and waitpid on a child of this process, which cannot be reused
            // before it is reaped here.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
            killed += 1;
        }
    }
    killed
}

/// The pids whose parent is this process, from /proc.
fn children_of_self() -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| parent_of(pid) == Some(me))
        .collect()
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; the fields after it do not.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}
