//! Counts of this process's live threads and open file descriptors, read from `/proc`.
//!
//! Both return `None` where `/proc/self` does not exist (not Linux); checks that need them
//! then skip with a stated reason instead of failing.

use std::time::{Duration, Instant};

fn count_entries(dir: &str) -> Option<usize> {
    Some(std::fs::read_dir(dir).ok()?.count())
}

/// The number of threads this process has right now (`/proc/self/task`).
pub fn live_threads() -> Option<usize> {
    count_entries("/proc/self/task")
}

/// The number of file descriptors this process has open right now (`/proc/self/fd`),
/// not counting the one used to read the directory.
pub fn open_fds() -> Option<usize> {
    count_entries("/proc/self/fd").map(|n| n.saturating_sub(1))
}

/// The process's virtual memory size in bytes (`VmSize` in `/proc/self/status`): what it
/// has mapped, whether or not the pages were ever touched.
pub fn virtual_memory() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes of this process's memory resident in RAM (`VmRSS`): what a leak makes grow, where
/// the address space (`VmSize`) also counts what threads and allocators only reserve.
pub fn resident_memory() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Waits until at most `target` threads are alive or `patience` runs out, and returns the
/// last count.
///
/// A joined thread can still be listed for a moment after `join` returns (the kernel
/// clears the thread id before it removes the task), so an exact count needs this short
/// settling time; a thread that is really still running stays listed.
pub fn settle_threads(target: usize, patience: Duration) -> Option<usize> {
    settle(live_threads, target, patience)
}

/// Waits until at most `target` file descriptors are open or `patience` runs out, and
/// returns the last count. Sockets closed by another thread (an in-process server's
/// connection threads) may take a moment to go; a leaked descriptor stays.
pub fn settle_fds(target: usize, patience: Duration) -> Option<usize> {
    settle(open_fds, target, patience)
}

fn settle(count: fn() -> Option<usize>, target: usize, patience: Duration) -> Option<usize> {
    let deadline = Instant::now() + patience;
    loop {
        let now = count()?;
        if now <= target || Instant::now() >= deadline {
            return Some(now);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_threads_and_files() {
        let before = live_threads().unwrap();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || stop_rx.recv());
        assert_eq!(live_threads().unwrap(), before + 1);
        drop(stop_tx);
        worker.join().unwrap().unwrap_err();
        assert_eq!(
            settle_threads(before, Duration::from_secs(1)).unwrap(),
            before
        );

        let mapped = virtual_memory().unwrap();
        let block = vec![1u8; 64 << 20];
        assert!(virtual_memory().unwrap() >= mapped + (64 << 20));
        drop(block);

        let fds = open_fds().unwrap();
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(open_fds().unwrap(), fds + 1);
        drop(file);
        assert_eq!(open_fds().unwrap(), fds);
    }
}
