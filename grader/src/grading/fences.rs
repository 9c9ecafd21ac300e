//! What the code under test is fenced off from, while it builds and while it runs.

use crate::course::{self, Course};
use crate::error::{Error, Result, Stage};
use crate::sandbox::cgroup::CheckGroups;
use crate::sandbox::namespaces::{self, Plan, Support};
use crate::workspace::{Source, Workspace};
use std::path::{Path, PathBuf};

/// Set to `off` to run checks without namespaces (to compare, or to debug a check).
const SWITCH: &str = "GRADER_ISOLATION";
/// Processes and threads one check may have in its own user namespace: far above what
/// any check needs, far below what would hurt the machine.
pub const TASKS_PER_CHECK: u64 = 1000;

pub struct Fences {
    /// For check processes, when namespaces work here.
    pub run: Option<Plan>,
    /// For the builds of a submission, when namespaces work here.
    pub build: Option<Plan>,
    pub support: Support,
    pub max_tasks: u64,
    /// The memory limit of a check in bytes, from `course.toml`.
    pub max_memory: u64,
    /// `N MiB` when checks get that memory limit here, else `off: <why>`.
    pub memory: String,
}

impl Fences {
    pub fn prepare(course: &Course, ws: &Workspace, source: &Source) -> Result<Fences> {
        let cannot = |e: std::io::Error| {
            Error::new(Stage::Checks, format!("cannot plan the isolation: {e}"))
        };
        let answers = answer_folders(course, ws, true);
        let mut hidden_at_run = answer_folders(course, ws, false);
        hidden_at_run.push(course.root.join(course::GRADER));
        if ws.root != course.root {
            hidden_at_run.push(ws.root.join(course::GRADER));
        }
        let mut read_only = read_only_at_run(course, source);
        // A target folder set outside the course holds the compiled checks too, and so
        // does an overlay's own folder of them: a check must not replace the program that
        // was inspected (see `integrity`) with one that was not.
        read_only.push(ws.target_dir.clone());
        if let Some(shared) = &ws.shared {
            read_only.push(shared.bin_dir.clone());
        }
        let run = Plan::new(&read_only, &hidden_at_run, true).map_err(cannot)?;
        let support = if std::env::var(SWITCH).is_ok_and(|v| v == "off") {
            Support::Off(format!("{SWITCH}=off"))
        } else {
            namespaces::probe(&run)
        };
        let max_memory = course.course.memory_mib << 20;
        let memory = if CheckGroups::memory_limit_works(TASKS_PER_CHECK, max_memory) {
            format!("{} MiB", course.course.memory_mib)
        } else {
            "off: the grader may not create a memory control group here".to_string()
        };
        Ok(match support {
            Support::On => Fences {
                run: Some(run),
                // The solutions are hidden from a submission's compiler (no `#[path]` or
                // `include_str!` of an answer); the network stays, for the registry.
                build: match source {
                    Source::Submission(_) => Some(Plan::new(&[], &answers, false).map_err(cannot)?),
                    Source::InPlace | Source::Solutions | Source::Stubs => None,
                },
                support: Support::On,
                max_tasks: TASKS_PER_CHECK,
                max_memory,
                memory,
            },
            Support::Off(reason) => Fences {
                run: None,
                build: None,
                support: Support::Off(reason),
                // Without a user namespace of its own the limit counts all of this user's
                // processes, the grader's included.
                max_tasks: user_tasks() + TASKS_PER_CHECK,
                max_memory,
                memory,
            },
        })
    }

    pub fn describe(&self) -> String {
        match &self.support {
            Support::On => "on".into(),
            Support::Off(reason) => format!("off: {reason}"),
        }
    }
}

/// The reference solutions, the backups `grader reset` made (answers, when a maintainer
/// tried them in place), and what other gradings left under `target/grader`: their
/// overlays and compiled checks (the solutions' among them, which pass). Kept visible: the
/// overlay being graded, its own compiled checks, and at build time the shared build
/// folder, which cargo needs.
fn answer_folders(course: &Course, ws: &Workspace, building: bool) -> Vec<PathBuf> {
    let mut found = vec![
        course.root.join(course::SOLUTIONS),
        course.root.join(course::BACKUPS),
    ];
    let (overlays, own_bin) = match &ws.shared {
        Some(shared) => (
            ws.target_dir.parent().map(Path::to_path_buf),
            Some(shared.bin_dir.clone()),
        ),
        None => (Some(course.overlays_dir()), None),
    };
    let Some(Ok(entries)) = overlays.as_ref().map(fs_err::read_dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let keep = path == ws.root
            || Some(&path) == own_bin.as_ref()
            || (building && Some(&path) == Some(&ws.target_dir));
        if !keep && path.is_dir() {
            found.push(path);
        }
    }
    found
}

/// The course, the graded folder and its neighbours (other submissions of a batch), and
/// the user's home with the toolchain and registry in it; never a folder holding the
/// temporary folder, which checks need to write in.
fn read_only_at_run(course: &Course, source: &Source) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for var in ["HOME", "CARGO_HOME", "RUSTUP_HOME"] {
        if let Some(dir) = std::env::var_os(var) {
            dirs.push(PathBuf::from(dir));
        }
    }
    dirs.push(course.root.clone());
    if let Source::Submission(dir) = source {
        dirs.push(dir.clone());
        if let Some(parent) = dir.parent()
            && parent != Path::new("/")
        {
            dirs.push(parent.to_path_buf());
        }
    }
    let temp = std::env::temp_dir();
    dirs.retain(|dir| !temp.starts_with(dir));
    dirs
}

/// Processes and threads of this user now.
fn user_tasks() -> u64 {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() }.to_string();
    let Ok(entries) = fs_err::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| fs_err::read_to_string(e.path().join("status")).ok())
        .filter(|status| {
            status
                .lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(&uid))
        })
        .filter_map(|status| {
            let line = status.lines().find(|l| l.starts_with("Threads:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}
