//! Shared support for the course's checks.
//!
//! Every check in `grader/checks/*` is written with [`check!`], which makes it report
//! success to the grader through a private channel (see [`record`]). The other modules
//! are the measuring tools the checks are built from: rendezvous points that only
//! concurrent code gets through, timing hypotheses compared within one run, CPU time,
//! and counts of live threads and open file descriptors.

pub mod attempts;
pub mod capture;
pub mod cause;
pub mod compile;
pub mod cpu;
pub mod executor;
pub mod fork;
pub mod futexes;
pub mod gated;
mod interpose;
pub mod net;
pub mod panics;
pub mod procfs;
pub mod record;
pub mod rendezvous;
pub mod schedule;
pub mod scripted;
pub mod spawns;
pub mod stuck;
#[cfg(target_arch = "x86_64")]
pub mod syscalls;
pub mod threads;
pub mod timing;
pub mod trace;
pub mod wakeups;

pub use rendezvous::Rendezvous;

/// `n` milliseconds: the unit most checks count in.
pub fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}
pub use threads::ThreadLog;
pub use timing::Hypotheses;
pub use trace::Trace;

/// Declares one or more checks.
///
/// Each `fn name() { body }` becomes a `#[test]` whose success is recorded for the grader
/// only after `body` has returned normally. Doc comments on the functions are kept.
#[macro_export]
macro_rules! check {
    ($($(#[$meta:meta])* fn $name:ident() $body:block)+) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                $crate::record::run(module_path!(), stringify!($name), || $body);
            }
        )+
    };
}
