//! Linux namespaces around the code under test, where the kernel lets an ordinary user
//! create them.
//!
//! A check process gets a user namespace (so that it may mount), a mount namespace in which
//! the course and the submission are read-only and the folders holding answers are hidden
//! behind an empty tmpfs, and a network namespace with only loopback up. A build of a
//! submission gets only the hidden folders, since cargo may need the registry.
//!
//! Everything the child does between fork and exec is prepared before the fork: the paths
//! as C strings and the mount flags that a user namespace forbids dropping.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a child process is shut off from.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    uid_map: CString,
    gid_map: CString,
    /// Folders remounted read-only, with the flags their mount already has.
    read_only: Vec<(CString, libc::c_ulong)>,
    /// Folders covered by an empty, read-only tmpfs.
    hidden: Vec<CString>,
    /// A network namespace with loopback only.
    network: bool,
}

/// Whether checks run isolated, and why not when they do not.
#[derive(Debug, Clone)]
pub enum Support {
    On,
    Off(String),
}

impl Plan {
    /// A plan for `read_only` and `hidden` folders; missing folders are left out, since
    /// there is nothing to protect and nowhere to mount.
    pub fn new(read_only: &[PathBuf], hidden: &[PathBuf], network: bool) -> io::Result<Plan> {
        // SAFETY: getuid and getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let mut plan = Plan {
            uid_map: CString::new(format!("{} {uid} 1\n", inside_id(uid)))?,
            gid_map: CString::new(format!("{} {gid} 1\n", inside_id(gid)))?,
            network,
            ..Plan::default()
        };
        for dir in read_only.iter().filter(|d| d.is_dir()) {
            let dir = dir.canonicalize().map_err(|e| of(dir, e))?;
            let flags = locked_flags(&dir).map_err(|e| of(&dir, e))?;
            plan.read_only.push((c_path(&dir)?, flags));
        }
        for dir in hidden.iter().filter(|d| d.is_dir()) {
            let dir = dir.canonicalize().map_err(|e| of(dir, e))?;
            plan.hidden.push(c_path(&dir)?);
        }
        Ok(plan)
    }

    /// Enters the namespaces and applies the plan. Only for a child between fork and exec:
    /// it calls nothing but system calls, on data prepared before the fork.
    ///
    /// # Safety
    /// The caller must be a single-threaded child process about to exec.
    pub unsafe fn enter(&self) -> io::Result<()> {
        let mut flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS;
        if self.network {
            flags |= libc::CLONE_NEWNET;
        }
        // SAFETY (all blocks below): plain system calls on NUL-terminated strings and
        // structures owned by this function or by `self`.
        check(unsafe { libc::unshare(flags) })?;
        unsafe {
            write_file(c"/proc/self/setgroups", c"deny")?;
            write_file(c"/proc/self/uid_map", &self.uid_map)?;
            write_file(c"/proc/self/gid_map", &self.gid_map)?;
        }
        let none = std::ptr::null();
        // Mounts made here must not propagate back to the grader's namespace.
        check(unsafe {
            libc::mount(
                none,
                c"/".as_ptr(),
                none,
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
        })?;
        for (dir, locked) in &self.read_only {
            check(unsafe {
                libc::mount(
                    dir.as_ptr(),
                    dir.as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                )
            })?;
            check(unsafe {
                libc::mount(
                    none,
                    dir.as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | locked,
                    std::ptr::null(),
                )
            })?;
        }
        for dir in &self.hidden {
            let covered = unsafe {
                libc::mount(
                    c"none".as_ptr(),
                    dir.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                    c"size=4k".as_ptr().cast(),
                )
            };
            // A folder removed since the plan was made (another grading's scratch space)
            // has nothing left to hide.
            let error = io::Error::last_os_error();
            if covered != 0 && error.raw_os_error() != Some(libc::ENOENT) {
                return Err(error);
            }
        }
        if self.network {
            unsafe { loopback_up() }?;
        }
        Ok(())
    }
}

/// Tries `plan` on a trivial child process.
pub fn probe(plan: &Plan) -> Support {
    let mut command = Command::new("/bin/sh");
    command
        .args(["-c", "exit 0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let plan_in_child = plan.clone();
    // SAFETY: `enter` only makes system calls on data prepared before the fork.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, move || plan_in_child.enter());
    }
    match command.status() {
        Ok(status) if status.success() => Support::On,
        Ok(status) => Support::Off(format!("a probe process ended with {status}")),
        Err(e) => Support::Off(format!(
            "this system does not let the grader create namespaces ({e})"
        )),
    }
}

/// The id the check has inside its user namespace. Root outside must not be root inside:
/// root there keeps every capability in the namespace after exec, and could unmount the
/// read-only and hiding mounts made for it. Any other id loses them at exec.
fn inside_id(outside: u32) -> u32 {
    if outside == 0 { NOBODY } else { outside }
}

/// The conventional unprivileged id.
const NOBODY: u32 = 65534;

/// `error` with the path it concerns (std's errors do not name it).
fn of(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

fn c_path(path: &Path) -> io::Result<CString> {
    Ok(CString::new(path.as_os_str().as_bytes())?)
}

/// The flags of the mount holding `dir` that a bind remount inside a user namespace must
/// keep (the kernel refuses to clear them).
fn locked_flags(dir: &Path) -> io::Result<libc::c_ulong> {
    let path = c_path(dir)?;
    // SAFETY: statvfs fills the zeroed structure we pass.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    check(unsafe { libc::statvfs(path.as_ptr(), &mut stat) })?;
    let pairs = [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ];
    Ok(pairs
        .iter()
        .filter(|(st, _)| stat.f_flag & st != 0)
        .fold(0, |acc, (_, ms)| acc | ms))
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// # Safety
/// Async-signal-safe: open, write and close only.
unsafe fn write_file(path: &std::ffi::CStr, text: &std::ffi::CStr) -> io::Result<()> {
    // SAFETY: see the function's contract.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        check(fd)?;
        let bytes = text.to_bytes();
        let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
        libc::close(fd);
        if written != bytes.len() as isize {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A new network namespace starts with loopback down; the checks' servers need it up.
///
/// # Safety
/// Async-signal-safe: socket, ioctl and close only.
unsafe fn loopback_up() -> io::Result<()> {
    // SAFETY: see the function's contract; `request` is a plain ifreq we own.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        check(fd)?;
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        let mut rc = libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut request);
        if rc == 0 {
            request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            rc = libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &request);
        }
        let err = io::Error::last_os_error();
        libc::close(fd);
        if rc != 0 {
            return Err(err);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_folder_removed_after_planning_does_not_stop_the_process() {
        let gone = tempfile::tempdir().unwrap();
        let plan = Plan::new(&[], &[gone.path().to_path_buf()], true).unwrap();
        assert_eq!(
            plan.hidden.len(),
            1,
            "the folder existed when the plan was made"
        );
        assert!(
            matches!(probe(&Plan::new(&[], &[], true).unwrap()), Support::On),
            "this test needs namespaces, which the grader's tests rely on throughout"
        );
        drop(gone);
        assert!(matches!(probe(&plan), Support::On), "{:?}", probe(&plan));
    }
}
