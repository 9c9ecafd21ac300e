//! Running code whose correct outcome may end the process (a crash, an abort) in a child
//! process, and hearing what it says and how it ends.

use std::fmt::Write as _;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, Ordering};
use testkit::fork::{ChildEnd, in_child};

/// The child's end of the report pipe.
static REPORT_FD: AtomicI32 = AtomicI32::new(-1);

/// Writes one line to the parent. Usable from any stack and from a panic hook: it only
/// formats into a fresh `String` and calls `write`.
pub fn note(line: &str) {
    let fd = REPORT_FD.load(Ordering::SeqCst);
    if fd < 0 {
        return;
    }
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // SAFETY: writes from a live buffer to the child's own pipe descriptor.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// What a child said and how it ended.
pub struct Outcome {
    pub end: ChildEnd,
    /// The lines the child noted, in order; a panic is noted as `panic: <message>`.
    pub lines: Vec<String>,
}

impl Outcome {
    /// The message of the first panic the child noted.
    pub fn first_panic(&self) -> Option<&str> {
        self.lines.iter().find_map(|l| l.strip_prefix("panic: "))
    }

    pub fn noted(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }

    /// How the child ended, in words.
    pub fn ending(&self) -> String {
        match self.end {
            ChildEnd::Exited(code) => format!("exited with status {code}"),
            ChildEnd::Signaled(signal) => format!("was killed by {}", signal_name(signal)),
        }
    }

    /// Everything the child noted, on one line.
    pub fn transcript(&self) -> String {
        let mut text = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                text.push_str(" / ");
            }
            let _ = write!(text, "{line}");
        }
        if text.is_empty() {
            text.push_str("nothing");
        }
        text
    }
}

pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGTRAP => "SIGTRAP".into(),
        other => format!("signal {other}"),
    }
}

/// Runs `f` in a child process in which every panic is noted (then reported as usual on
/// standard error, so that a `todo!()` still reads as unwritten code). A panic that unwinds
/// out of `f` is noted as `unwound` and ends the child with status 101.
pub fn run(f: impl FnOnce()) -> Outcome {
    let (end, report) = in_child(|pipe| {
        REPORT_FD.store(pipe.as_raw_fd(), Ordering::SeqCst);
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload_as_str()
                .unwrap_or("<a panic without a message>");
            note(&format!("panic: {}", message.replace('\n', " ")));
            default(info);
        }));
        // A panic that unwinds out of `f` ends the child here, not in a copy of the test
        // harness.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
            note("unwound");
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(101) };
        }
    });
    let lines = String::from_utf8_lossy(&report)
        .lines()
        .map(str::to_owned)
        .collect();
    Outcome { end, lines }
}
