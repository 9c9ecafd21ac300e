//! `grader watch`, driven through a real pseudo-terminal as a learner would use it: keys
//! without Enter, a redrawn screen, and a re-grade when a file is saved.
//!
//! The course is a copy of the mini course's `beta` (passes) and `delta` (a stub), made in
//! a temporary folder so that saving files touches nothing of the repository.

mod common;

use common::{copy_tree, mini_course, repo};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the test waits for a screen before it fails: a cold build of the copied course
/// included. A deadline for the test, not a measurement.
const PATIENCE: Duration = Duration::from_secs(240);

/// A copy of the mini course with only `beta` and `delta`.
fn small_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = mini_course();
    for rel in [
        "exercises/02-beta",
        "exercises/04-delta",
        "grader/checks/02-beta",
        "grader/checks/04-delta",
        "grader/support/testkit",
    ] {
        copy_tree(&from.join(rel), &dir.path().join(rel));
    }
    std::fs::copy(from.join("Cargo.toml"), dir.path().join("Cargo.toml")).unwrap();
    std::fs::copy(from.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let mut course: toml::Table =
        toml::from_str(&std::fs::read_to_string(from.join("course.toml")).unwrap()).unwrap();
    let exercises = course["exercise"].as_array_mut().unwrap();
    exercises.retain(|ex| ["beta", "delta"].contains(&ex["name"].as_str().unwrap()));
    std::fs::write(
        dir.path().join("course.toml"),
        toml::to_string(&course).unwrap(),
    )
    .unwrap();
    dir
}

/// The grader in watch mode on a pseudo-terminal, and everything it printed so far.
struct Session {
    child: Child,
    master: File,
    screen: Arc<Mutex<String>>,
    /// How much of the screen text earlier expectations consumed.
    seen: usize,
}

impl Session {
    /// `target` names a target folder of this test's own (see below).
    fn start(course: &Path, target: &str, extra: &[&str]) -> Session {
        let (master, slave) = open_pty();
        let mut command = Command::new(env!("CARGO_BIN_EXE_grader"));
        command
            .arg("--course")
            .arg(course)
            .arg("watch")
            .args(extra)
            // A target folder per test: cargo names path packages by their place in the
            // workspace, so two copies of the course built in one folder (or a copy and
            // the mini course itself) would each take the other's crates for their own.
            .env("CARGO_TARGET_DIR", repo().join("target").join(target))
            .env_remove("NO_COLOR")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and ioctl are async-signal-safe; they make the pseudo-terminal
        // the child's controlling terminal, as a login shell's would be.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        let screen = Arc::new(Mutex::new(String::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child and its terminal are gone.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Session {
            child,
            master,
            screen,
            seen: 0,
        }
    }

    /// Waits until `text` appears after what earlier expectations consumed.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            {
                let screen = self.screen.lock().unwrap();
                if let Some(at) = screen[self.seen..].find(text) {
                    self.seen += at + text.len();
                    return;
                }
            }
            if Instant::now() > deadline {
                let screen = self.screen.lock().unwrap();
                panic!(
                    "no {text:?} on the screen; after the last match it shows:\n{}",
                    &screen[self.seen..]
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything shown after what earlier expectations consumed.
    fn rest(&self) -> String {
        self.screen.lock().unwrap()[self.seen..].to_owned()
    }

    fn press(&mut self, key: &str) {
        self.master.write_all(key.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    fn finish(mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("the grader was killed");
            }
            assert!(Instant::now() < deadline, "watch mode did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn open_pty() -> (File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors; the name, settings and size are optional.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and belong to nobody else.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn save_answer(course: &Path, value: u32) {
    std::fs::write(
        course.join("exercises/04-delta/src/lib.rs"),
        format!("pub fn answer() -> u32 {{\n    {value}\n}}\n"),
    )
    .unwrap();
}

fn save_greeting(course: &Path, word: &str) {
    std::fs::write(
        course.join("exercises/02-beta/src/lib.rs"),
        format!("pub fn greet(name: &str) -> String {{\n    format!(\"{word}, {{name}}\")\n}}\n"),
    )
    .unwrap();
}

#[test]
fn watch_mode_regrades_on_save_and_answers_keys() {
    let course = small_course();
    let mut session = Session::start(course.path(), "mini-course-watch-save", &[]);
    session.expect("1/2 checks passed, 1 todo; 2/7 points");
    session.expect("Next (1/1): delta / basics::answers");
    session.expect("delta hint");
    session.expect("[h] hint  [l] list  [n] next  [r] re-grade  [q] quit");

    session.press("h");
    session.expect("Hint for delta / basics::answers");
    session.expect("answers hint");

    session.press("l");
    session.expect("delta");
    session.expect("[q] quit");

    // Two exercises saved at once: both are re-graded, and the first is in focus: `n`
    // stays within it.
    save_greeting(course.path(), "hi");
    save_answer(course.path(), 7);
    session.expect("re-grading beta");
    session.expect("re-grading delta");
    session.expect("0/2 checks passed");
    session.expect("Next (1/1): beta / basics::greets");
    session.press("n");
    session.expect("Next (1/1): beta / basics::greets");

    // The exercise just saved comes first, though an earlier one fails too.
    save_answer(course.path(), 8);
    session.expect("re-grading delta");
    session.expect("Next (1/1): delta / basics::answers");
    session.expect("got: \"8\"");

    save_greeting(course.path(), "hello");
    save_answer(course.path(), 42);
    session.expect("re-grading beta");
    session.expect("re-grading delta");
    session.expect("2/2 checks passed; 7/7 points");
    session.expect("Every check passes. Well done.");

    session.press("q");
    assert_eq!(session.finish(), 0);
}

#[test]
fn watch_exercise_keeps_the_focus_on_that_exercise() {
    let course = small_course();
    let mut session = Session::start(course.path(), "mini-course-watch-focus", &["delta"]);
    session.expect("Next (1/1): delta / basics::answers");
    // Breaking another exercise re-grades it, and the focus stays.
    save_greeting(course.path(), "hi");
    session.expect("re-grading beta");
    session.expect("0/2 checks passed");
    session.expect("Next (1/1): delta / basics::answers");
    session.press("q");
    assert_eq!(session.finish(), 1);
}

#[test]
fn manual_mode_regrades_only_on_a_key() {
    let course = small_course();
    let mut session = Session::start(course.path(), "mini-course-watch-manual", &["--manual"]);
    session.expect("manual mode: press r to re-grade");
    save_answer(course.path(), 42);
    // Long enough for several of the watcher's ticks, had it been watching.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !session.rest().contains("re-grading"),
        "re-graded without a key: {}",
        session.rest()
    );
    session.press("r");
    session.expect("re-grading delta");
    session.expect("2/2 checks passed");
    // Ctrl-C quits too, and the exit status says what the grade was.
    session.press("\x03");
    assert_eq!(session.finish(), 0);
}
