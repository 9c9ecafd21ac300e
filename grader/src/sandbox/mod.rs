//! Running one check in a process of its own, under limits.
//!
//! Each check process gets its own process group (so a timeout kills everything it
//! started), closed stdin, CPU-time / file-size / core-dump limits, and a single pipe for
//! stdout and stderr whose content is capped. It also gets the two ends of the success
//! record protocol (see `testkit::record`): a pipe holding a fresh nonce, and a pipe to
//! write the record to. The grader waits for the process with a pidfd and `poll`, so it
//! never busy-waits while a check runs. Before a check is killed for time, the stacks of
//! its threads are copied (`stacks`), and a check may ask for the same while it runs
//! (`asking`): where the code was stuck is only known before the kill.
//!
//! This layer uses std and libc only: what runs between fork and exec must not allocate,
//! so namespaces and control groups are entered with plain system calls on data prepared
//! before the fork.

mod asking;
pub mod cgroup;
pub mod namespaces;
mod output;
pub mod reaper;
pub mod stacks;
mod wait;

use asking::{Asks, socket_pair};
use cgroup::CheckGroups;
use namespaces::Plan;
use output::CappedOutput;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use wait::ExitWaiter;

/// Environment variable naming the record descriptors (shared with `testkit::record`).
pub const FDS_VAR: &str = "GRADER_RECORD_FDS";
/// Environment variable naming the socket on which a check asks for its own stacks
/// (shared with `testkit::stuck`): a check that gives up waiting (a drop that never
/// returns) has the grader say where its threads were, as a time limit would.
pub const STACKS_VAR: &str = "GRADER_STACKS_FD";

#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    /// A check printing more than this is stopped.
    pub max_output: usize,
    /// Largest file a check may write.
    pub max_file: u64,
    /// Most processes and threads the check may have (in its own user namespace when
    /// isolated, else counting all of the user's).
    pub max_tasks: u64,
    /// Most memory the check may use, where control groups allow a limit.
    pub max_memory: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Signaled(i32),
    TimedOut,
    TooMuchOutput,
}

/// What happened when a check ran.
#[derive(Debug, Clone)]
pub struct Run {
    pub ending: Ending,
    /// stdout and stderr interleaved; the middle is cut out when it is long.
    pub output: String,
    /// The record line the check wrote, when its nonce matched.
    pub record: Option<String>,
    pub elapsed: Duration,
    /// The check's memory limit in bytes, when the kernel killed a process of the check
    /// for going over it.
    pub out_of_memory: Option<u64>,
    /// Every thread's stack, taken before a kill for time or when the check asked.
    pub stacks: Option<stacks::Snapshot>,
}

/// A command to run: the program, its arguments, its directory and extra environment.
pub struct Spec<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub cwd: &'a Path,
    pub env: Vec<(OsString, OsString)>,
    /// Environment variables removed from the grader's own environment.
    pub env_remove_prefixes: &'a [&'a str],
    /// Namespaces to run in, when the system allows them.
    pub isolation: Option<&'a Plan>,
}

pub fn run(spec: &Spec, limits: &Limits) -> io::Result<Run> {
    let nonce = fresh_nonce()?;
    let (nonce_read, nonce_write) = pipe()?;
    let (record_read, record_write) = pipe()?;
    let (out_read, out_write) = pipe()?;
    let (asking, asking_theirs) = socket_pair()?;
    File::from(nonce_write).write_all(nonce.as_bytes())?;
    let child_fds = [
        nonce_read.as_raw_fd(),
        record_write.as_raw_fd(),
        asking_theirs.as_raw_fd(),
    ];

    let mut command = Command::new(spec.program);
    command
        .args(&spec.args)
        .current_dir(spec.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_write.try_clone()?))
        .stderr(Stdio::from(out_write))
        .process_group(0);
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if spec
            .env_remove_prefixes
            .iter()
            .any(|p| key_text.starts_with(p))
        {
            command.env_remove(&key);
        }
    }
    command
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env(FDS_VAR, format!("{}:{}", child_fds[0], child_fds[1]))
        .env(STACKS_VAR, child_fds[2].to_string());
    let (cpu_secs, max_file) = (limits.timeout.as_secs() + 5, limits.max_file);
    let max_tasks = limits.max_tasks;
    let isolation = spec.isolation.cloned();
    let groups = CheckGroups::create(max_tasks, limits.max_memory);
    let group_procs = groups.procs.clone();
    // SAFETY: the closure only calls async-signal-safe functions (fcntl, open, write, close,
    // setrlimit, prctl, and the system calls of `Plan::enter`) on values computed before
    // fork, and allocates nothing, as required between fork and exec.
    unsafe {
        command.pre_exec(move || {
            for fd in child_fds {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            // Before the user namespace: afterwards the group's files are not ours to write.
            for procs in &group_procs {
                CheckGroups::join(procs)?;
            }
            if let Some(plan) = &isolation {
                plan.enter()?;
            }
            set_limit(libc::RLIMIT_CPU, cpu_secs)?;
            set_limit(libc::RLIMIT_FSIZE, max_file)?;
            set_limit(libc::RLIMIT_CORE, 0)?;
            set_limit(libc::RLIMIT_NPROC, max_tasks)?;
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = reaper::spawn_kept(&mut command)?;
    drop(command);
    drop((nonce_read, record_write, asking_theirs));
    let pgid = child.id() as libc::pid_t;
    let mut asks = Asks::new(asking)?;

    let waiter = ExitWaiter::new(pgid);
    let mut output = CappedOutput::default();
    let mut out = File::from(out_read);
    set_nonblocking(out.as_raw_fd())?;
    let deadline = started + limits.timeout;
    let mut ending = None;
    let mut out_open = true;
    while ending.is_none() {
        let now = Instant::now();
        if now >= deadline {
            ending = Some(Ending::TimedOut);
            break;
        }
        let ready = waiter.wait(
            out_open.then_some(out.as_raw_fd()),
            asks.fd(),
            deadline - now,
        )?;
        if ready.asked {
            asks.answer(pgid);
        }
        if ready.output {
            out_open = output.drain(&mut out)?;
            if output.total > limits.max_output {
                ending = Some(Ending::TooMuchOutput);
            }
        }
        if ending.is_some() {
            break;
        }
        if let Some(status) = child.try_wait()? {
            ending = Some(match status.code() {
                Some(code) => Ending::Exited(code),
                None => Ending::Signaled(status.signal().unwrap_or(0)),
            });
        }
    }
    // Where a stuck check was stuck is only known before it is killed.
    let mut leftover = std::mem::take(&mut asks.leftover);
    if ending == Some(Ending::TimedOut) {
        let (snapshot, left) = stacks::take(pgid, stacks::BUDGET);
        leftover.add(left);
        asks.snapshot = snapshot.or(asks.snapshot.take());
    }
    // Whatever the ending, nothing the check started may outlive it.
    // SAFETY: killpg on the group we created for this child.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    stacks::reap(leftover, pgid);
    child.wait()?;
    let elapsed = started.elapsed();
    let out_of_memory = groups.out_of_memory().then_some(limits.max_memory);
    drop(groups);
    reaper::release(&child);
    reaper::kill_strays();
    if out_open {
        // The group is dead, so the pipe's writers are gone, unless something escaped
        // the group; give that a moment, then stop reading.
        let grace = Instant::now() + Duration::from_millis(200);
        while out_open && Instant::now() < grace {
            if waiter
                .wait(Some(out.as_raw_fd()), None, grace - Instant::now())?
                .output
            {
                out_open = output.drain(&mut out)?;
            }
        }
    }
    let record = read_record(record_read, &nonce)?;
    Ok(Run {
        ending: ending.expect("the loop only ends with an ending"),
        output: output.text(),
        record,
        elapsed,
        out_of_memory,
        stacks: asks.snapshot,
    })
}

fn read_record(read_end: OwnedFd, nonce: &str) -> io::Result<Option<String>> {
    set_nonblocking(read_end.as_raw_fd())?;
    let mut text = String::new();
    let _ = File::from(read_end).take(4096).read_to_string(&mut text);
    Ok(text.lines().find_map(|line| {
        let mut words = line.splitn(3, ' ');
        let (verb, their_nonce, rest) = (words.next()?, words.next()?, words.next()?);
        (their_nonce == nonce).then(|| format!("{verb} {rest}"))
    }))
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array we pass.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit with a valid rlimit struct.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// 128 random bits as hex, from the kernel.
fn fresh_nonce() -> io::Result<String> {
    const SOURCE: &str = "/dev/urandom";
    let mut bytes = [0u8; 16];
    File::open(SOURCE)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {SOURCE}: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs `command` in a process group of its own to its end and collects its stdout and
/// stderr apart, unless it runs longer than `limit`: then the whole group is killed and
/// `None` returned.
pub fn capture(mut command: Command, limit: Duration) -> io::Result<Option<Output>> {
    // Kept: a check ending in another thread meanwhile must not take it for a stray.
    let mut child = reaper::spawn_kept(
        command
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )?;
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let status = wait::exit_within(&mut child, limit);
    reaper::release(&child);
    let status = status?;
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    Ok(status.map(|status| Output {
        status,
        stdout,
        stderr,
    }))
}

/// The conventional name of a signal.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}
