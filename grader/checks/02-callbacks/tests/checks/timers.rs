use crate::{log, ms, trace};
use callbacks::EventLoop;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use testkit::schedule::{Plan, timed};
use testkit::{attempts, check, cpu, wakeups};

/// Fails with a precise message when timers were lost rather than reordered.
fn assert_all_ran(trace: &testkit::Trace, expected: usize) {
    let ran = trace.events().len();
    assert_eq!(
        ran, expected,
        "only {ran} of the {expected} timers ran: no timer may be lost, neither one that shares \
         its deadline with another (key them by deadline and a sequence number) nor one that a \
         callback schedules while it runs (it goes into the loop's own timers)"
    );
}

/// One run of `script_order`'s script, with deadlines `unit` apart: its trace, or why the
/// machine held the run up too long for its order to be judged.
fn script_run(unit: Duration) -> Result<Rc<testkit::Trace>, String> {
    let t = trace();
    let mut el = EventLoop::with_workers(1);
    let plan = Rc::new(RefCell::new(Plan::new()));
    let start = plan.borrow().start();
    let (_, set) = timed(|| el.set_timeout(unit, log(&t, "B  (1 unit)")));
    plan.borrow_mut().relative("B", unit, set, unit);
    let (tc, plan_c) = (Rc::clone(&t), Rc::clone(&plan));
    let (_, set) = timed(|| {
        el.set_timeout(unit * 2, move |el| {
            tc.push("C  (2 units), schedules a zero delay");
            let zero = log(&tc, "C0 (zero delay, from inside C)");
            let (_, set) = timed(|| el.set_timeout(Duration::ZERO, zero));
            // Planned with C: due as C runs, so a loop held up before C makes it late.
            plan_c
                .borrow_mut()
                .relative("C0", unit * 2, set, Duration::ZERO);
        })
    });
    plan.borrow_mut().relative("C", unit * 2, set, unit * 2);
    let ta = Rc::clone(&t);
    // A1 and A2 are left out of the plan: set from inside A at fixed instants, they follow
    // A, and come before the ties, whenever A runs.
    let (_, set) = timed(|| {
        el.set_timeout(unit * 3, move |el| {
            ta.push("A  (3 units), schedules two more");
            el.set_timeout_at(start + unit * 4, log(&ta, "A2 (4 units, from inside A)"));
            el.set_timeout_at(start + unit * 3, log(&ta, "A1 (3 units, already due)"));
        })
    });
    plan.borrow_mut().relative("A", unit * 3, set, unit * 3);
    for name in [
        "T1 (5 units, tie)",
        "T2 (5 units, tie)",
        "T3 (5 units, tie)",
    ] {
        let at = plan.borrow_mut().exact(&name[..2], unit * 5);
        el.set_timeout_at(at, log(&t, name));
    }
    let (_, set) =
        timed(|| el.set_timeout(Duration::ZERO, log(&t, "Z  (zero delay, scheduled last)")));
    plan.borrow_mut()
        .relative("Z", Duration::ZERO, set, Duration::ZERO);
    assert_eq!(el.run(), Ok(()));
    let disturbance = plan.borrow().disturbance();
    disturbance.map_or(Ok(t), Err)
}

check! {
    /// A fixed script of timeouts, some scheduled from inside callbacks, runs in deadline
    /// order; timers with the same deadline run in the order they were scheduled.
    fn script_order() {
        let Some(t) = attempts::undisturbed_or_skip("the order of timers 40 ms apart", || {
            script_run(ms(40))
        }) else {
            return;
        };
        assert_all_ran(&t, 10);
        insta::assert_snapshot!(t.lines(), @r"
        Z  (zero delay, scheduled last)
        B  (1 unit)
        C  (2 units), schedules a zero delay
        C0 (zero delay, from inside C)
        A  (3 units), schedules two more
        A1 (3 units, already due)
        A2 (4 units, from inside A)
        T1 (5 units, tie)
        T2 (5 units, tie)
        T3 (5 units, tie)
        ");
    }

    /// Timers sharing a deadline run in the order they were scheduled, whatever else is
    /// scheduled between them.
    fn ties_in_scheduling_order() {
        let t = trace();
        let mut el = EventLoop::with_workers(1);
        let first = Instant::now() + ms(30);
        let second = first + ms(30);
        let names = ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "a5", "b5"];
        for (i, name) in names.into_iter().enumerate() {
            let when = if i % 2 == 0 { first } else { second };
            el.set_timeout_at(when, log(&t, name));
        }
        assert_eq!(el.run(), Ok(()));
        assert_all_ran(&t, 10);
        insta::assert_snapshot!(t.events().join(" "), @"a1 a2 a3 a4 a5 b1 b2 b3 b4 b5");
    }

    /// No callback runs before its deadline, measured for every callback, down to timeouts
    /// shorter than a millisecond.
    fn never_early() {
        let mut el = EventLoop::with_workers(1);
        let early: Rc<RefCell<Vec<String>>> = Rc::default();
        let short = [300, 800, 1500].map(std::time::Duration::from_micros);
        for delay in (0..=60).step_by(5).map(ms).chain(short) {
            let early = Rc::clone(&early);
            let scheduled = Instant::now();
            el.set_timeout(delay, move |_| {
                let waited = scheduled.elapsed();
                if waited < delay {
                    early.borrow_mut().push(format!(
                        "a {:.1} ms timeout ran after {:.3} ms",
                        delay.as_secs_f64() * 1000.0,
                        waited.as_secs_f64() * 1000.0
                    ));
                }
            });
        }
        let deadline = Instant::now() + ms(33);
        let early_at = Rc::clone(&early);
        el.set_timeout_at(deadline, move |_| {
            let now = Instant::now();
            if now < deadline {
                early_at.borrow_mut().push(format!(
                    "a timer set for an instant ran {:.3} ms before it",
                    (deadline - now).as_secs_f64() * 1000.0
                ));
            }
        });
        assert_eq!(el.run(), Ok(()));
        let early = early.borrow();
        assert!(
            early.is_empty(),
            "{} callbacks ran before their deadline: {}",
            early.len(),
            early.join("; ")
        );
    }

    /// While the only timer is 250 ms away, the loop sleeps instead of spinning, and does
    /// not wake up before the deadline.
    fn sleeps_while_waiting() {
        let mut el = EventLoop::with_workers(1);
        el.set_timeout(ms(250), |_| {});
        let ((result, usage), wakes) = wakeups::count_this_thread(|| cpu::measure(|| el.run()));
        assert_eq!(result, Ok(()));
        usage.assert_waiting("an event loop waiting 0.25 s for its only timer", 0.5);
        wakes.assert_at_most(
            "an event loop waiting 0.25 s for its only timer",
            10,
            "a loop that sleeps until the deadline",
        );
    }

    /// Timers that are all due when the loop looks run in deadline order, however they
    /// were scheduled, and ties in the order they were scheduled.
    fn close_deadlines_in_order() {
        let t = trace();
        let mut el = EventLoop::with_workers(1);
        let start = Instant::now();
        // Deadlines a millisecond apart, scheduled out of order; two pairs share one.
        let script: [(u64, &'static str); 10] = [
            (7, "g"), (2, "b"), (9, "i1"), (4, "d"), (1, "a"),
            (9, "i2"), (6, "f"), (3, "c1"), (3, "c2"), (5, "e"),
        ];
        for (at, name) in script {
            el.set_timeout_at(start + ms(at), log(&t, name));
        }
        // Every deadline has passed when the loop first looks.
        std::thread::sleep(ms(30));
        assert_eq!(el.run(), Ok(()));
        assert_all_ran(&t, 10);
        insta::assert_snapshot!(t.events().join(" "), @"a b c1 c2 d e f g i1 i2");
    }

    /// A loop without workers could never finish blocking work: `with_workers(0)` panics.
    fn zero_workers_refused() {
        let panicked = testkit::panics::panic_message(|| EventLoop::with_workers(0));
        assert!(
            panicked.is_some(),
            "EventLoop::with_workers(0) returned a loop; it must panic instead, as its \
             documentation says"
        );
    }
}
