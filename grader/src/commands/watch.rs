//! `grader watch`: grades the course once, then re-grades an exercise whenever one of its
//! files is saved, and answers single keys (hint, list, next, re-grade, quit).
//!
//! Changes are found by comparing file sizes and modification times every few hundred
//! milliseconds rather than by file-system events: that works the same on network and
//! shared folders, over SSH, and in containers. `--manual` turns the watching off, and a
//! key re-grades instead.

use super::Settings;
use crate::course::Course;
use crate::error::Result;
use crate::files;
use crate::grading::{self, Options};
use crate::report::{Report, Summary, human, list_view};
use crate::ui::terminal::{Key, Terminal};
use crate::ui::{Progress, Style};
use crate::workspace::Source;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// How often the exercise folders are compared with their last state.
const TICK: Duration = Duration::from_millis(300);
/// A save is often several writes; wait until the files stay still this long.
const SETTLE: Duration = Duration::from_millis(150);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Show only this exercise's checks (name, folder or number); the whole course is
    /// still graded and watched.
    pub exercise: Option<String>,
    /// Do not watch the files; re-grade when `r` is pressed (for folders whose changes
    /// are not seen, such as some network or shared folders).
    #[arg(long)]
    pub manual: bool,
}

/// What the screen shows besides the course's progress.
#[derive(Clone, Copy, PartialEq)]
enum View {
    Next,
    Hint,
    List,
}

struct Session<'a> {
    course: &'a Course,
    options: Options,
    report: Report,
    /// Index of the shown check among the unfinished ones of the exercise in focus.
    focus: usize,
    /// The exercise whose checks are shown first: the one named on the command line, or
    /// else the one last saved; `n` stays within it.
    exercise: Option<usize>,
    /// Named on the command line: a save elsewhere does not move the focus.
    pinned: bool,
    view: View,
    manual: bool,
    style: Style,
}

pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let exercise = match &args.exercise {
        Some(name) => {
            let wanted = &course.exercise(name)?.name;
            course.exercises.iter().position(|ex| &ex.name == wanted)
        }
        None => None,
    };
    let mut terminal = Terminal::open()?;
    let options = Options {
        source: Source::InPlace,
        only: None,
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    terminal.status(&format!("grading {} ...", course.course.title));
    let report = grading::grade(course, &options, &Progress::new(true))?;
    let mut session = Session {
        course,
        options,
        report,
        focus: 0,
        exercise,
        pinned: exercise.is_some(),
        view: View::Next,
        manual: args.manual,
        style: terminal.style(),
    };
    let mut seen = snapshot(course);
    terminal.draw(&session.screen());
    loop {
        match terminal.key(TICK)? {
            Some(Key::Char('q') | Key::Quit) => break,
            Some(Key::Char('h')) => session.toggle(View::Hint),
            Some(Key::Char('l')) => session.toggle(View::List),
            Some(Key::Char('n')) => {
                session.focus += 1;
                session.view = View::Next;
            }
            Some(Key::Char('r') | Key::Enter) => {
                let exercise = session.focused_exercise();
                session.regrade(&mut terminal, exercise)?;
                seen = snapshot(course);
            }
            Some(_) => session.view = View::Next,
            None if session.manual => continue,
            None => {
                let now = snapshot(course);
                if changes(&seen, &now).is_empty() {
                    continue;
                }
                let now = settle(course, now);
                let changed = changes(&seen, &now);
                for &exercise in &changed {
                    session.regrade(&mut terminal, exercise)?;
                }
                session.follow(changed.first().copied());
                // Saved during the grading: seen at the next tick.
                seen = now;
            }
        }
        terminal.draw(&session.screen());
    }
    terminal.draw(&session.farewell());
    Ok(session.report.all_passed())
}

impl Session<'_> {
    fn toggle(&mut self, view: View) {
        self.view = if self.view == view { View::Next } else { view };
    }

    /// The unfinished checks, as (exercise index, check index): those of the exercise in
    /// focus while it has any, else the whole course's; each exercise's next check first.
    fn unfinished(&self) -> Vec<(usize, usize)> {
        let of = |e: usize| -> Vec<(usize, usize)> {
            let ex = &self.report.exercises[e];
            let next = ex.next_check().map(|n| n.name.as_str());
            let mut found: Vec<(usize, usize)> = ex
                .checks
                .iter()
                .enumerate()
                .filter(|(_, check)| !check.status.is_done())
                .map(|(c, _)| (e, c))
                .collect();
            // Stable: the next check leads, the others keep course order.
            found.sort_by_key(|&(_, c)| Some(ex.checks[c].name.as_str()) != next);
            found
        };
        if let Some(e) = self.exercise.filter(|&e| e < self.report.exercises.len()) {
            let focused = of(e);
            if !focused.is_empty() {
                return focused;
            }
        }
        (0..self.report.exercises.len()).flat_map(of).collect()
    }

    fn focused(&self) -> Option<(usize, usize)> {
        let unfinished = self.unfinished();
        (!unfinished.is_empty()).then(|| unfinished[self.focus % unfinished.len()])
    }

    /// The exercise `r` re-grades: the one shown, else the first.
    fn focused_exercise(&self) -> usize {
        self.focused().map_or(0, |(e, _)| e)
    }

    /// After a save, the saved exercise (the first, when several were saved at once) is
    /// what the learner is working on: its checks come first.
    fn follow(&mut self, saved: Option<usize>) {
        if !self.pinned && saved.is_some() {
            self.exercise = saved;
        }
    }

    fn regrade(&mut self, terminal: &mut Terminal, exercise: usize) -> Result<()> {
        let name = self.course.exercises[exercise].name.clone();
        terminal.status(&format!("re-grading {name} ..."));
        let options = Options {
            only: Some(name),
            source: self.options.source.clone(),
            timeout: self.options.timeout,
            jobs: self.options.jobs,
        };
        let graded = grading::grade(self.course, &options, &Progress::new(true))?;
        if let Some(fresh) = graded.exercises.into_iter().next()
            && let Some(slot) = self
                .report
                .exercises
                .iter_mut()
                .find(|e| e.name == fresh.name)
        {
            *slot = fresh;
        }
        self.report.summary = Report::summarize(&self.report.exercises);
        self.report.isolation = graded.isolation;
        self.focus = 0;
        self.view = View::Next;
        Ok(())
    }

    fn screen(&self) -> String {
        let mut out = self.header();
        match self.view {
            View::List => out.push_str(&list_view::render(&self.report, &self.style)),
            View::Hint => out.push_str(&self.hint()),
            View::Next => out.push_str(&self.next()),
        }
        out.push_str(&self.keys());
        out
    }

    fn header(&self) -> String {
        let s = &self.report.summary;
        let mut out = format!(
            "{} — watch mode\n\n{}  {}\n",
            self.course.course.title,
            bar(s),
            s.line()
        );
        for ex in &self.report.exercises {
            let counts = ex.summary();
            let _ = writeln!(
                out,
                "  {:<14} {:<14} {}/{}",
                ex.status.as_str(),
                ex.name,
                counts.passed,
                counts.total
            );
        }
        if let Some(reason) = self.report.isolation.strip_prefix("off: ") {
            let _ = writeln!(out, "  (isolation off: {reason})");
        }
        out.push('\n');
        out
    }

    fn next(&self) -> String {
        let Some((e, c)) = self.focused() else {
            return "Every check passes. Well done.\n".into();
        };
        let ex = &self.report.exercises[e];
        let check = &ex.checks[c];
        let position = format!(
            "{}/{}",
            self.focus % self.unfinished().len() + 1,
            self.unfinished().len()
        );
        format!(
            "Next ({position}): {} / {}\n{}\n",
            ex.name,
            check.name,
            human::explain(ex, check, &self.style)
        )
    }

    fn hint(&self) -> String {
        let Some((e, c)) = self.focused() else {
            return "Nothing left to hint at: every check passes.\n".into();
        };
        let ex = &self.report.exercises[e];
        let check = &ex.checks[c];
        // From the course, not the report: for a step not started the report carries the
        // step's hint in place of the check's.
        let step = self
            .course
            .exercises
            .iter()
            .find(|x| x.name == ex.name)
            .and_then(|x| x.steps.iter().find(|s| s.name == check.step));
        let check_name = check.name.rsplit("::").next().unwrap_or(&check.name);
        let check_hint = step
            .and_then(|s| s.checks.iter().find(|c| c.name == check_name))
            .map_or(check.hint.as_str(), |c| c.hint.as_str());
        format!(
            "Hint for {} / {}\n\n  step {} ({}):\n    {}\n  this check:\n    {check_hint}\n  \
             read: {}\n\n",
            ex.name,
            check.name,
            check.step,
            check.step_title,
            step.map_or("", |s| s.hint.as_str()),
            check.book
        )
    }

    fn keys(&self) -> String {
        let watching = if self.manual {
            "manual mode: press r to re-grade".to_owned()
        } else {
            "watching exercises/ — save a file to re-grade its exercise".to_owned()
        };
        format!("[h] hint  [l] list  [n] next  [r] re-grade  [q] quit   {watching}\n")
    }

    fn farewell(&self) -> String {
        format!("{}\n", self.report.summary.line())
    }
}

fn bar(s: &Summary) -> String {
    const WIDTH: usize = 30;
    let filled = (s.passed * WIDTH).checked_div(s.total).unwrap_or(0);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

/// Size and modification time of every file under each exercise's `src`, in course order.
type Snapshot = Vec<Vec<(PathBuf, u64, Option<SystemTime>)>>;

fn snapshot(course: &Course) -> Snapshot {
    course
        .exercises
        .iter()
        .map(|ex| {
            // Unreadable entries are skipped: a save in progress may briefly leave some.
            files::walk(&course.root.join(ex.src_rel()), false)
                .into_iter()
                .flatten()
                .filter_map(|entry| {
                    let meta = entry.metadata().ok()?;
                    let file = !meta.is_dir();
                    file.then(|| (entry.into_path(), meta.len(), meta.modified().ok()))
                })
                .collect()
        })
        .collect()
}

/// The exercises whose files differ between the two snapshots, in course order.
fn changes(before: &Snapshot, now: &Snapshot) -> Vec<usize> {
    before
        .iter()
        .zip(now)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| i)
        .collect()
}

/// Waits until a save has finished writing (no change for [`SETTLE`]), briefly.
fn settle(course: &Course, mut last: Snapshot) -> Snapshot {
    let give_up = Instant::now() + Duration::from_secs(2);
    loop {
        std::thread::sleep(SETTLE);
        let now = snapshot(course);
        if now == last || Instant::now() > give_up {
            return now;
        }
        last = now;
    }
}
