//! Control groups for one check: a process count that also binds root, a memory limit,
//! and a list of every process the check left, daemons that left its process group too.
//!
//! `RLIMIT_NPROC` does not apply to root, and graders in CI containers often run as root;
//! no rlimit bounds memory without also failing the green-thread stacks, which reserve far
//! more address space than they touch. Where the grader may create control groups, each
//! check gets its own: with cgroup v1 one in the `pids` and one in the `memory` hierarchy,
//! with cgroup v2 a single group holding both limits.

use std::ffi::CString;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The unified hierarchy, when the system uses cgroup v2 alone.
const V2_ROOT: &str = "/sys/fs/cgroup";
/// Where cgroup v1 mounts the two hierarchies used here.
const V1_PIDS: &str = "/sys/fs/cgroup/pids";
const V1_MEMORY: &str = "/sys/fs/cgroup/memory";

/// The control groups of one check. Dropping it kills what is left in them and removes them.
#[derive(Default)]
pub struct CheckGroups {
    dirs: Vec<PathBuf>,
    /// `cgroup.procs` of each group, for the child to write itself into.
    pub procs: Vec<CString>,
    /// The group holding the memory limit, when there is one.
    memory: Option<PathBuf>,
}

impl CheckGroups {
    /// Groups limiting the check to `max_tasks` processes and threads and `max_memory`
    /// bytes, as far as this system lets the grader make them (possibly none).
    pub fn create(max_tasks: u64, max_memory: u64) -> CheckGroups {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        // Random as well as numbered: a grader killed before it could remove its groups
        // leaves them behind, and the next one may get the same process id in a container.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let name = format!(
            "grader-{}-{}-{random:016x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut groups = CheckGroups::default();
        let tasks = [("pids.max", max_tasks.to_string())];
        if Path::new(V2_ROOT).join("cgroup.controllers").is_file() {
            let memory = [
                ("memory.max", max_memory.to_string()),
                ("memory.swap.max", "0".into()),
            ];
            // Both are tried: a kernel may offer one controller and not the other.
            groups.keep(make(V2_ROOT, "", &name, |dir| {
                let (limits_tasks, limits_memory) = (set(dir, &tasks), set(dir, &memory));
                (limits_tasks || limits_memory).then_some(limits_memory)
            }));
            return groups;
        }
        groups.keep(make(V1_PIDS, "pids", &name, |dir| {
            set(dir, &tasks).then_some(false)
        }));
        let memory = [
            ("memory.limit_in_bytes", max_memory.to_string()),
            // Without this, memory beyond the limit goes to swap instead of stopping.
            ("memory.memsw.limit_in_bytes", max_memory.to_string()),
        ];
        groups.keep(make(V1_MEMORY, "memory", &name, |dir| {
            set(dir, &memory).then_some(true)
        }));
        groups
    }

    /// Whether checks get a memory limit here: makes a group with one, and removes it.
    pub fn memory_limit_works(max_tasks: u64, max_memory: u64) -> bool {
        CheckGroups::create(max_tasks, max_memory).memory.is_some()
    }

    /// Takes over a group `make` made, if it made one.
    fn keep(&mut self, made: Option<(PathBuf, bool)>) {
        let Some((dir, limits_memory)) = made else {
            return;
        };
        let Ok(procs) = CString::new(dir.join("cgroup.procs").as_os_str().as_bytes()) else {
            let _ = std::fs::remove_dir(&dir);
            return;
        };
        self.procs.push(procs);
        if limits_memory {
            self.memory = Some(dir.clone());
        }
        self.dirs.push(dir);
    }

    /// Moves the calling process into the group whose `cgroup.procs` is `procs`.
    ///
    /// # Safety
    /// Async-signal-safe (open, write, close), for a child between fork and exec.
    pub unsafe fn join(procs: &std::ffi::CStr) -> io::Result<()> {
        // SAFETY: see the function's contract.
        unsafe {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let written = libc::write(fd, c"0".as_ptr().cast(), 1);
            let err = io::Error::last_os_error();
            libc::close(fd);
            if written != 1 {
                return Err(err);
            }
        }
        Ok(())
    }

    /// Whether the kernel killed a process of the check for going over its memory limit.
    pub fn out_of_memory(&self) -> bool {
        let Some(dir) = &self.memory else {
            return false;
        };
        let positive = |file: &str, key: &str| {
            std::fs::read_to_string(dir.join(file))
                .unwrap_or_default()
                .lines()
                .filter_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
                .any(|count| count.trim().parse::<u64>().is_ok_and(|n| n > 0))
        };
        // The kill counters include kills by the machine-wide killer; v2 also counts the
        // times the group itself hit its limit, so there both must have happened. v1 has
        // no such count that is reliable (`failcnt` stays 0 when the kernel fills pages in
        // for `MAP_POPULATE`), so a machine-wide kill would be blamed on the limit there.
        let v2 = positive("memory.events", "oom") && positive("memory.events", "oom_kill");
        let v1 = positive("memory.oom_control", "oom_kill");
        v2 || v1
    }

    /// Kills every process in the groups until none is left. Returns how many were seen.
    pub fn kill_all(&self) -> usize {
        // cgroup v2 (Linux 5.14 and later) kills a whole group in the kernel, without the
        // window in which a pid read from the group could be reused by another process.
        for dir in &self.dirs {
            write_existing(&dir.join("cgroup.kill"), "1");
        }
        let mut killed = 0;
        for _ in 0..1000 {
            let pids = self.members();
            if pids.is_empty() {
                break;
            }
            for pid in &pids {
                // SAFETY: kill with a pid just read from the group. Where there is no
                // cgroup.kill, a member that exits and is reaped in between could have its
                // pid reused; the window is the few microseconds between the read and this.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            killed += pids.len();
            std::thread::sleep(Duration::from_millis(2));
        }
        killed
    }

    fn members(&self) -> Vec<i32> {
        let mut pids: Vec<i32> = self
            .dirs
            .iter()
            .flat_map(|dir| {
                std::fs::read_to_string(dir.join("cgroup.procs"))
                    .unwrap_or_default()
                    .lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }
}

impl Drop for CheckGroups {
    fn drop(&mut self) {
        self.kill_all();
        for dir in &self.dirs {
            // A killed process leaves the group only once reaped, which may take a moment.
            for _ in 0..500 {
                if std::fs::remove_dir(dir).is_ok() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }
}

/// Makes a new group called `name` and sets its limits with `limit`, which returns `None`
/// when none took, else whether the memory limit did. Tries inside the grader's own group
/// of that hierarchy first (so limits set on the grader still bind its checks), then at the
/// hierarchy's root: with cgroup v2 the grader's own group usually cannot pass controllers
/// on, since it holds processes itself.
fn make(
    root: &str,
    controller: &str,
    name: &str,
    limit: impl Fn(&Path) -> Option<bool>,
) -> Option<(PathBuf, bool)> {
    let own = own_group(controller).map(|rel| Path::new(root).join(rel));
    [own, Some(PathBuf::from(root))]
        .into_iter()
        .flatten()
        .find_map(|parent| {
            let dir = parent.join(name);
            std::fs::create_dir(&dir).ok()?;
            let limits_memory = limit(&dir);
            if limits_memory.is_none() {
                let _ = std::fs::remove_dir(&dir);
            }
            Some((dir, limits_memory?))
        })
}

/// The grader's group in the hierarchy of `controller` ("" for cgroup v2), relative to the
/// hierarchy's root, from /proc/self/cgroup (lines such as `4:memory:/a/b` or `0::/a/b`).
fn own_group(controller: &str) -> Option<PathBuf> {
    group_in(
        &std::fs::read_to_string("/proc/self/cgroup").ok()?,
        controller,
    )
}

/// The group of `controller` in a table read from /proc/<pid>/cgroup.
fn group_in(table: &str, controller: &str) -> Option<PathBuf> {
    table.lines().find_map(|line| {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        let matches = if controller.is_empty() {
            controllers.is_empty()
        } else {
            controllers.split(',').any(|c| c == controller)
        };
        let rel = Path::new(path.trim_start_matches('/'));
        // Outside its namespace's root the path reads `/../..`: no place to make groups.
        let plain = rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        (matches && plain && !rel.as_os_str().is_empty()).then(|| rel.to_path_buf())
    })
}

/// Writes the limits into the group's files. The first one must take; the others are
/// refinements a kernel may lack (no swap accounting, say).
fn set(dir: &Path, limits: &[(&str, String)]) -> bool {
    let Some(((file, value), refinements)) = limits.split_first() else {
        return false;
    };
    if !write_existing(&dir.join(file), value) {
        return false;
    }
    for (file, value) in refinements {
        write_existing(&dir.join(file), value);
    }
    true
}

/// Writes `value` into a control file that must already exist: a file created on an
/// ordinary file system that merely looks like a cgroup mount limits nothing.
fn write_existing(path: &Path, value: &str) -> bool {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(value.as_bytes()))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_group_is_read_per_hierarchy_and_only_when_it_is_a_plain_path() {
        let v1 = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/\n";
        assert_eq!(
            group_in(v1, "memory"),
            Some(PathBuf::from("process_api/abc"))
        );
        assert_eq!(group_in(v1, "cpuacct"), Some(PathBuf::from("x")));
        assert_eq!(group_in(v1, "pids"), None, "the root itself");
        assert_eq!(
            group_in("0::/user.slice/session-1.scope\n", ""),
            Some(PathBuf::from("user.slice/session-1.scope"))
        );
        assert_eq!(
            group_in("0::/../..\n", ""),
            None,
            "outside the namespace's root"
        );
        assert_eq!(group_in(v1, "blkio"), None);
    }
}
