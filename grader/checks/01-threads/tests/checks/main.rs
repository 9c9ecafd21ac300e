//! Checks for exercise 1 (threads), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

mod pool;
mod rayon_map;
mod scoped;
mod tasks;

use testkit::ms;
