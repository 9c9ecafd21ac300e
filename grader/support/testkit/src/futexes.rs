//! Wakes that pause right after they reach a sleeping thread.
//!
//! On Linux, `std`'s `park`/`unpark`, `Mutex` and `Condvar` put threads to sleep and wake
//! them through the C library's `syscall(SYS_futex, ...)`. This module defines `syscall`
//! in the check program itself, which the linker prefers to the C library's, and passes
//! every call on to the C library's own (found with `dlsym(RTLD_NEXT)`). On a thread that
//! asked for it, a `FUTEX_WAKE` is followed by a pause before `syscall` returns.
//!
//! Code that wakes a sleeper first and records why second (`unpark`, then set the flag)
//! loses the wake when the sleeper runs in between: it finds no flag and sleeps again.
//! That window is a few instructions wide, so such code passes thousands of rounds; the
//! pause makes the sleeper run in it every time. Code that records first is unaffected.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::time::Duration;

static PAUSED: AtomicUsize = AtomicUsize::new(0);
static REAL: AtomicPtr<libc::c_void> = AtomicPtr::new(std::ptr::null_mut());

thread_local! {
    /// Nanoseconds to pause after each futex wake on this thread; 0 for none.
    static PAUSE_NANOS: Cell<u64> = const { Cell::new(0) };
}

type Syscall = unsafe extern "C" fn(
    libc::c_long,
    libc::c_long,
    libc::c_long,
    libc::c_long,
    libc::c_long,
    libc::c_long,
    libc::c_long,
) -> libc::c_long;

/// Passes the call on to the C library's `syscall`, then pauses if this thread asked for
/// it and the call woke futex waiters.
///
/// The C function is variadic; on x86-64 and aarch64 Linux a variadic callee reads its
/// integer arguments where a fixed one with seven `long`s does, and arguments the caller
/// did not pass are read but ignored by the kernel, as the C library's own entry does.
///
/// # Safety
/// The same as the C library's `syscall`, which it calls with the same arguments.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn syscall(
    number: libc::c_long,
    a1: libc::c_long,
    a2: libc::c_long,
    a3: libc::c_long,
    a4: libc::c_long,
    a5: libc::c_long,
    a6: libc::c_long,
) -> libc::c_long {
    let real = crate::interpose::next_definition(
        &REAL,
        c"syscall",
        b"testkit: the C library's syscall was not found\n",
    );
    // SAFETY: `real` is the C library's syscall; see above for the arguments.
    let real: Syscall = unsafe { std::mem::transmute::<*mut libc::c_void, Syscall>(real) };
    // SAFETY: the caller's arguments, passed on unchanged.
    let result = unsafe { real(number, a1, a2, a3, a4, a5, a6) };
    let wake = libc::c_long::from(libc::FUTEX_WAKE);
    let command = a2 & !libc::c_long::from(libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME);
    if number == libc::SYS_futex && command == wake && result > 0 {
        // `try_with`: a thread being torn down has no pause to take.
        let nanos = PAUSE_NANOS.try_with(Cell::get).unwrap_or(0);
        if nanos > 0 {
            PAUSED.fetch_add(1, Ordering::SeqCst);
            pause(nanos);
        }
    }
    result
}

/// Sleeps without touching `errno`, which the caller may still read for `result`.
fn pause(nanos: u64) {
    // SAFETY: errno is this thread's; it is saved and put back.
    let errno = unsafe { *libc::__errno_location() };
    let span = libc::timespec {
        tv_sec: (nanos / 1_000_000_000) as libc::time_t,
        tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
    };
    // SAFETY: a valid timespec; an interrupted pause is only shorter.
    unsafe {
        libc::nanosleep(&span, std::ptr::null_mut());
        *libc::__errno_location() = errno;
    }
}

/// From now on, every futex wake this thread makes that wakes a sleeper is followed by
/// `pause` before the waking call returns.
pub fn pause_after_wakes(pause: Duration) {
    let nanos = u64::try_from(pause.as_nanos()).unwrap_or(u64::MAX);
    PAUSE_NANOS.with(|cell| cell.set(nanos));
}

/// How many wakes have paused so far, in the whole process. Naming the wrapper here keeps
/// it in every check program that asks.
pub fn paused() -> usize {
    std::hint::black_box(syscall as *const ());
    PAUSED.load(Ordering::SeqCst)
}

/// The kernel's id of the calling thread, for [`asleep`].
pub fn thread_id() -> libc::pid_t {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

/// Whether thread `tid` of this process is asleep (state `S`) right now.
pub fn asleep(tid: libc::pid_t) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may hold anything.
    stat.rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('S'))
}

/// Waits until every thread of this process but the caller is asleep (each in some
/// blocking wait), for at most `patience`; whether they all were.
pub fn others_asleep(patience: Duration) -> bool {
    let me = thread_id();
    let deadline = std::time::Instant::now() + patience;
    loop {
        let all = std::fs::read_dir("/proc/self/task")
            .ok()
            .is_some_and(|tasks| {
                tasks
                    .filter_map(|task| task.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
                    .filter(|&tid| tid != me)
                    .all(asleep)
            });
        if all || std::time::Instant::now() >= deadline {
            return all;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn an_unpark_that_reaches_a_sleeper_pauses_the_waking_thread_only() {
        let sleeper = std::thread::current();
        let tid = thread_id();
        let before = paused();
        let waker = std::thread::spawn(move || {
            pause_after_wakes(Duration::from_millis(40));
            let patience = Instant::now() + Duration::from_secs(5);
            while !asleep(tid) && Instant::now() < patience {
                std::thread::sleep(Duration::from_millis(1));
            }
            let started = Instant::now();
            sleeper.unpark();
            started.elapsed()
        });
        std::thread::park();
        let took = waker.join().unwrap();
        assert!(
            paused() > before,
            "the unpark of a parked thread went through the wrapper"
        );
        assert!(
            took >= Duration::from_millis(40),
            "unpark returned after {took:?}"
        );
        // A thread that asked for nothing does not pause.
        let count = paused();
        let sleeper = std::thread::current();
        let plain = std::thread::spawn(move || {
            while !asleep(tid) {
                std::thread::sleep(Duration::from_millis(1));
            }
            sleeper.unpark();
        });
        std::thread::park();
        plain.join().unwrap();
        assert_eq!(paused(), count);
    }

    #[test]
    fn others_asleep_waits_for_a_busy_thread_to_sleep() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let busy = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_millis(100);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
            rx.recv().unwrap();
        });
        assert!(others_asleep(Duration::from_secs(10)));
        tx.send(()).unwrap();
        busy.join().unwrap();
    }
}
