//! `grader batch DIR --out FILE`: grades every submission folder in DIR, one after
//! another, into a CSV gradebook with one row per submission.
//!
//! A submission is graded exactly as `--submission` grades it. Nothing one submission
//! does may stop the batch: an error, or even a panic of the grader while grading it,
//! becomes an `error` row and the batch goes on.

use super::Settings;
use crate::course::Course;
use crate::error::{At, Error, Result, Stage};
use crate::files;
use crate::grading::{self, Options};
use crate::report::Report;
use crate::ui::Progress;
use crate::workspace::Source;
use fs_err::{self as fs, File};
use std::io::{IsTerminal, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const STAGE: Stage = Stage::Command("batch");

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder holding one folder per submission, each laid out like the course
    /// (`exercises/NN-name/src`). Hidden folders and plain files in it are skipped.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The gradebook to write (CSV). It is replaced only once every submission is
    /// graded, so an interrupted batch never leaves half a gradebook.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// One submission found in the batch folder.
struct Submission {
    name: String,
    path: PathBuf,
    /// Why it is not graded, when it is not.
    refused: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    Pass,
    Fail,
    /// Some exercise's code reaches for the grader; the message says where.
    Flagged,
    Error,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Flagged => "flagged",
            Status::Error => "error",
        }
    }
}

/// One line of the gradebook. Points are in course order; `None` when the submission
/// could not be graded at all.
struct Row {
    submission: String,
    status: Status,
    points: Option<Vec<u32>>,
    message: String,
}

impl Row {
    fn graded(submission: String, course: &Course, report: &Report) -> Row {
        let points = course
            .exercises
            .iter()
            .map(|ex| {
                report
                    .exercises
                    .iter()
                    .find(|graded| graded.name == ex.name)
                    .map_or(0, |graded| graded.points)
            })
            .collect();
        let flagged: Vec<String> = report
            .exercises
            .iter()
            .filter(|ex| !ex.flagged.is_empty())
            .map(|ex| format!("{} flagged: {}", ex.name, ex.flagged.join("; ")))
            .collect();
        Row {
            submission,
            status: if !flagged.is_empty() {
                Status::Flagged
            } else if report.all_passed() {
                Status::Pass
            } else {
                Status::Fail
            },
            points: Some(points),
            message: flagged.join(" | "),
        }
    }

    fn error(submission: String, message: String) -> Row {
        Row {
            submission,
            status: Status::Error,
            points: None,
            message,
        }
    }

    fn total(&self) -> Option<u32> {
        self.points.as_ref().map(|p| p.iter().sum())
    }

    /// The result as the progress line shows it.
    fn outcome(&self, max_total: u32) -> String {
        match self.total() {
            Some(total) => format!("{}, {total}/{max_total} points", self.status.as_str()),
            None => format!("error: {}", self.message.lines().next().unwrap_or_default()),
        }
    }
}

/// Grades every submission in `args.dir`; true when every one of them passed.
pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let submissions = find_submissions(&args.dir)?;
    if submissions.is_empty() {
        return Err(Error::new(
            STAGE,
            format!("{} holds no submission folders", args.dir.display()),
        ));
    }
    // Found out now, not after grading for an hour.
    ensure_writable(&args.out)?;
    let max_total: u32 = course.exercises.iter().map(|ex| ex.max_points()).sum();
    let log = Log {
        total: submissions.len(),
        terminal: std::io::stderr().is_terminal(),
    };
    let mut rows = Vec::new();
    for (index, sub) in submissions.iter().enumerate() {
        let prefix = log.start(index, &sub.name);
        let progress = Progress::new(true).with_prefix(prefix.clone());
        let options = Options {
            source: Source::Submission(sub.path.clone()),
            only: None,
            timeout: settings.timeout,
            jobs: settings.jobs,
        };
        let graded = match &sub.refused {
            Some(reason) => Err(reason.clone()),
            None => guarded(|| grading::grade(course, &options, &progress)),
        };
        let row = match graded {
            Ok(report) => Row::graded(sub.name.clone(), course, &report),
            Err(message) => Row::error(sub.name.clone(), message),
        };
        log.finish(&prefix, &row.outcome(max_total));
        rows.push(row);
    }
    write_atomically(&args.out, &gradebook(course, &rows, max_total)?)?;
    let count = |status| rows.iter().filter(|r| r.status == status).count();
    println!(
        "wrote {}: {} submissions, {} pass, {} fail, {} flagged, {} error",
        args.out.display(),
        rows.len(),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Flagged),
        count(Status::Error)
    );
    Ok(rows.iter().all(|r| r.status == Status::Pass))
}

/// The folders in `dir`, sorted by name; hidden entries and plain files are not
/// submissions.
fn find_submissions(dir: &Path) -> Result<Vec<Submission>> {
    let dir = files::absolute(dir).at(STAGE)?;
    let entries = fs::read_dir(&dir).at(STAGE)?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.at(STAGE)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        // A link could make one student's row grade another's folder.
        let refused = entry.file_type().at(STAGE)?.is_symlink().then(|| {
            format!(
                "refusing {}: a submission must be a folder, not a symbolic link",
                entry.path().display()
            )
        });
        found.push(Submission {
            name,
            path: entry.path(),
            refused,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Runs one grading, turning its fatal error or a panic into the message of an error row.
fn guarded(grade: impl FnOnce() -> Result<Report>) -> Result<Report, String> {
    match panic::catch_unwind(AssertUnwindSafe(grade)) {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(error)) => Err(error.to_string()),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Err(format!("the grader panicked: {what}"))
        }
    }
}

/// `[i/n] name ...` and the result, on stderr. On a terminal the grading's own progress
/// is shown after the prefix and replaced by the result; elsewhere both are plain text.
struct Log {
    total: usize,
    terminal: bool,
}

impl Log {
    fn start(&self, index: usize, name: &str) -> String {
        let prefix = format!("[{}/{}] {name} ... ", index + 1, self.total);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prefix}");
        let _ = err.flush();
        prefix
    }

    fn finish(&self, prefix: &str, outcome: &str) {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{prefix}");
        }
        let _ = writeln!(err, "{outcome}");
    }
}

/// The whole gradebook: a header, then one row per submission, written by `csv` (RFC
/// 4180: a field is quoted only when it holds a separator, a quote or a line break).
fn gradebook(course: &Course, rows: &[Row], max_total: u32) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed =
        |e: csv::Error| Error::new(Stage::Report, format!("cannot write the gradebook: {e}"));
    let mut header = vec!["submission".to_string(), "status".to_string()];
    header.extend(course.exercises.iter().map(|ex| ex.name.clone()));
    header.extend(["total", "max_total", "message"].map(String::from));
    writer.write_record(&header).map_err(failed)?;
    for row in rows {
        let mut fields = vec![row.submission.clone(), row.status.as_str().to_string()];
        match &row.points {
            Some(points) => fields.extend(points.iter().map(u32::to_string)),
            None => fields.extend(course.exercises.iter().map(|_| String::new())),
        }
        fields.push(row.total().map(|t| t.to_string()).unwrap_or_default());
        fields.push(max_total.to_string());
        fields.push(row.message.clone());
        writer.write_record(&fields).map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::new(Stage::Report, format!("cannot write the gradebook: {e}")))?;
    String::from_utf8(bytes).at(Stage::Report)
}

/// The temporary file the gradebook is written to before it replaces `out`: in the same
/// folder, so the rename cannot cross file systems.
fn temp_path(out: &Path) -> Result<PathBuf> {
    let name = out.file_name().ok_or_else(|| {
        Error::new(
            Stage::Usage,
            format!("--out {} names no file", out.display()),
        )
    })?;
    Ok(out.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn ensure_writable(out: &Path) -> Result<()> {
    if out.is_dir() {
        return Err(Error::new(
            Stage::Usage,
            format!("--out {} is a folder, not a file", out.display()),
        ));
    }
    let temp = temp_path(out)?;
    File::create_new(&temp).map_err(|e| {
        Error::new(
            Stage::Report,
            format!("cannot write the gradebook {}: {e}", out.display()),
        )
    })?;
    fs::remove_file(&temp).at(Stage::Report)?;
    Ok(())
}

fn write_atomically(out: &Path, text: &str) -> Result<()> {
    let temp = temp_path(out)?;
    let written = File::create_new(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, out));
    written.map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::new(Stage::Report, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_panic_while_grading_becomes_an_error_message() {
        let caught = guarded(|| panic!("checks disagree: {}", 3)).unwrap_err();
        assert_eq!(caught, "the grader panicked: checks disagree: 3");
        let caught = guarded(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(caught, "the grader panicked: no message");
        let error =
            guarded(|| Err(Error::new(Stage::Workspace, "refusing a symlink"))).unwrap_err();
        assert_eq!(error, "workspace: refusing a symlink");
    }

    #[test]
    fn the_gradebook_is_replaced_whole_and_no_temporary_file_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("gradebook.csv");
        fs::write(&out, "old").unwrap();
        ensure_writable(&out).unwrap();
        write_atomically(&out, "new\n").unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), "new\n");
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["gradebook.csv"]);
        assert!(ensure_writable(&tmp.path().join("missing/gradebook.csv")).is_err());
        assert!(ensure_writable(tmp.path()).is_err());
    }
}
