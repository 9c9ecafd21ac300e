use crate::{ms, run, run_lingering};
use stackless::leaf::{count_down, delay};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Instant;
use testkit::executor::{counting_waker, slow_cloning_waker};
use testkit::{check, spawns};

check! {
    /// `count_down(3)` is ready at the fourth poll, and wakes itself so it gets polled.
    fn count_down_wakes_itself() {
        for n in [0, 1, 3, 10] {
            let ((), stats) = run(count_down(n));
            assert_eq!(stats.polls, n + 1, "count_down({n}) took {} polls, expected {}", stats.polls, n + 1);
        }
    }

    /// `delay(100 ms)` completes after its helper wakes it: two polls, not before 100 ms
    /// after the first poll (also when it was made long before).
    fn delay_completes() {
        let started = Instant::now();
        let ((), stats) = run(delay(ms(100)));
        let took = started.elapsed();
        assert!(took >= ms(100), "delay(100 ms) completed after {:.1} ms", took.as_secs_f64() * 1e3);
        assert_eq!(
            stats.polls, 2,
            "delay(100 ms) was polled {} times: it should be pending once, then woken once by its helper",
            stats.polls
        );
        // Made 150 ms before its first poll: its 100 ms start then.
        let made_early = delay(ms(100));
        std::thread::sleep(ms(150));
        let started = Instant::now();
        run(made_early);
        let took = started.elapsed();
        assert!(
            took >= ms(100),
            "delay(100 ms), made 150 ms before its first poll, completed {:.1} ms after it: a \
             delay counts from its first poll (start the helper there), not from its making",
            took.as_secs_f64() * 1e3
        );
    }

    /// Polled with waker A, then with waker B, the delay wakes B and never A.
    fn stale_waker() {
        let (a, woken_a) = counting_waker();
        let (b, woken_b) = counting_waker();
        let mut future = pin!(delay(ms(150)));
        assert!(future.as_mut().poll(&mut Context::from_waker(&a)).is_pending());
        assert!(future.as_mut().poll(&mut Context::from_waker(&b)).is_pending());
        let deadline = Instant::now() + ms(3000);
        while woken_a.wakes() + woken_b.wakes() == 0 && Instant::now() < deadline {
            std::thread::sleep(ms(5));
        }
        assert_eq!(
            (woken_a.wakes(), woken_b.wakes()),
            (0, 1),
            "after polls with waker A then waker B, A was woken {} times and B {} times: only \
             the most recent poll's waker may be woken (replace the stored waker on every poll)",
            woken_a.wakes(),
            woken_b.wakes()
        );
        assert_eq!(future.as_mut().poll(&mut Context::from_waker(&b)), Poll::Ready(()));
    }

    /// Polled again and again with a new waker each time, until it is ready, a delay
    /// starts one helper thread in all, and wakes no waker but the one of its most recent
    /// poll, at most once.
    fn delay_starts_one_helper() {
        let mut future = Box::pin(delay(ms(60)));
        let mut counts = Vec::new();
        let deadline = Instant::now() + ms(3000);
        let ((), started) = spawns::count(|| loop {
            let (waker, count) = counting_waker();
            counts.push(count);
            if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                break;
            }
            assert!(Instant::now() < deadline, "delay(60 ms) was still pending after 3 s of polls");
            std::thread::sleep(ms(1));
        });
        assert_eq!(
            started, 1,
            "{} polls of one delay started {started} threads: start the helper at the first poll only",
            counts.len()
        );
        // The helper wakes after it marks the delay done: give that wake a moment.
        let patience = Instant::now() + ms(500);
        while counts.iter().all(|c| c.wakes() == 0) && Instant::now() < patience {
            std::thread::sleep(ms(1));
        }
        let woken: Vec<(usize, usize)> = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.wakes() > 0)
            .map(|(i, c)| (i, c.wakes()))
            .collect();
        // The helper may finish while the last poll is under way, so that poll's waker
        // (the most recent) may be the one woken, or none when that poll saw it done.
        let last_pending = counts.len() - 2;
        let stale = woken.iter().any(|&(poll, _)| poll < last_pending);
        let total: usize = woken.iter().map(|&(_, times)| times).sum();
        assert!(
            !stale && total <= 1,
            "of {} polls (the last one ready), the wakers woken were (poll, times) {woken:?}; \
             only the waker of the most recent poll (poll {last_pending}, or the last) may be \
             woken, once",
            counts.len()
        );
    }

    /// A delay polled with a waker that takes 150 ms to clone, while its helper finishes
    /// in those 150 ms, still wakes that waker (or is ready at that poll): the look at
    /// "done" and the storing of the new waker must be one step, under one lock, or the
    /// waker stored first and "done" read after it. Both at the first poll and at a later
    /// one.
    fn wake_not_lost_while_storing() {
        for later_poll in [false, true] {
            let mut future = Box::pin(delay(ms(30)));
            let (first, woken_first) = counting_waker();
            if later_poll {
                assert!(future.as_mut().poll(&mut Context::from_waker(&first)).is_pending());
            }
            let (slow, woken) = slow_cloning_waker(ms(150));
            if future.as_mut().poll(&mut Context::from_waker(&slow)).is_ready() {
                continue;
            }
            let patience = Instant::now() + ms(2000);
            while woken.wakes() + woken_first.wakes() == 0 && Instant::now() < patience {
                std::thread::sleep(ms(2));
            }
            let which = if later_poll { "a later poll" } else { "the first poll" };
            assert!(
                woken_first.wakes() == 0,
                "delay(30 ms) was polled with waker A, then with waker B, and woke A: wake the \
                 waker of the latest poll"
            );
            assert!(
                woken.wakes() > 0,
                "delay(30 ms) was polled ({which}) with a waker that takes 150 ms to clone, \
                 returned Pending, and was never woken. Either its helper never wakes (see \
                 delay_completes), or it finished between the delay's look at \"done\" and \
                 the storing of the new waker, and that wake was lost: look at \"done\" and \
                 store the waker under one lock (or store the waker first, then look)"
            );
        }
    }

    /// A delay runs to completion on an executor whose waker dawdles 50 ms after waking
    /// it: the helper marks the delay done before it wakes the task, so that the poll the
    /// wake causes finds it done.
    fn done_before_wake() {
        for _ in 0..3 {
            if let Err(stuck) = run_lingering(delay(ms(10))) {
                panic!(
                    "delay(10 ms) never completed on an executor whose waker returns 50 ms after \
                     waking it ({stuck}): the helper woke the task before marking the delay done, \
                     so the poll that followed found it not done, and nothing woke it again. \
                     Mark it done first, then wake"
                );
            }
        }
    }
}
