//! CPU time of the whole process, to tell waiting from spinning.
//!
//! Code that waits by blocking (a condvar, a channel, epoll) uses almost no CPU while it
//! waits; code that waits by polling in a loop uses as much as the scheduler gives a
//! thread that never stops. On an idle machine that is a core; on a busy one it can be a
//! tenth of one, too little for any fixed share to mean spinning. So a control thread
//! that only spins runs over the same interval, and the rest of the process is measured
//! against it: a spinning thread gets about what the control gets, a waiting one nearly
//! nothing, however busy the machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn clock(id: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(id, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime({id}) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The CPU time (user + system) consumed so far by every thread of this process.
pub fn process_cpu_time() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// The CPU time consumed so far by the calling thread.
pub fn thread_cpu_time() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU and wall time over one interval.
#[derive(Debug, Clone, Copy)]
pub struct CpuUsage {
    /// Used by the process, the control thread's time left out.
    pub cpu: Duration,
    pub wall: Duration,
    /// Used by the control thread, which did nothing but spin.
    pub control: Duration,
}

impl CpuUsage {
    /// CPU time as a share of what the spinning control thread got meanwhile: about 0.0
    /// when the process waited, 1.0 or more when a thread of it spun.
    pub fn share(&self) -> f64 {
        self.cpu.as_secs_f64() / self.control.as_secs_f64().max(1e-9)
    }

    /// Panics with the explanation of [`CpuUsage::judge_waiting`] unless the process
    /// used less than `limit` of what a spinning thread got.
    #[track_caller]
    pub fn assert_waiting(&self, what: &str, limit: f64) {
        if let Err(explanation) = self.judge_waiting(what, limit) {
            panic!("{explanation}");
        }
    }

    /// `Ok` when the process used less than `limit` of the CPU time a spinning thread got
    /// while it should have been waiting; otherwise an explanation in words.
    pub fn judge_waiting(&self, what: &str, limit: f64) -> Result<(), String> {
        let share = self.share();
        if share < limit {
            return Ok(());
        }
        Err(format!(
            "{what}: the process used {:.3} s of CPU in {:.2} s while it had nothing to do, \
             {:.0} % of the {:.3} s that a thread doing nothing but spin got meanwhile; a \
             blocked wait uses about 0 %, a busy loop about 100 % per spinning thread (pass \
             below {:.0} %): something is spinning instead of sleeping",
            self.cpu.as_secs_f64(),
            self.wall.as_secs_f64(),
            share * 100.0,
            self.control.as_secs_f64(),
            limit * 100.0
        ))
    }
}

/// Runs `f` beside a spinning control thread and measures the CPU time of the rest of
/// the process, the control's, and the wall time, all over the same interval (the
/// control's clock is read from here). Nothing here blocks, so that counting the caller's
/// wake-ups around it counts only `f`'s.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, CpuUsage) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let control = {
        let (stop, started) = (Arc::clone(&stop), Arc::clone(&started));
        std::thread::spawn(move || {
            started.store(true, Ordering::SeqCst);
            while !stop.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
        })
    };
    let mut control_clock: libc::clockid_t = 0;
    // SAFETY: the thread is running (it only ends once `stop` is set, below, after the
    // last read of its clock), and `control_clock` is a valid place for the id.
    let rc = unsafe {
        libc::pthread_getcpuclockid(
            std::os::unix::thread::JoinHandleExt::as_pthread_t(&control),
            &mut control_clock,
        )
    };
    assert_eq!(rc, 0, "pthread_getcpuclockid failed: {rc}");
    while !started.load(Ordering::SeqCst) {
        std::hint::spin_loop();
    }
    let (cpu0, control0, wall0) = (process_cpu_time(), clock(control_clock), Instant::now());
    let result = f();
    let (cpu1, control1, wall) = (process_cpu_time(), clock(control_clock), wall0.elapsed());
    // Not joined: joining blocks, which would count as a wake-up of the caller.
    stop.store(true, Ordering::SeqCst);
    drop(control);
    let control = control1.saturating_sub(control0);
    let usage = CpuUsage {
        cpu: cpu1.saturating_sub(cpu0).saturating_sub(control),
        wall,
        control,
    };
    (result, usage)
}

/// Measures `f` as [`measure`] does, again and again until the control thread has had at
/// least `enough` CPU time (or `rounds` runs), and sums the runs.
///
/// On a busy machine one short run gives the control a few slices only, and how a few
/// slices fall between two spinning threads is luck: a spinner can look like half a
/// spinner. Summing runs until the control had a fair amount of CPU evens the luck out,
/// while an idle machine still needs one run.
pub fn measure_enough(enough: Duration, rounds: usize, mut f: impl FnMut()) -> CpuUsage {
    let mut total = CpuUsage {
        cpu: Duration::ZERO,
        wall: Duration::ZERO,
        control: Duration::ZERO,
    };
    for _ in 0..rounds.max(1) {
        let ((), usage) = measure(&mut f);
        total.cpu += usage.cpu;
        total.wall += usage.wall;
        total.control += usage.control;
        if total.control >= enough {
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_enough_sums_runs_until_the_control_had_enough() {
        let mut runs = 0;
        let total = measure_enough(Duration::from_secs(3600), 3, || {
            runs += 1;
            std::thread::sleep(Duration::from_millis(5));
        });
        assert_eq!(runs, 3, "never enough: every round runs");
        assert!(total.wall >= Duration::from_millis(15));
        let mut runs = 0;
        measure_enough(Duration::ZERO, 3, || runs += 1);
        assert_eq!(runs, 1, "enough at once: one round");
    }
}
