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

/// Makes SIGUSR1 interrupt system calls (no `SA_RESTART`) and otherwise do nothing.
fn install_handler() {
    // SAFETY: installs a handler that does nothing, for SIGUSR1 only.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
}

check! {
    /// A registered pipe is reported under its token when it becomes readable, and a
    /// write end under its token as writable.
    fn readable_event_with_token() {
        let mut poll = Poll::new().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(7), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(ms(20))).unwrap();
        assert!(events.is_empty(), "poll reported {:?} before anything was written", seen(&events, &[Token(7)]));
        writer.write_all(b"ready").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events, &[Token(7)]), [readable(7)], "after a write to the pipe");
        assert!(!events.is_empty() && events.len() == 1, "is_empty() and len() must describe the one event");
        let mut other = Poll::new().unwrap();
        other.registry().register(&writer, Token(8), Interest::WRITABLE).unwrap();
        other.poll(&mut events, Some(ms(2000))).unwrap();
        let writable = Event { token: Token(8), readable: false, writable: true };
        assert_eq!(seen(&events, &[Token(8)]), [writable], "an empty pipe's write end");
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
            assert!(events.is_empty(), "nothing was ready, yet poll reported {:?}", seen(&events, &[Token(1)]));
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
        assert_eq!(seen(&events, &[Token(3)]), [readable(3)], "after the first write");
        poll.poll(&mut events, Some(ms(50))).unwrap();
        assert!(
            events.is_empty(),
            "the unread pipe was reported again ({:?}): the registration is level-triggered; \
             register with EPOLLET",
            seen(&events, &[Token(3)])
        );
        writer.write_all(b"d").unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(seen(&events, &[Token(3)]), [readable(3)], "more data is a new edge");
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
        assert_eq!(seen(&events, &[Token(1), Token(2)]), [readable(2)], "after reregistering under token 2");
        poll.registry().deregister(&reader).unwrap();
        writer.write_all(b"y").unwrap();
        poll.poll(&mut events, Some(ms(50))).unwrap();
        assert!(events.is_empty(), "a deregistered pipe was still reported: {:?}", seen(&events, &[Token(1), Token(2)]));
    }

    /// Signals arriving during `poll` neither end the wait early nor lose the event.
    fn survives_signals() {
        install_handler();
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
            seen(&events, &[Token(5)]),
            [readable(5)],
            "poll returned after {:.0} ms without the pipe's event (signals came every 20 ms, \
             the data at 150 ms): an interrupted wait must wait again for the time left",
            took.as_secs_f64() * 1e3
        );
    }

    /// Dropping a `Poll` closes its epoll file descriptor, which is close-on-exec while it
    /// is open.
    fn closes_on_drop() {
        let Some(before) = open_fds() else {
            return testkit::record::skip("counting descriptors needs /proc/self/fd (Linux)");
        };
        {
            let _poll = Poll::new().unwrap();
            let epoll_fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
                .unwrap()
                .flatten()
                .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().contains("eventpoll")))
                .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
                .collect();
            assert_eq!(epoll_fds.len(), 1, "one Poll should hold one epoll descriptor, found {epoll_fds:?}");
            // SAFETY: fcntl on a descriptor of this process.
            let flags = unsafe { libc::fcntl(epoll_fds[0], libc::F_GETFD) };
            assert!(
                flags >= 0 && flags & libc::FD_CLOEXEC != 0,
                "the epoll descriptor is not close-on-exec: create it with epoll_create1(EPOLL_CLOEXEC), \
                 so that a program this one starts does not inherit it"
            );
        } // The Poll is dropped here.
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

    /// Several sources ready at once all come back from one `poll`, each under its own
    /// token; a smaller buffer hands them out over several polls.
    fn several_events_at_once() {
        let mut poll = Poll::new().unwrap();
        let pipes: Vec<_> = (0..3).map(|_| std::io::pipe().unwrap()).collect();
        // Tokens use all 64 bits: a token kept in 32 bits comes back wrong.
        let big = |i: usize| Token(usize::MAX - 2 + i);
        for (i, (reader, _)) in pipes.iter().enumerate() {
            poll.registry().register(reader, big(i), Interest::READABLE).unwrap();
        }
        let registered: Vec<Token> = (0..3).map(big).collect();
        let mut writers = pipes;
        for (_, writer) in &mut writers {
            writer.write_all(b"x").unwrap();
        }
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(events.len(), 3, "len() of a buffer holding {:?}", seen(&events, &registered));
        let mut got = seen(&events, &registered);
        got.sort_by_key(|e| e.token);
        let expected: Vec<Event> = (0..3)
            .map(|i| Event { token: big(i), readable: true, writable: false })
            .collect();
        assert_eq!(
            got,
            expected,
            "three pipes were readable at once: each must be reported under its own token \
             (x86-64 lays out libc::epoll_event packed, 12 bytes: read its fields with a copy, \
             never by reference, and do not declare an unpacked struct of your own)"
        );
        // The same again through a buffer of one.
        let mut poll = Poll::new().unwrap();
        for (i, (reader, writer)) in writers.iter_mut().enumerate() {
            poll.registry().register(&*reader, Token(20 + i), Interest::READABLE).unwrap();
            writer.write_all(b"y").unwrap();
        }
        let mut one = Events::with_capacity(0);
        assert_eq!(one.capacity(), 1, "Events::with_capacity(0) must have room for 1 event");
        let mut tokens = Vec::new();
        for _ in 0..3 {
            poll.poll(&mut one, Some(ms(2000))).unwrap();
            assert_eq!(one.len(), 1, "a buffer of one held {:?}", seen(&one, &[Token(20), Token(21), Token(22)]));
            tokens.extend(seen(&one, &[Token(20), Token(21), Token(22)]).iter().map(|e| e.token.0));
        }
        tokens.sort_unstable();
        assert_eq!(tokens, [20, 21, 22], "three polls with room for one event each");
    }

    /// A peer that closes is reported as readable (the read will not block); a source
    /// registered for both interests gets both flags.
    fn hangup_and_both_interests() {
        let mut poll = Poll::new().unwrap();
        let (reader, writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(4), Interest::READABLE).unwrap();
        drop(writer);
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(
            seen(&events, &[Token(4)]),
            [readable(4)],
            "the pipe's writer was closed: a read returns at once (end of file), so the \
             reader is readable (EPOLLHUP and EPOLLRDHUP count as readable)"
        );
        let both = Interest::READABLE.add(Interest::WRITABLE);
        assert!(both.is_readable() && both.is_writable(), "READABLE.add(WRITABLE) must be both");
        let (r, w) = (Interest::READABLE, Interest::WRITABLE);
        assert!(
            r.is_readable() && !r.is_writable() && w.is_writable() && !w.is_readable(),
            "READABLE is readable only, WRITABLE writable only"
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server.write_all(b"hello").unwrap();
        // Registered for reading only, a socket with room to write is reported readable only.
        let mut poll = Poll::new().unwrap();
        poll.registry().register(&client, Token(5), Interest::READABLE).unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        assert_eq!(
            seen(&events, &[Token(5)]),
            [readable(5)],
            "a socket with data, registered for reading only (no EPOLLOUT asked for)"
        );
        let mut poll = Poll::new().unwrap();
        poll.registry().register(&client, Token(6), both).unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        let both_event = Event { token: Token(6), readable: true, writable: true };
        assert_eq!(
            seen(&events, &[Token(6)]),
            [both_event],
            "a socket with data to read and room to write, registered for both interests"
        );
        poll.registry().reregister(&client, Token(7), Interest::WRITABLE).unwrap();
        poll.poll(&mut events, Some(ms(2000))).unwrap();
        let writable = Event { token: Token(7), readable: false, writable: true };
        assert_eq!(seen(&events, &[Token(6), Token(7)]), [writable], "after reregistering for writing only, under token 7");
    }

    /// A wait interrupted by signals lasts its timeout in all, not the timeout again after
    /// the last signal.
    fn interrupted_wait_keeps_its_deadline() {
        install_handler();
        let mut poll = Poll::new().unwrap();
        let (reader, _writer) = std::io::pipe().unwrap();
        poll.registry().register(&reader, Token(5), Interest::READABLE).unwrap();
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let timeout = ms(300);
        let (times_tx, times_rx) = std::sync::mpsc::channel();
        let pesterer = std::thread::spawn(move || {
            for _ in 0..4 {
                std::thread::sleep(ms(50));
                // SAFETY: the target thread is alive: it joins this thread before it ends.
                unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
                times_tx.send(Instant::now()).unwrap();
            }
        });
        let mut events = Events::with_capacity(8);
        let started = Instant::now();
        let result = poll.poll(&mut events, Some(timeout));
        let took = started.elapsed();
        pesterer.join().unwrap();
        if let Err(e) = result {
            panic!("poll failed when a signal interrupted it: {e}; an interrupted wait (EINTR) must wait again");
        }
        let last_signal = times_rx.try_iter().last().expect("no signal was sent") - started;
        assert!(events.is_empty(), "nothing was written, yet poll reported {:?}", seen(&events, &[Token(5)]));
        // Waiting for what is left ends at the timeout; starting the full timeout again
        // after each signal ends a whole timeout after the last one.
        let (kept, restarted) = (timeout, last_signal + timeout);
        let bound = (kept + restarted) / 2;
        assert!(
            took < bound,
            "poll with a 300 ms timeout, interrupted by signals until {:.0} ms, returned after \
             {:.0} ms: keeping the deadline it ends at about {:.0} ms, starting the timeout \
             again at about {:.0} ms (pass below {:.0} ms). After EINTR, wait only for the \
             time that is left before the deadline",
            last_signal.as_secs_f64() * 1e3,
            took.as_secs_f64() * 1e3,
            kept.as_secs_f64() * 1e3,
            restarted.as_secs_f64() * 1e3,
            bound.as_secs_f64() * 1e3
        );
        assert!(took >= timeout, "poll returned after {:.1} ms, before its 300 ms timeout", took.as_secs_f64() * 1e3);
    }
}
