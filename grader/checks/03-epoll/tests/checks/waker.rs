use crate::{ms, seen};
use epoll::{Events, Interest, Poll, Token, Waker};
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;
use testkit::check;

const WAKER: Token = Token(99);
const WATCHDOG: Token = Token(1);

check! {
    /// Another thread's `wake` ends a `poll(None)` with the waker's token.
    fn ends_blocked_poll() {
        let mut poll = Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).unwrap());
        // If the waker fails, this pipe ends the poll after 2 s instead of a hang.
        let (watch_reader, mut watch_writer) = std::io::pipe().unwrap();
        poll.registry().register(&watch_reader, WATCHDOG, Interest::READABLE).unwrap();
        let (cancel, cancelled) = mpsc::channel::<()>();
        let watchdog = thread::spawn(move || {
            if cancelled.recv_timeout(ms(2000)).is_err() {
                watch_writer.write_all(b"!").unwrap();
            }
        });
        let remote = Arc::clone(&waker);
        let waking = thread::spawn(move || {
            thread::sleep(ms(100));
            remote.wake().unwrap();
        });
        let mut events = Events::with_capacity(8);
        let started = Instant::now();
        poll.poll(&mut events, None).unwrap();
        let took = started.elapsed();
        let _ = cancel.send(());
        waking.join().unwrap();
        watchdog.join().unwrap();
        let tokens: Vec<Token> = seen(&events, &[WAKER, WATCHDOG]).iter().map(|e| e.token).collect();
        assert!(
            tokens.contains(&WAKER),
            "poll(None) was not ended by the waker (woken at 100 ms); after {:.0} ms it saw {:?}",
            took.as_secs_f64() * 1e3,
            seen(&events, &[WAKER, WATCHDOG])
        );
    }

    /// A wake that happens before the poll is not lost, and a later wake works again.
    fn wake_before_poll_is_kept() {
        let mut poll = Poll::new().unwrap();
        let waker = Waker::new(poll.registry(), WAKER).unwrap();
        let mut events = Events::with_capacity(8);
        for round in 1..=3 {
            waker.wake().unwrap();
            poll.poll(&mut events, Some(ms(1000))).unwrap();
            let tokens: Vec<Token> = seen(&events, &[WAKER]).iter().map(|e| e.token).collect();
            assert_eq!(
                tokens,
                [WAKER],
                "wake number {round}, made before poll started, was lost: poll saw {:?}",
                seen(&events, &[WAKER])
            );
        }
    }

    /// Wakes from many threads at once end the poll, and the waker keeps working round
    /// after round, long after its counter was first raised.
    fn wakes_from_many_threads() {
        let mut poll = Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).unwrap());
        let mut events = Events::with_capacity(8);
        for round in 1..=20 {
            let wakers: Vec<_> = (0..4)
                .map(|_| {
                    let waker = Arc::clone(&waker);
                    thread::spawn(move || {
                        for _ in 0..25 {
                            waker.wake().unwrap();
                        }
                    })
                })
                .collect();
            for handle in wakers {
                handle.join().unwrap();
            }
            poll.poll(&mut events, Some(ms(1000))).unwrap();
            let tokens: Vec<Token> = seen(&events, &[WAKER]).iter().map(|e| e.token).collect();
            assert_eq!(
                tokens,
                [WAKER],
                "round {round}: 100 wakes from 4 threads did not end the poll with the waker's \
                 token (it saw {:?}); every wake must be a new edge, or the counter must be \
                 read back to zero when the wake is handled",
                seen(&events, &[WAKER])
            );
        }
    }

    /// A wake made while the waker's counter (or pipe) is full succeeds: a wake is pending
    /// anyway, and the poll still reports it.
    fn full_counter_is_a_wake() {
        let Some(before) = fds() else {
            return testkit::record::skip("finding the waker's descriptor needs /proc/self/fd (Linux)");
        };
        let mut poll = Poll::new().unwrap();
        let waker = Waker::new(poll.registry(), WAKER).unwrap();
        let new: Vec<(i32, String)> = fds().unwrap().into_iter().filter(|fd| !before.contains(fd)).collect();
        let mut filled = 0;
        for (fd, kind) in &new {
            if kind.contains("eventfd") {
                // The largest value an eventfd counter holds: the next write would block.
                let most = (u64::MAX - 1).to_ne_bytes();
                // SAFETY: writes 8 bytes from a live buffer to a descriptor of this process.
                let n = unsafe { libc::write(*fd, most.as_ptr().cast(), 8) };
                filled += usize::from(n == 8);
            } else if kind.starts_with("pipe:") && is_write_end(*fd) {
                set_nonblocking(*fd);
                let block = [0u8; 4096];
                // SAFETY: as above, until the pipe is full (the write would block).
                while unsafe { libc::write(*fd, block.as_ptr().cast(), block.len()) } > 0 {}
                filled += 1;
            }
        }
        assert!(filled > 0, "found none of the waker's eventfd or pipe among its new descriptors {new:?}");
        waker.wake().unwrap_or_else(|e| {
            panic!("wake() failed with {e} while the counter was full: a full counter (WouldBlock) means a wake is pending, so wake succeeds")
        });
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(ms(1000))).unwrap();
        let tokens: Vec<Token> = seen(&events, &[WAKER]).iter().map(|e| e.token).collect();
        assert_eq!(tokens, [WAKER], "a full counter must still be reported as a wake");
    }
}

/// This process's open descriptors with what they are (`anon_inode:[eventfd]`,
/// `pipe:[...]`, ...), from /proc/self/fd.
fn fds() -> Option<Vec<(i32, String)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        found.push((fd, target.to_string_lossy().into_owned()));
    }
    Some(found)
}

fn is_write_end(fd: i32) -> bool {
    // SAFETY: fcntl on a descriptor of this process.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags >= 0 && flags & libc::O_ACCMODE == libc::O_WRONLY
}

fn set_nonblocking(fd: i32) {
    // SAFETY: fcntl on a descriptor of this process.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}
