//! Wake-ups: how often threads stopped waiting. A loop that naps 1 ms at a time uses about
//! 1 % of a core, too little for a CPU-time check to notice, yet it wakes a thousand times
//! a second. The kernel counts every time a thread gives up the processor of its own accord
//! (a *voluntary context switch*): a thread blocked until there is work adds one per wake,
//! a napping loop one per nap.

use std::time::{Duration, Instant};

fn switches(who: libc::c_int) -> u64 {
    // SAFETY: getrusage fills the zeroed structure we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(
        rc,
        0,
        "getrusage failed: {}",
        std::io::Error::last_os_error()
    );
    usage.ru_nvcsw as u64
}

/// Voluntary context switches of the calling thread so far.
pub fn of_this_thread() -> u64 {
    switches(libc::RUSAGE_THREAD)
}

/// Voluntary context switches of every thread of the process so far, ended ones included.
pub fn of_the_process() -> u64 {
    switches(libc::RUSAGE_SELF)
}

/// Wake-ups counted over one interval.
#[derive(Debug, Clone, Copy)]
pub struct Wakeups {
    pub count: u64,
    pub wall: Duration,
}

impl Wakeups {
    /// Panics unless there were at most `limit` wake-ups, explaining what was counted.
    /// `needed` says in words what the limit allows for.
    #[track_caller]
    pub fn assert_at_most(&self, what: &str, limit: u64, needed: &str) {
        if self.count > limit {
            panic!(
                "{what}: {} wake-ups in {:.2} s ({:.0} per second), where {needed} needs at \
                 most {limit}: something waits in short naps or with a short timeout instead \
                 of blocking until there is something to do",
                self.count,
                self.wall.as_secs_f64(),
                self.count as f64 / self.wall.as_secs_f64().max(1e-9)
            );
        }
    }
}

fn count<R>(counter: fn() -> u64, f: impl FnOnce() -> R) -> (R, Wakeups) {
    let (before, started) = (counter(), Instant::now());
    let result = f();
    let wakeups = Wakeups {
        wall: started.elapsed(),
        count: counter().saturating_sub(before),
    };
    (result, wakeups)
}

/// Runs `f` and counts the calling thread's wake-ups meanwhile.
pub fn count_this_thread<R>(f: impl FnOnce() -> R) -> (R, Wakeups) {
    count(of_this_thread, f)
}

/// Runs `f` and counts the wake-ups of the whole process meanwhile.
pub fn count_the_process<R>(f: impl FnOnce() -> R) -> (R, Wakeups) {
    count(of_the_process, f)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn naps_are_counted_and_a_blocked_wait_is_not() {
        let ((), napping) = count_this_thread(|| {
            for _ in 0..50 {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        assert!(napping.count >= 50, "{napping:?}");
        let ((), blocked) = count_this_thread(|| std::thread::sleep(Duration::from_millis(50)));
        assert!(blocked.count <= 2, "{blocked:?}");
    }
}
