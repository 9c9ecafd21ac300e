//! What every bench program of the course shares.
//!
//! A bench program (one per exercise, plus one for the peers) is a list of [`Workload`]s
//! and trace [`Scenario`]s handed to [`main`]. The grader builds it in release mode and
//! drives it through its command line, one workload per process, so that a workload
//! that hangs or crashes on a learner's code costs only its own measurement:
//!
//! - `list`: one JSON object per line and workload (`name`, `peer`, `what`, `unit`) or
//!   scenario (`name`, `what`);
//! - `run NAME [PEER]`: measures one workload, prints one JSON object: `name`, `unit`, `value`
//!   (the median of the rounds) and `rounds`;
//! - `trace NAME`: runs one scenario and prints its events, one JSON object per line.
//!
//! Every answer line starts with [`MARK`], so that whatever the code under test prints on
//! the same output is not taken for an answer.

pub mod futures;
pub mod measure;
pub mod trace;

pub use measure::{Measure, Workload};
pub use trace::Scenario;

use std::process::ExitCode;

/// The start of every line of an answer.
pub const MARK: &str = "@bench ";

/// The command line of a bench program.
pub fn main(workloads: &[Workload], scenarios: &[Scenario]) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["list"] => {
            for w in workloads {
                println!("{MARK}{}", w.describe());
            }
            for s in scenarios {
                println!("{MARK}{}", s.describe());
            }
            ExitCode::SUCCESS
        }
        ["run", name, peer @ ..] => match workloads
            .iter()
            .find(|w| w.name == *name && w.peer == peer.first().copied())
        {
            Some(w) => {
                println!("{MARK}{}", w.measure());
                ExitCode::SUCCESS
            }
            None => unknown("workload", name),
        },
        ["trace", name] => match scenarios.iter().find(|s| s.name == *name) {
            Some(s) => {
                for line in s.record() {
                    println!("{MARK}{line}");
                }
                ExitCode::SUCCESS
            }
            None => unknown("scenario", name),
        },
        _ => {
            eprintln!("usage: list | run WORKLOAD | trace SCENARIO");
            ExitCode::from(2)
        }
    }
}

fn unknown(what: &str, name: &str) -> ExitCode {
    eprintln!("no {what} named {name}");
    ExitCode::from(2)
}
