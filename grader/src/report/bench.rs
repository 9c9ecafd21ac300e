//! What `grader bench` measured, as data (serialized as it is for `--json` and
//! `bench.json`), and as text for people.

use crate::ui::Style;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Whose code "yours" is: `exercises` or `solutions`.
    pub source: String,
    pub exercises: Vec<ExerciseBench>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExerciseBench {
    pub exercise: String,
    pub title: String,
    /// Why it was not benched, when it was not.
    pub not_benched: Option<String>,
    pub workloads: Vec<WorkloadBench>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadBench {
    pub name: String,
    /// What one operation is.
    pub what: String,
    /// `ns` (per operation) or `bytes`; for both, less is better.
    pub unit: String,
    /// Every implementation measured: yours first, then the reference, then the peers.
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `yours`, `reference`, or the peer's name.
    pub implementation: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The median of the rounds.
    Measured { value: f64, rounds: Vec<f64> },
    /// Why there is no number: a panic, a crash, a time limit.
    Failed { why: String },
}

pub const YOURS: &str = "yours";
pub const REFERENCE: &str = "reference";

impl Row {
    pub fn value(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Measured { value, .. } => Some(value),
            Outcome::Failed { .. } => None,
        }
    }
}

impl WorkloadBench {
    pub fn yours(&self) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.implementation == YOURS)
            .and_then(Row::value)
    }
}

/// A value in its unit, three digits: `12.3 ns`, `4.56 µs`, `1.20 ms`, `96 B`.
pub fn amount(value: f64, unit: &str) -> String {
    if unit == "bytes" {
        return format!("{value:.0} B");
    }
    const UNITS: [(f64, &str); 3] = [(1.0, "ns"), (1e3, "µs"), (1e6, "ms")];
    let three_digits = |scaled: f64| {
        let digits = if scaled >= 99.95 {
            0
        } else if scaled >= 9.995 {
            1
        } else {
            2
        };
        format!("{scaled:.digits$}")
    };
    let mut at = UNITS
        .iter()
        .rposition(|(size, _)| value >= *size)
        .unwrap_or(0);
    // 999.96 ns reads 1000 in nanoseconds: it is 1.00 µs.
    if three_digits(value / UNITS[at].0) == "1000" && at + 1 < UNITS.len() {
        at += 1;
    }
    let (size, suffix) = UNITS[at];
    format!("{} {suffix}", three_digits(value / size))
}

/// How yours compares with another: `5.3× slower`, `120× faster`, `2.2× smaller`.
pub fn ratio(yours: f64, other: f64, unit: &str) -> String {
    if yours <= 0.0 || other <= 0.0 {
        return "not comparable (a zero)".to_owned();
    }
    let (more, less) = if unit == "bytes" {
        ("larger", "smaller")
    } else {
        ("slower", "faster")
    };
    let (r, word) = if yours >= other {
        (yours / other, more)
    } else {
        (other / yours, less)
    };
    if r >= 10.0 {
        format!("{r:.0}× {word}")
    } else {
        format!("{r:.1}× {word}")
    }
}

pub fn render(report: &BenchReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "Benchmarks of the {} (release builds, each the median of its rounds; lower is \
             better)",
            report.source
        ))
    );
    for ex in &report.exercises {
        let _ = writeln!(out, "\n{} — {}", style.bold(&ex.exercise), ex.title);
        if let Some(why) = &ex.not_benched {
            let _ = writeln!(out, "  {}", style.pending(&format!("not benched: {why}")));
            continue;
        }
        for w in &ex.workloads {
            let _ = writeln!(out, "  {}  {}", style.bold(&w.name), style.dim(&w.what));
            let width = w
                .rows
                .iter()
                .map(|r| r.implementation.chars().count())
                .max()
                .unwrap_or(0);
            for row in &w.rows {
                let name = format!("{:width$}", row.implementation);
                let line = match (&row.outcome, w.yours()) {
                    (Outcome::Failed { why }, _) => style.bad(&format!("failed: {why}")),
                    (Outcome::Measured { value, .. }, yours) => {
                        let mut text = format!("{:>10}", amount(*value, &w.unit));
                        if let Some(yours) = yours.filter(|_| row.implementation != YOURS) {
                            let _ = write!(text, "   yours is {}", ratio(yours, *value, &w.unit));
                        }
                        text
                    }
                };
                let _ = writeln!(out, "    {name}  {line}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_three_digits_and_pick_a_unit() {
        assert_eq!(amount(12.345, "ns"), "12.3 ns");
        assert_eq!(amount(4_560.0, "ns"), "4.56 µs");
        assert_eq!(amount(123_456.0, "ns"), "123 µs");
        assert_eq!(amount(1_500_000.0, "ns"), "1.50 ms");
        assert_eq!(amount(96.0, "bytes"), "96 B");
        assert_eq!(amount(999.96, "ns"), "1.00 µs");
        assert_eq!(amount(999.4, "ns"), "999 ns");
    }

    #[test]
    fn ratios_say_how_many_times_yours() {
        assert_eq!(ratio(30.0, 2.0, "ns"), "15× slower");
        assert_eq!(ratio(2.0, 5.0, "ns"), "2.5× faster");
        assert_eq!(ratio(32.0, 72.0, "bytes"), "2.2× smaller");
        assert_eq!(ratio(0.0, 72.0, "bytes"), "not comparable (a zero)");
    }
}
