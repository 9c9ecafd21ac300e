use crate::{ms, seen};
use epoll::{Event, Events, Interest, Poll, Token};
use std::io::Write;
use std::time::{Duration, Instant};
use testkit::check;
use testkit::procfs::open_fds;
use testkit::timing::time;

fn readable(token: usize) -> Event {
    Event {
        token: Token(token),
        readable: true,
        writable: false,
    }
}

extern "C" fn ignore_signal(_: libc::c_int) {}

check! {
    /// A registered pipe is reported under its token when it becomes readable, and a
    /// write end under its token as writable.
    fn readable_event_with_token() {
        let mut poll = Poll::new().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(7), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(ms(20))).unwrap();
        assert!(events.is_empty(), "poll reported {:?} before anything was written", seen(&events));
        writer.write_all(b"ready").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events), [readable(7)], "after a write to the pipe");
        let mut other = Poll::new().unwrap();
        other.registry().register(&writer, Token(8), Interest::WRITABLE).unwrap();
        other.poll(&mut events, Some(ms(2000))).unwrap();
        let writable = Event { token: Token(8), readable: false, writable: true };
        assert_eq!(seen(&events), [writable], "an empty pipe's write end");
    }

    /// With nothing ready, `poll` returns no events, and never before its timeout.
    fn timeout_respected() {
        let mut poll = Poll::new().unwrap();
        let (reader, _writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(1), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(events.is_empty());
        // A fraction of a millisecond on top: a timeout rounded down returns early.
        for wanted in [ms(20), ms(50), ms(100)].map(|t| t + Duration::from_micros(900)) {
            let (result, took) = time(|| poll.poll(&mut events, Some(wanted)));
            result.unwrap();
            assert!(events.is_empty(), "nothing was ready, yet poll reported {:?}", seen(&events));
            assert!(
                took >= wanted,
                "poll with a timeout of {:.1} ms returned after {:.1} ms, before the timeout: round \
                 the timeout up to whole milliseconds",
                wanted.as_secs_f64() * 1e3,
                took.as_secs_f64() * 1e3
            );
        }
    }

    /// A source is reported when it becomes ready, not again while it stays ready.
    fn edge_triggered() {
        let mut poll = Poll::new().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(3), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        writer.write_all(b"abc").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events), [readable(3)], "after the first write");
        poll.poll(&mut events, Some(ms(50))).unwrap();
        assert!(
            events.is_empty(),
            "the unread pipe was reported again ({:?}): the registration is level-triggered; \
             register with EPOLLET",
            seen(&events)
        );
        writer.write_all(b"d").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events), [readable(3)], "more data is a new edge");
    }

    /// `reregister` changes the token; after `deregister` nothing is reported.
    fn deregister_stops_events() {
        let mut poll = Poll::new().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(1), Interest::READABLE).unwrap();
        poll.registry().reregister(&reader, Token(2), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        writer.write_all(b"x").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events), [readable(2)], "after reregistering under token 2");
        poll.registry().deregister(&reader).unwrap();
        writer.write_all(b"y").unwrap();
        poll.poll(&mut events, Some(ms(50))).unwrap();
        assert!(events.is_empty(), "a deregistered pipe was still reported: {:?}", seen(&events));
    }

    /// Signals arriving during `poll` neither end the wait early nor lose the event.
    fn survives_signals() {
        // SAFETY: installs a handler that does nothing, for SIGUSR1 only.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
        }
        let mut poll = Poll::new().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(5), Interest::READABLE).unwrap();
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let pesterer = std::thread::spawn(move || {
            for _ in 0..5 {
                std::thread::sleep(ms(20));
                // SAFETY: the target thread is alive: it waits for this thread to finish.
                unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
            }
            std::thread::sleep(ms(50));
            writer.write_all(b"data after the signals").unwrap();
            writer
        });
        let mut events = Events::with_capacity(8);
        let started = Instant::now();
        let result = poll.poll(&mut events, Some(ms(3000)));
        let took = started.elapsed();
        let _writer = pesterer.join().unwrap();
        if let Err(e) = result {
            panic!("poll failed when a signal interrupted it: {e}; an interrupted wait (EINTR) must wait again");
        }
        assert_eq!(
            seen(&events),
            [readable(5)],
            "poll returned after {:.0} ms without the pipe's event (signals came every 20 ms, \
             the data at 150 ms): an interrupted wait must wait again for the time left",
            took.as_secs_f64() * 1e3
        );
    }

    /// Dropping a `Poll` closes its epoll file descriptor.
    fn closes_on_drop() {
        let Some(before) = open_fds() else {
            return testkit::record::skip("counting descriptors needs /proc/self/fd (Linux)");
        };
        for _ in 0..50 {
            let _dropped_at_the_end_of_each_round = Poll::new().unwrap();
        }
        let after = open_fds().unwrap();
        assert_eq!(
            after,
            before,
            "creating and dropping 50 Polls left {} more descriptors open: close the epoll fd \
             in Drop",
            after.saturating_sub(before)
        );
    }
}
