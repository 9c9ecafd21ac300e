use crate::{live_wakers, ms, tracked_waker};
use delayserver::DelayServer;
use runtime::{Runtime, TcpStream, sleep, spawn};
use std::future::{Future, poll_fn};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};
use testkit::net::closed_port;
use testkit::procfs::{live_threads, open_fds, settle_fds, settle_threads};
use testkit::scripted::ScriptedServer;
use testkit::{check, cpu, futexes, wakeups};

/// A server that echoes what it receives on each connection, until the client closes.
fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

check! {
    /// 10,000 sleeps of 200 ms at once all end within twice the time of one, and the
    /// runtime uses a handful of threads for them, not one per timer.
    fn ten_thousand_sleeps() {
        let Some(baseline) = live_threads() else {
            return testkit::record::skip("counting threads needs /proc/self/task (Linux)");
        };
        let mut rt = Runtime::new().unwrap();
        let (single, total, most_threads) = rt.block_on(async {
            let started = Instant::now();
            sleep(ms(200)).await;
            let single = started.elapsed();
            let started = Instant::now();
            let handles: Vec<_> = (0..10_000).map(|_| spawn(sleep(ms(200)))).collect();
            let sampler = spawn(async {
                sleep(ms(100)).await;
                live_threads().unwrap()
            });
            for handle in handles {
                handle.await.unwrap();
            }
            (single, started.elapsed(), sampler.await.unwrap())
        });
        assert!(
            most_threads <= baseline + 4,
            "while 10,000 sleeps were pending, the process had {} threads, {} more than \
             before the runtime started: keep timers in the reactor, with the nearest \
             deadline as the epoll timeout, not a thread per timer",
            most_threads,
            most_threads - baseline
        );
        assert!(
            total < single * 2,
            "10,000 concurrent sleeps of 200 ms took {:.2} s, one alone {:.2} s: they should \
             end within twice that",
            total.as_secs_f64(),
            single.as_secs_f64()
        );
    }

    /// While every task waits (timers and a slow server), the process sleeps; waiting for a
    /// lone timer, or for a response with no timer at all, its threads wake up a handful of
    /// times, not once a millisecond.
    fn idle_cpu() {
        let server = DelayServer::start().unwrap();
        let addr = server.addr();
        let mut rt = Runtime::new().unwrap();
        let usage = cpu::measure_enough(ms(200), 8, || {
            rt.block_on(async move {
                let mut handles = Vec::new();
                for _ in 0..100 {
                    handles.push(spawn(sleep(ms(250))));
                }
                let request = spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.write_all(b"GET /200/slow HTTP/1.1\r\n\r\n").await.unwrap();
                    let mut response = Vec::new();
                    stream.read_to_end(&mut response).await.unwrap();
                });
                for handle in handles {
                    handle.await.unwrap();
                }
                request.await.unwrap();
            })
        });
        usage.assert_waiting("100 sleeping tasks and a request waiting 0.25 s", 0.5);
        // With a single timer and nothing else, the runtime's threads wake up once or twice
        // each; a reactor that naps a millisecond at a time wakes 200 times.
        let ((), wakes) = wakeups::count_the_process(|| rt.block_on(sleep(ms(200))));
        wakes.assert_at_most(
            "a runtime waiting 0.2 s for its only timer",
            15,
            "a runtime whose threads block until the deadline",
        );
        // And with no timer at all, only a response 0.2 s away.
        let ((), wakes) = wakeups::count_the_process(|| {
            rt.block_on(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.write_all(b"GET /200/slow HTTP/1.1\r\n\r\n").await.unwrap();
                stream.read_to_end(&mut Vec::new()).await.unwrap();
            })
        });
        wakes.assert_at_most(
            "a runtime waiting 0.2 s for a response, with no timer",
            15,
            "a runtime whose threads block until the response comes",
        );
    }

    /// Thousands of reads, each racing a write from another thread: readiness that
    /// arrives between a `WouldBlock` and the waker being stored is never lost. A busy
    /// machine gets through fewer rounds in the time allowed; each is still a fair race.
    fn lost_wakeup_stress() {
        const ROUNDS: usize = 3000;
        const TIME_FOR_ROUNDS: Duration = Duration::from_secs(2);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let read_so_far = Arc::new(AtomicUsize::new(0));
        let rescues = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (read_so_far, rescues) = (Arc::clone(&read_so_far), Arc::clone(&rescues));
            thread::spawn(move || {
                let (mut peer, _) = listener.accept().unwrap();
                let started = Instant::now();
                let mut written = 0;
                while written < ROUNDS && started.elapsed() < TIME_FOR_ROUNDS {
                    peer.write_all(&[(written % 255) as u8]).unwrap();
                    written += 1;
                    // Write the next byte as soon as the reader took this one, so that it
                    // lands while the reader is between a WouldBlock and its wait.
                    let sent = Instant::now();
                    while read_so_far.load(Ordering::SeqCst) < written {
                        if sent.elapsed() > Duration::from_secs(1) {
                            // The reader missed its wake-up. Closing the connection is a
                            // new event, so the check ends with a verdict.
                            rescues.fetch_add(1, Ordering::SeqCst);
                            return written;
                        }
                        thread::yield_now();
                    }
                }
                written
                // Dropping `peer` ends the reader's stream.
            })
        };
        let mut rt = Runtime::new().unwrap();
        let counter = Arc::clone(&read_so_far);
        rt.block_on(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut byte = [0u8; 1];
            while stream.read(&mut byte).await.unwrap() == 1 {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let written = writer.join().unwrap();
        assert_eq!(
            rescues.load(Ordering::SeqCst),
            0,
            "a read missed its wake-up: the byte it waited for had arrived, yet the task was \
             not woken for a second. An event that arrives after WouldBlock but before the \
             waker is stored must not be lost: record readiness in the reactor and check it \
             under the same lock that stores the waker"
        );
        assert_eq!(
            read_so_far.load(Ordering::SeqCst),
            written,
            "the reads ended (a read returned 0) before every byte written had been read"
        );
    }

    /// Async connect, write and read against an echo server; a refused connection, and a
    /// read and a write on a connection the peer reset, are error values.
    fn tcp_roundtrip() {
        let addr = echo_server();
        let resetting = ScriptedServer::resetting(1);
        let mut rt = Runtime::new().unwrap();
        let report = rt.block_on(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            let mut received = vec![0u8; sent.len()];
            let writer = async {
                stream.write_all(&sent).await.unwrap();
                stream
            };
            let mut stream = writer.await;
            let mut filled = 0;
            while filled < received.len() {
                let n = stream.read(&mut received[filled..]).await.unwrap();
                assert!(n > 0, "the echo ended after {filled} bytes");
                filled += n;
            }
            let refused = TcpStream::connect(closed_port()).await.err().map(|e| e.kind());
            let mut reset = TcpStream::connect(resetting.addr()).await.unwrap();
            reset.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
            let read = reset.read(&mut [0u8; 64]).await.map_err(|e| e.kind());
            let write = reset.write(b"more").await.map_err(|e| e.kind());
            format!(
                "echoed {} bytes intact: {}; closed port: {refused:?}\nreset by the peer: read {read:?}, then write {write:?}",
                filled,
                received == sent
            )
        });
        insta::assert_snapshot!(report, @r"
        echoed 200000 bytes intact: true; closed port: Some(ConnectionRefused)
        reset by the peer: read Err(ConnectionReset), then write Err(BrokenPipe)
        ");
    }

    /// Dropping a pending sleep or stream lets go of the waker it gave the reactor.
    fn wakers_released() {
        let addr = echo_server();
        let mut rt = Runtime::new().unwrap();
        let leaked = rt.block_on(async move {
            let (waker, tracked) = tracked_waker();
            let mut cx = Context::from_waker(&waker);
            {
                let mut long_sleep = pin!(sleep(Duration::from_secs(3600)));
                assert!(long_sleep.as_mut().poll(&mut cx).is_pending());
            }
            {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let mut buf = [0u8; 8];
                let mut read = pin!(stream.read(&mut buf));
                assert!(read.as_mut().poll(&mut cx).is_pending());
            } // The read, then the stream, are dropped here.
            sleep(ms(20)).await;
            live_wakers(&tracked) - 1
        });
        assert_eq!(
            leaked, 0,
            "{leaked} wakers stayed in the reactor after the sleep and the stream that stored \
             them were dropped: remove a timer (and a stream's registration) when its future \
             or stream is dropped"
        );
    }

    /// Dropping the runtime ends its threads and closes its descriptors; a waker kept past
    /// that does nothing harmful.
    fn drop_cleans_up() {
        let server = DelayServer::start().unwrap();
        let addr = server.addr();
        let (Some(threads), Some(fds)) = (live_threads(), open_fds()) else {
            return testkit::record::skip("counting threads and descriptors needs /proc (Linux)");
        };
        let kept: Waker = {
            let mut rt = Runtime::new().unwrap();
            rt.block_on(async move {
                sleep(ms(10)).await;
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.write_all(b"GET /10/x HTTP/1.1\r\n\r\n").await.unwrap();
                let mut response = Vec::new();
                stream.read_to_end(&mut response).await.unwrap();
                poll_fn(|cx| Poll::Ready(cx.waker().clone())).await
            })
        };
        let threads_after = settle_threads(threads, ms(500)).unwrap();
        let fds_after = settle_fds(fds, ms(500)).unwrap();
        assert_eq!(
            (threads_after, fds_after),
            (threads, fds),
            "after the runtime was dropped, {} more threads and {} more descriptors remained: \
             stop and join the reactor thread, and close the epoll fd and the eventfd",
            threads_after as isize - threads as isize,
            fds_after as isize - fds as isize
        );
        // Whatever now has the descriptor numbers the runtime used must not hear from it.
        let (mut reader, _writer) = std::io::pipe().unwrap();
        kept.wake_by_ref();
        kept.wake_by_ref();
        drop(kept);
        let mut probe = [0u8; 1];
        let pending = std::thread::spawn(move || reader.read(&mut probe));
        thread::sleep(ms(50));
        assert!(!pending.is_finished(), "waking a waker of a dropped runtime wrote into a descriptor it no longer owns");
    }

    /// A nearer timer added while a later one is pending fires on time: the reactor's wait
    /// ends at the earliest deadline, whenever that deadline was added.
    fn nearer_timer_fires_on_time() {
        let mut rt = Runtime::new().unwrap();
        let (short, long) = (ms(60), ms(1500));
        let took = rt.block_on(async move {
            let _far = spawn(sleep(long));
            // Let the far timer reach the reactor first, and the reactor settle into its
            // wait for it.
            sleep(ms(20)).await;
            futexes::others_asleep(ms(1000));
            let started = Instant::now();
            sleep(short).await;
            started.elapsed()
        });
        let bound = (short + long) / 2;
        assert!(
            took < bound,
            "sleep(60 ms), started while a 1.5 s sleep was pending, took {:.0} ms: on time it \
             takes about 60 ms, after the far timer about 1,500 ms (pass below {:.0} ms). When \
             a nearer deadline is added, wake the reactor so that its wait ends in time",
            took.as_secs_f64() * 1e3,
            bound.as_secs_f64() * 1e3
        );
        assert!(took >= short, "sleep(60 ms) ended after {:.1} ms", took.as_secs_f64() * 1e3);
    }

    /// No sleep ends before its duration, however short: the reactor rounds the time it
    /// waits up, not down; and a sleep counts from its first poll, not from its making.
    fn sleep_never_early() {
        // Made outside any runtime, first polled 150 ms later: its 100 ms start then.
        let made_early = sleep(ms(100));
        thread::sleep(ms(150));
        let mut rt = Runtime::new().unwrap();
        let early = rt.block_on(async {
            let mut early = Vec::new();
            let started = Instant::now();
            made_early.await;
            let took = started.elapsed();
            if took < ms(100) {
                early.push(format!(
                    "sleep(100 ms), made 150 ms before its first poll, ended {} ms after it \
                     (a sleep counts from its first poll, not from its making)",
                    took.as_millis()
                ));
            }
            for micros in [300, 900, 1_400, 2_700, 5_500] {
                let wanted = Duration::from_micros(micros);
                let started = Instant::now();
                sleep(wanted).await;
                let took = started.elapsed();
                if took < wanted {
                    early.push(format!("sleep({micros} µs) ended after {} µs", took.as_micros()));
                }
            }
            early
        });
        assert!(
            early.is_empty(),
            "{}: a sleep ends no earlier than its duration after its first poll; a timeout \
             computed in whole milliseconds must be rounded up, and a timer fired only once \
             its deadline has passed",
            early.join("; ")
        );
    }

    /// A connected std stream adopted with `from_std`: `write_all` of 16 MB, then `write`s
    /// of the rest of 32 MB, to a peer that reads nothing for 200 ms, each write at least
    /// one byte and at most what is left, and wait for the peer without blocking the thread (a timer task keeps ticking); the peer gets
    /// every byte in order; `read_to_end` appends a reply that comes in pieces to what the
    /// buffer held and returns its length; `read` at the end gives 0.
    fn stream_partial_writes_and_ends() {
        const TOTAL: usize = 32 << 20;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let reading = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reply: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let data: Vec<u8> = (0..TOTAL).map(|i| (i % 253) as u8).collect();
        let (writing, wait_for_writer) = std::sync::mpsc::channel::<()>();
        let peer = {
            let (reading, reply) = (Arc::clone(&reading), reply.clone());
            thread::spawn(move || {
                wait_for_writer.recv().unwrap();
                thread::sleep(ms(200));
                reading.store(true, Ordering::SeqCst);
                let mut received = vec![0u8; TOTAL];
                // A client that stops short leaves this read waiting: give up after a while.
                server.set_read_timeout(Some(ms(3000))).unwrap();
                let mut got = 0;
                while got < TOTAL {
                    match server.read(&mut received[got..]) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got += n,
                    }
                }
                let intact = received[..got].iter().enumerate().all(|(i, &b)| b == (i % 253) as u8);
                let in_order = (got, intact);
                for piece in reply.chunks(12_000) {
                    server.write_all(piece).unwrap();
                    server.flush().unwrap();
                    thread::sleep(ms(20));
                }
                in_order
            })
        };
        let mut rt = Runtime::new().unwrap();
        let (writes, ticks_while_full, appended, whole, at_end) = rt.block_on(async {
            let mut stream = TcpStream::from_std(client).unwrap();
            let ticks = Arc::new(AtomicUsize::new(0));
            let ticker = {
                let (ticks, reading) = (Arc::clone(&ticks), Arc::clone(&reading));
                spawn(async move {
                    while !reading.load(Ordering::SeqCst) {
                        sleep(ms(10)).await;
                        ticks.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            // The first half with write_all, which must wait for the peer too; the rest
            // with write.
            writing.send(()).unwrap();
            stream.write_all(&data[..TOTAL / 2]).await.unwrap();
            let (mut written, mut writes) = (TOTAL / 2, vec![TOTAL / 2]);
            while written < TOTAL {
                let n = stream.write(&data[written..]).await.unwrap();
                writes.push(n);
                if n == 0 || n > TOTAL - written {
                    break;
                }
                written += n;
            }
            ticker.await.unwrap();
            let mut out = b"prefix:".to_vec();
            let appended = stream.read_to_end(&mut out).await.unwrap();
            let at_end = stream.read(&mut [0u8; 16]).await.unwrap();
            (writes, ticks.load(Ordering::SeqCst), appended, out, at_end)
        });
        let in_order = peer.join().unwrap();
        let odd: Vec<&usize> = writes.iter().filter(|&&n| n == 0).collect();
        assert!(
            odd.is_empty() && writes.iter().sum::<usize>() == TOTAL,
            "write of the rest of a 32 MB buffer returned {} times 0, or more than was left \
             ({} bytes written in all): write writes at least one byte and at most the buffer",
            odd.len(),
            writes.iter().sum::<usize>()
        );
        assert!(
            ticks_while_full >= 3,
            "a timer task ticked {ticks_while_full} times in the 200 ms the writer waited for \
             a full socket: waiting for writability must not block the thread, and timers \
             added meanwhile must fire"
        );
        let (got, intact) = in_order;
        assert!(
            got == TOTAL && intact,
            "the peer received {got} of {TOTAL} bytes{}: write_all of the first 16 MB, then \
             writes of the rest; write_all writes until all of its buffer is written",
            if intact { "" } else { ", not in the order sent" }
        );
        assert!(
            appended == reply.len() && whole.len() == 7 + reply.len() && whole.starts_with(b"prefix:") && whole[7..] == reply[..],
            "read_to_end of a {}-byte reply in pieces into a buffer holding 7 bytes returned \
             {appended} and left {} bytes: it appends until the end of the stream and returns \
             what it read",
            reply.len(),
            whole.len()
        );
        assert_eq!(at_end, 0, "read at the end of the stream returned {at_end}; it must return 0");
    }

    /// A sleep polled with waker A, then with waker B, wakes B and never A; polled again
    /// and again before its deadline (as `select` or `join` do), it stays pending until
    /// the deadline.
    fn sleep_wakes_latest_waker() {
        let mut rt = Runtime::new().unwrap();
        let (woken_a, woken_b, early) = rt.block_on(async {
            let (a, woken_a) = tracked_waker();
            let (b, woken_b) = tracked_waker();
            let mut timer = pin!(sleep(ms(60)));
            assert!(
                timer.as_mut().poll(&mut Context::from_waker(&a)).is_pending(),
                "sleep(60 ms) was ready at its first poll"
            );
            assert!(
                timer.as_mut().poll(&mut Context::from_waker(&b)).is_pending(),
                "sleep(60 ms), polled a second time at once (with another waker), was ready: a \
                 poll before the deadline must leave the timer in place and return Pending"
            );
            sleep(ms(200)).await;
            // Polled every millisecond from now on, with fresh wakers.
            let started = Instant::now();
            let mut polled = pin!(sleep(ms(60)));
            let mut early = None;
            loop {
                let (waker, _) = tracked_waker();
                if polled.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                    if started.elapsed() < ms(60) {
                        early = Some(started.elapsed());
                    }
                    break;
                }
                sleep(ms(1)).await;
            }
            (woken_a.wakes.load(Ordering::SeqCst), woken_b.wakes.load(Ordering::SeqCst), early)
        });
        assert_eq!(
            (woken_a, woken_b),
            (0, 1),
            "a sleep polled with waker A, then B, woke A {woken_a} times and B {woken_b} \
             times: its timer must wake the waker of the latest poll, once"
        );
        if let Some(took) = early {
            panic!(
                "sleep(60 ms), polled every millisecond, was ready after {:.1} ms: a poll before \
                 the deadline must leave the timer in place and return Pending",
                took.as_secs_f64() * 1e3
            );
        }
    }

    /// Signals handled by the process (a profiler's, a debugger's) interrupt the
    /// reactor's wait: `epoll_wait` then fails with `EINTR`, which means "wait again", not
    /// "stop". A 300 ms sleep completes while every thread receives a signal every 10 ms.
    fn signals_do_not_stop_it() {
        extern "C" fn ignore(_: libc::c_int) {}
        // SAFETY: installs a handler that does nothing, without SA_RESTART, so that
        // blocking calls are interrupted rather than resumed.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
        }
        let slot: Arc<std::sync::Mutex<Option<Waker>>> = Arc::default();
        let (finished, stuck) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let pester = {
            let (slot, finished, stuck) = (Arc::clone(&slot), Arc::clone(&finished), Arc::clone(&stuck));
            thread::spawn(move || {
                let me = futexes::thread_id();
                let started = Instant::now();
                while finished.load(Ordering::SeqCst) == 0 {
                    for tid in other_threads(me) {
                        // SAFETY: a signal with a handler installed, to a thread of this process.
                        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
                    }
                    thread::sleep(ms(10));
                    if started.elapsed() > ms(3000) && stuck.load(Ordering::SeqCst) == 0 {
                        // The sleep will never end: wake the check's future to say so.
                        stuck.store(1, Ordering::SeqCst);
                        if let Some(waker) = slot.lock().unwrap().take() {
                            waker.wake();
                        }
                    }
                }
            })
        };
        let mut rt = Runtime::new().unwrap();
        let stuck_seen = Arc::clone(&stuck);
        let took = rt.block_on(async move {
            let started = Instant::now();
            let mut timer = pin!(sleep(ms(300)));
            std::future::poll_fn(|cx| {
                if stuck_seen.load(Ordering::SeqCst) == 1 {
                    return Poll::Ready(None);
                }
                *slot.lock().unwrap() = Some(cx.waker().clone());
                timer.as_mut().poll(cx).map(|()| Some(started.elapsed()))
            })
            .await
        });
        finished.store(1, Ordering::SeqCst);
        pester.join().unwrap();
        assert!(
            took.is_some(),
            "sleep(300 ms) had not ended after 3 s while the threads received a handled signal \
             every 10 ms: a signal makes epoll_wait fail with EINTR (Interrupted), which means \
             \"wait again\"; a reactor that stops (or panics) there leaves every task asleep"
        );
    }

    /// `connect` does not block the thread: to a listener whose accept queue is full, the
    /// kernel drops the connection request and retries only after a second, and a timer
    /// task must keep ticking meanwhile (the check gives up on the connect after 300 ms).
    fn connect_does_not_block() {
        let (listener, addr) = listener_with_backlog_zero();
        // The one connection the queue holds; the next one's request is dropped.
        let filler = std::net::TcpStream::connect(addr).unwrap();
        let ticks = Arc::new(AtomicUsize::new(0));
        let accepting = {
            let ticks = Arc::clone(&ticks);
            thread::spawn(move || {
                thread::sleep(ms(300));
                let seen = ticks.load(Ordering::SeqCst);
                // The filler, and a blocking connect's connection once its retry comes.
                listener.set_nonblocking(true).unwrap();
                let accepted = (0..2).filter(|_| listener.accept().is_ok()).count();
                (seen, accepted)
            })
        };
        let mut rt = Runtime::new().unwrap();
        let connected = rt.block_on(async move {
            let ticker = {
                let ticks = Arc::clone(&ticks);
                spawn(async move {
                    for _ in 0..20 {
                        sleep(ms(10)).await;
                        ticks.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            // The kernel retries the dropped request only after a second: give up on it
            // after 300 ms (a blocking connect cannot be given up on, and shows).
            let attempt = futures::future::select(
                Box::pin(TcpStream::connect(addr)),
                Box::pin(sleep(ms(300))),
            )
            .await;
            ticker.await.unwrap();
            match attempt {
                futures::future::Either::Left((connected, _)) => connected.map(drop).map_err(|e| e.to_string()),
                futures::future::Either::Right(((), _)) => Ok(()),
            }
        });
        let (ticks_meanwhile, accepted) = accepting.join().unwrap();
        drop(filler);
        assert!(
            ticks_meanwhile >= 3,
            "a timer task ticked {ticks_meanwhile} times in the 300 ms a connect waited for a \
             listener with a full queue: connect must not block the thread (a non-blocking \
             socket, connect returning EINPROGRESS, then a wait for writability)"
        );
        assert_eq!(connected, Ok(()), "the connect failed");
        assert!(accepted >= 1, "the listener accepted {accepted} connections");
    }
}

/// A loopback listener whose accept queue holds a single connection, and its address.
fn listener_with_backlog_zero() -> (TcpListener, SocketAddr) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain socket calls on a descriptor this function owns; `address` is a valid
    // sockaddr_in of the size given.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket failed");
        let listener = TcpListener::from_raw_fd(fd);
        let mut address: libc::sockaddr_in = std::mem::zeroed();
        address.sin_family = libc::AF_INET as libc::sa_family_t;
        address.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let size = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(
            libc::bind(fd, (&raw const address).cast(), size),
            0,
            "bind failed"
        );
        assert_eq!(libc::listen(fd, 0), 0, "listen failed");
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }
}

/// The kernel's ids of this process's threads, but `me`.
fn other_threads(me: libc::pid_t) -> Vec<libc::pid_t> {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|task| task.ok()?.file_name().to_str()?.parse().ok())
                .filter(|&tid| tid != me)
                .collect()
        })
        .unwrap_or_default()
}
