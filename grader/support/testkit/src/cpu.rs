//! CPU time of the whole process, to tell waiting from spinning.
//!
//! Code that waits by blocking (a condvar, a channel, epoll) uses almost no CPU while it
//! waits; code that waits by polling in a loop uses about one core per spinning thread.
//! Comparing CPU time with wall time over the same interval tells the two apart on any
//! machine, loaded or not.

use std::time::{Duration, Instant};

/// The CPU time (user + system) consumed so far by every thread of this process.
pub fn process_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU and wall time over one interval.
#[derive(Debug, Clone, Copy)]
pub struct CpuUsage {
    pub cpu: Duration,
    pub wall: Duration,
}

impl CpuUsage {
    /// CPU time as a share of wall time: 0.0 when idle, 1.0 for one busy core.
    pub fn share(&self) -> f64 {
        self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }

    /// Panics with the explanation of [`CpuUsage::judge_waiting`] unless the process
    /// used less than `limit` of a core.
    #[track_caller]
    pub fn assert_waiting(&self, what: &str, limit: f64) {
        if let Err(explanation) = self.judge_waiting(what, limit) {
            panic!("{explanation}");
        }
    }

    /// `Ok` when the process used less than `limit` of a core while it should have been
    /// waiting; otherwise an explanation in words.
    pub fn judge_waiting(&self, what: &str, limit: f64) -> Result<(), String> {
        let share = self.share();
        if share < limit {
            return Ok(());
        }
        Err(format!(
            "{what}: the process used {:.0} % of a core ({:.2} s of CPU in {:.2} s) while it \
             had nothing to do; a blocked wait uses about 0 %, a busy loop about 100 % per \
             spinning thread (pass below {:.0} %): something is spinning instead of sleeping",
            share * 100.0,
            self.cpu.as_secs_f64(),
            self.wall.as_secs_f64(),
            limit * 100.0
        ))
    }
}

/// Runs `f` and measures the process's CPU time and the wall time it took.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, CpuUsage) {
    let cpu0 = process_cpu_time();
    let wall0 = Instant::now();
    let result = f();
    let usage = CpuUsage {
        wall: wall0.elapsed(),
        cpu: process_cpu_time().saturating_sub(cpu0),
    };
    (result, usage)
}
