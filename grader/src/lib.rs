//! The course's grader, as a library in layers; `main.rs` is a thin binary over [`cli`].
//!
//! ```text
//! cli ─→ commands ─→ grading ─→ sandbox
//!           │           │ └───→ workspace ─→ course
//!           │           └─────→ report ─→ ui
//!           └─→ (any layer below)
//! error, files: used by every layer, use none
//! ```
//!
//! - [`course`]: the manifest `course.toml` and every path the course fixes.
//! - [`workspace`]: where the graded code comes from, and the overlay it is built in.
//! - [`sandbox`]: running one process under limits and fences (std and libc only).
//! - [`grading`]: course + source → report: build, fences, run, verdicts.
//! - [`report`]: the report as data, and each format it is written in.
//! - [`ui`]: styles, text helpers, progress, the terminal.
//! - [`commands`]: what a learner or an instructor asks for; commands never use each other.
//!
//! Imports only point down this picture; `grader/tests/architecture.rs` fails the build
//! when one points up or sideways, so no cycle can come back.

pub mod cli;
pub mod commands;
pub mod course;
pub mod error;
pub mod files;
pub mod grading;
pub mod report;
pub mod sandbox;
pub mod ui;
pub mod workspace;
