//! Pictures a learner can open in a browser: the bench results as bars, and a trace as a
//! timeline. Every shape carries `data-*` attributes naming what it shows, so a test (or
//! a script) can read the picture back.

use super::bench::{BenchReport, amount};
use serde::Deserialize;
use svg::Document;
use svg::node::element::{Group, Line, Rectangle, Text, Title};

const WIDTH: f64 = 900.0;
const LABEL: f64 = 230.0;
const BAR: f64 = 16.0;
const FONT: &str = "font-family:sans-serif;font-size:12px";

fn text(x: f64, y: f64, content: impl Into<String>) -> Text {
    Text::new(content.into())
        .set("x", x)
        .set("y", y)
        .set("style", FONT)
}

fn colour(implementation: &str) -> &'static str {
    match implementation {
        "yours" => "#d9822b",
        "reference" => "#3b7dd8",
        _ => "#8a8a8a",
    }
}

/// One group of bars per workload, on a logarithmic scale (peers differ by 1000×).
pub fn bench_bars(report: &BenchReport) -> String {
    let mut y = 30.0;
    let mut body = Group::new();
    body = body.add(
        text(
            10.0,
            18.0,
            format!(
                "grader bench: {} (lower is better; log scale)",
                report.source
            ),
        )
        .set(
            "style",
            "font-family:sans-serif;font-size:14px;font-weight:bold",
        ),
    );
    for ex in report.exercises.iter().filter(|e| e.not_benched.is_none()) {
        y += 10.0;
        body = body.add(text(10.0, y + 12.0, ex.exercise.clone()).set("font-weight", "bold"));
        y += 18.0;
        for w in &ex.workloads {
            let values: Vec<f64> = w.rows.iter().filter_map(|r| r.value()).collect();
            let max = values.iter().copied().fold(1.0_f64, f64::max);
            let scale = |v: f64| {
                let span = (max * 10.0).log10();
                ((v.max(0.1) * 10.0).log10() / span).clamp(0.0, 1.0) * (WIDTH - LABEL - 120.0)
            };
            body = body.add(text(20.0, y + 12.0, format!("{} ({})", w.name, w.unit)));
            y += 16.0;
            for row in &w.rows {
                let label = text(30.0, y + 12.0, row.implementation.clone());
                let mut bar = Group::new()
                    .set("data-exercise", ex.exercise.as_str())
                    .set("data-workload", w.name.as_str())
                    .set("data-implementation", row.implementation.as_str())
                    .add(label);
                match row.value() {
                    Some(v) => {
                        let width = scale(v).max(1.0);
                        bar = bar
                            .set("data-value", v)
                            .add(
                                Rectangle::new()
                                    .set("x", LABEL)
                                    .set("y", y + 2.0)
                                    .set("width", width)
                                    .set("height", BAR - 4.0)
                                    .set("fill", colour(&row.implementation))
                                    .add(Title::new(amount(v, &w.unit))),
                            )
                            .add(text(LABEL + width + 6.0, y + 12.0, amount(v, &w.unit)));
                    }
                    None => {
                        bar = bar.add(text(LABEL, y + 12.0, "failed").set("fill", "#c0392b"));
                    }
                }
                body = body.add(bar);
                y += BAR;
            }
            y += 6.0;
        }
    }
    Document::new()
        .add(Title::new(format!("grader bench: {}", report.source)))
        .set("viewBox", (0, 0, WIDTH, y + 10.0))
        .set("width", WIDTH)
        .set("height", y + 10.0)
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "white"),
        )
        .add(body)
        .to_string()
}

/// One event of a trace, as a bench program prints it.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub lane: String,
    pub kind: String,
    /// Spans have a start and an end, marks a time; nanoseconds since the scenario began.
    pub start: Option<u64>,
    pub end: Option<u64>,
    pub at: Option<u64>,
}

impl Event {
    fn first(&self) -> u64 {
        self.start.or(self.at).unwrap_or(0)
    }
    fn last(&self) -> u64 {
        self.end.or(self.at).unwrap_or(0)
    }
}

/// A titled timeline of one run of a scenario, or why there is none.
pub struct Panel<'a> {
    pub title: String,
    pub events: std::result::Result<&'a [Event], &'a str>,
}

const LANE: f64 = 26.0;

fn mark_colour(kind: &str) -> &'static str {
    match kind {
        "wake" => "#c0392b",
        "yield" => "#8e44ad",
        _ => "#333333",
    }
}

fn span_colour(kind: &str) -> &'static str {
    match kind {
        "poll" => "#3b7dd8",
        _ => "#27ae60",
    }
}

/// Panels one above the other, each with one lane per task, on a shared time axis.
pub fn timeline(title: &str, subtitle: &str, panels: &[Panel]) -> String {
    fn events_of<'a>(panel: &Panel<'a>) -> &'a [Event] {
        panel.events.unwrap_or(&[])
    }
    let end = panels
        .iter()
        .flat_map(|p| events_of(p).iter().map(Event::last))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let plot = WIDTH - 110.0 - 20.0;
    let x = |t: u64| 110.0 + t as f64 / end * plot;
    let mut doc = Group::new()
        .add(text(10.0, 18.0, title).set(
            "style",
            "font-family:sans-serif;font-size:14px;font-weight:bold",
        ))
        .add(text(10.0, 36.0, subtitle).set("fill", "#555555"));
    let mut y = 48.0;
    for panel in panels {
        if let Err(why) = panel.events {
            doc = doc.add(
                Group::new()
                    .set("data-panel", panel.title.as_str())
                    .add(text(10.0, y + 14.0, panel.title.clone()).set("font-weight", "bold"))
                    .add(
                        text(30.0, y + 32.0, format!("no timeline: {why}")).set("fill", "#c0392b"),
                    ),
            );
            y += 44.0;
            continue;
        }
        let events = events_of(panel);
        let mut lanes: Vec<&str> = Vec::new();
        for e in events {
            if !lanes.contains(&e.lane.as_str()) {
                lanes.push(&e.lane);
            }
        }
        lanes.sort_unstable();
        let mut group = Group::new()
            .set("data-panel", panel.title.as_str())
            .add(text(10.0, y + 14.0, panel.title.clone()).set("font-weight", "bold"));
        y += 22.0;
        for (i, lane) in lanes.iter().enumerate() {
            let top = y + i as f64 * LANE;
            group = group.add(text(10.0, top + 16.0, *lane)).add(
                Line::new()
                    .set("x1", 110.0)
                    .set("x2", WIDTH - 20.0)
                    .set("y1", top + LANE - 2.0)
                    .set("y2", top + LANE - 2.0)
                    .set("stroke", "#dddddd"),
            );
        }
        let top_of =
            |lane: &str| y + lanes.iter().position(|l| *l == lane).unwrap_or(0) as f64 * LANE;
        for e in events {
            let top = top_of(&e.lane);
            let shape = match (e.start, e.end, e.at) {
                (Some(start), Some(stop), _) => Group::new().add(
                    Rectangle::new()
                        .set("x", x(start))
                        .set(
                            "y",
                            if e.kind == "poll" {
                                top + 16.0
                            } else {
                                top + 3.0
                            },
                        )
                        .set("width", (x(stop) - x(start)).max(1.5))
                        .set("height", if e.kind == "poll" { 6.0 } else { 12.0 })
                        .set("fill", span_colour(&e.kind))
                        .add(Title::new(format!(
                            "{} {}: {} from {}",
                            e.lane,
                            e.kind,
                            amount(stop.saturating_sub(start) as f64, "ns"),
                            amount(start as f64, "ns")
                        ))),
                ),
                _ => Group::new().add(
                    Line::new()
                        .set("x1", x(e.first()))
                        .set("x2", x(e.first()))
                        .set("y1", top + 1.0)
                        .set("y2", top + LANE - 3.0)
                        .set("stroke", mark_colour(&e.kind))
                        .set("stroke-width", 2)
                        .add(Title::new(format!(
                            "{} {} at {}",
                            e.lane,
                            e.kind,
                            amount(e.first() as f64, "ns")
                        ))),
                ),
            };
            group = group.add(
                shape
                    .set("data-lane", e.lane.as_str())
                    .set("data-kind", e.kind.as_str()),
            );
        }
        y += lanes.len() as f64 * LANE + 12.0;
        doc = doc.add(group);
    }
    let step = round_step(end / 4.0);
    for i in 0..=(end / step) as u32 {
        let t = step * f64::from(i);
        let at = x(t as u64);
        doc = doc
            .add(
                Line::new()
                    .set("x1", at)
                    .set("x2", at)
                    .set("y1", y - 4.0)
                    .set("y2", y + 2.0)
                    .set("stroke", "#555555"),
            )
            .add(text(at - 12.0, y + 14.0, tick_label(t)).set("fill", "#555555"));
    }
    y += 34.0;
    let legend = "green bar: the task's own code runs · thin blue bar: a poll · red line: a wake · \
                  purple line: a yield";
    doc = doc.add(text(10.0, y, legend).set("fill", "#555555"));
    y += 10.0;
    Document::new()
        .add(Title::new(format!("{title}: {subtitle}")))
        .set("viewBox", (0, 0, WIDTH, y))
        .set("width", WIDTH)
        .set("height", y)
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "white"),
        )
        .add(doc)
        .to_string()
}

/// The step among 1, 2 and 5 times a power of ten nearest above `rough`.
fn round_step(rough: f64) -> f64 {
    let power = 10f64.powf(rough.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power)
}

fn tick_label(ns: f64) -> String {
    match ns {
        0.0 => "0".into(),
        t if t >= 1e6 => format!("{} ms", t / 1e6),
        t if t >= 1e3 => format!("{} µs", t / 1e3),
        t => format!("{t} ns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_numbers() {
        assert_eq!(round_step(8.3e6), 1e7);
        assert_eq!(round_step(1.2e6), 2e6);
        assert_eq!(round_step(3.0e3), 5e3);
        assert_eq!(tick_label(2e7), "20 ms");
        assert_eq!(tick_label(0.0), "0");
    }
}
