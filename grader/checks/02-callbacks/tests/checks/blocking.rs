use crate::ms;
use callbacks::EventLoop;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::{self, ThreadId};
use std::time::Instant;
use testkit::procfs::{live_threads, settle_threads};
use testkit::{Rendezvous, ThreadLog, check, cpu, wakeups};

/// Runs the loop of a scenario in which `what` panics: `run` must return that panic as its
/// error, not let it escape.
#[track_caller]
fn run_to_error(el: &mut EventLoop, what: &str) -> Result<(), callbacks::LoopError> {
    match testkit::panics::escaped(|| el.run()) {
        Ok(result) => result,
        Err(said) => panic!(
            "{what} panicked ({said:?}) and the panic escaped from run(): catch it \
             (std::panic::catch_unwind) and return it as the documented error"
        ),
    }
}

check! {
    /// `work` runs on a worker thread; `then` runs back on the thread that runs the loop.
    fn then_on_loop_thread() {
        let mut el = EventLoop::with_workers(1);
        let loop_thread = thread::current().id();
        let then_threads: Rc<RefCell<Vec<ThreadId>>> = Rc::default();
        for i in 0..8 {
            let then_threads = Rc::clone(&then_threads);
            el.spawn_blocking(
                move || (i, thread::current().id()),
                move |_, (_, worker)| {
                    assert_ne!(worker, loop_thread, "work ran on the loop thread, not on a worker");
                    then_threads.borrow_mut().push(thread::current().id());
                },
            );
        }
        assert_eq!(el.run(), Ok(()));
        let then_threads = then_threads.borrow();
        assert_eq!(then_threads.len(), 8, "only {} of 8 `then` callbacks ran", then_threads.len());
        let elsewhere = then_threads.iter().filter(|&&t| t != loop_thread).count();
        assert_eq!(
            elsewhere, 0,
            "{elsewhere} of 8 `then` callbacks ran on a worker thread instead of the loop's thread"
        );
    }

    /// Each `then` gets its own job's value, also when the jobs finish in another order
    /// than they were started: here the second job finishes first, by construction.
    fn then_gets_its_own_value() {
        let mut el = EventLoop::with_workers(2);
        let (release, released) = mpsc::channel::<()>();
        let got: Rc<RefCell<Vec<(&str, &str)>>> = Rc::default();
        let first = Rc::clone(&got);
        // The first job ends only once the second job's `then` has run.
        el.spawn_blocking(
            move || {
                let _ = released.recv_timeout(ms(3000));
                "the first job's value"
            },
            move |_, value| first.borrow_mut().push(("first", value)),
        );
        let second = Rc::clone(&got);
        el.spawn_blocking(
            || "the second job's value",
            move |_, value| {
                second.borrow_mut().push(("second", value));
                let _ = release.send(());
            },
        );
        assert_eq!(el.run(), Ok(()));
        let got = got.borrow();
        assert_eq!(got.len(), 2, "only {} of 2 `then` callbacks ran: {got:?}", got.len());
        if let Some((then, value)) = got.iter().find(|(then, value)| !value.contains(then)) {
            panic!(
                "the {then} job's `then` got {value}: the second job finished first, and its \
                 value must still go to its own `then`. Keep each waiting `then` under its \
                 job's id and look it up with the id the completion carries"
            );
        }
    }

    /// `run` does not return while blocking work is outstanding, even with no timers.
    fn run_waits_for_work() {
        let mut el = EventLoop::with_workers(1);
        let delivered = Rc::new(Cell::new(false));
        let flag = Rc::clone(&delivered);
        el.spawn_blocking(|| thread::sleep(ms(200)), move |_, ()| flag.set(true));
        assert_eq!(el.run(), Ok(()));
        assert!(
            delivered.get(),
            "run() returned before the blocking job's `then` callback ran"
        );
    }

    /// With 2 workers, 12 jobs run on at most 2 threads; with `EventLoop::new()`, on at
    /// most 4.
    fn workers_at_most_size() {
        for (workers, mut el) in [(2, EventLoop::with_workers(2)), (4, EventLoop::new())] {
            let log = Arc::new(ThreadLog::new());
            let finished = Rc::new(Cell::new(0));
            for _ in 0..12 {
                let (log, finished) = (Arc::clone(&log), Rc::clone(&finished));
                el.spawn_blocking(
                    move || {
                        log.record();
                        thread::sleep(ms(2));
                    },
                    move |_, ()| finished.set(finished.get() + 1),
                );
            }
            assert_eq!(el.run(), Ok(()));
            assert_eq!(finished.get(), 12, "only {} of 12 jobs finished", finished.get());
            assert!(
                log.distinct() <= workers,
                "12 jobs ran on {} different threads with {workers} workers: start the \
                 workers once, not a thread per job",
                log.distinct()
            );
        }
    }

    /// With 3 workers, with 16, and with the 4 of `EventLoop::new()`, as many jobs that
    /// wait for each other all get through.
    fn workers_run_together() {
        // `new()` has 4 workers.
        for (workers, made) in [(3, None), (16, None), (4, Some(EventLoop::new()))] {
            let mut el = made.unwrap_or_else(|| EventLoop::with_workers(workers));
            let meet = Arc::new(Rendezvous::new(workers));
            let met = Rc::new(Cell::new(0));
            for _ in 0..workers {
                let (meet, met) = (Arc::clone(&meet), Rc::clone(&met));
                el.spawn_blocking(move || meet.arrive(), move |_, ok| met.set(met.get() + usize::from(ok)));
            }
            assert_eq!(el.run(), Ok(()));
            assert_eq!(
                met.get(),
                workers,
                "{workers} workers did not run {workers} jobs in parallel: {}",
                meet.explain()
            );
        }
    }

    /// A timer fires while blocking work is still running: the loop waits for whichever
    /// comes first, not for the work alone.
    fn timers_fire_during_work() {
        let mut el = EventLoop::with_workers(1);
        let (fired, heard) = mpsc::channel::<()>();
        let timer_was_first = Rc::new(Cell::new(None));
        let answer = Rc::clone(&timer_was_first);
        // The work ends as soon as the timer has fired, or gives up after 2 s.
        el.spawn_blocking(
            move || heard.recv_timeout(ms(2000)).is_ok(),
            move |_, first| answer.set(Some(first)),
        );
        el.set_timeout(ms(20), move |_| {
            let _ = fired.send(());
        });
        assert_eq!(el.run(), Ok(()));
        assert_eq!(
            timer_was_first.get(),
            Some(true),
            "a 20 ms timer did not fire while a blocking job was running (the job waited 2 s \
             for it): while work is outstanding, wait for the next completion or the next \
             deadline, whichever comes first"
        );
    }

    /// A `then` callback may start more blocking work, and schedule timers: `run` waits for
    /// all of it.
    fn then_may_start_more_work() {
        let mut el = EventLoop::with_workers(2);
        let t: Rc<RefCell<Vec<String>>> = Rc::default();
        let t1 = Rc::clone(&t);
        el.spawn_blocking(
            || 1,
            move |el, one| {
                t1.borrow_mut().push(format!("then {one}"));
                let t2 = Rc::clone(&t1);
                el.spawn_blocking(
                    || {
                        thread::sleep(ms(50));
                        2
                    },
                    move |el, two| {
                        t2.borrow_mut().push(format!("then {two}"));
                        let t3 = Rc::clone(&t2);
                        el.set_timeout(ms(30), move |_| t3.borrow_mut().push("timer from then 2".into()));
                    },
                );
            },
        );
        assert_eq!(el.run(), Ok(()));
        assert_eq!(
            *t.borrow(),
            ["then 1", "then 2", "timer from then 2"],
            "run() must not return while work started from a `then`, or a timer set there, is \
             pending"
        );
    }

    /// Dropping the loop lets the workers finish every job they were given (and their
    /// `then` callbacks never run).
    fn drop_finishes_given_jobs() {
        let finished = Arc::new(AtomicUsize::new(0));
        let thens = Rc::new(Cell::new(0));
        {
            let mut el = EventLoop::with_workers(1);
            for _ in 0..4 {
                let (finished, thens) = (Arc::clone(&finished), Rc::clone(&thens));
                el.spawn_blocking(
                    move || {
                        thread::sleep(ms(20));
                        finished.fetch_add(1, Ordering::SeqCst);
                    },
                    move |_, ()| thens.set(thens.get() + 1),
                );
            }
        } // Dropped without running.
        assert_eq!(
            finished.load(Ordering::SeqCst),
            4,
            "when the loop was dropped, its one worker had been given 4 jobs; {} had run when \
             drop returned: drop must let the workers finish their queue, then join them",
            finished.load(Ordering::SeqCst)
        );
        assert_eq!(thens.get(), 0, "a `then` callback ran although the loop was never run");
    }

    /// Dropping the loop ends its worker threads, also while a job is still running.
    fn no_threads_after_drop() {
        let Some(before) = live_threads() else {
            return testkit::record::skip("counting threads needs /proc/self/task (Linux)");
        };
        {
            let mut el = EventLoop::with_workers(3);
            for _ in 0..6 {
                el.spawn_blocking(|| thread::sleep(ms(5)), |_, ()| {});
            }
            assert_eq!(el.run(), Ok(()));
            // Still running when the loop is dropped without being run again.
            el.spawn_blocking(|| thread::sleep(ms(500)), |_, ()| {});
            thread::sleep(ms(50));
        } // The loop is dropped here.
        let after = settle_threads(before, ms(250)).unwrap();
        assert_eq!(
            after,
            before,
            "{} thread(s) were still alive after the loop was dropped: join the workers",
            after.saturating_sub(before)
        );
    }

    /// Waiting for a 250 ms job and a 100 ms timer, the loop sleeps instead of polling, and
    /// wakes up only for them.
    fn waits_without_spinning() {
        let mut el = EventLoop::with_workers(1);
        el.spawn_blocking(|| thread::sleep(ms(250)), |_, ()| {});
        el.set_timeout(ms(100), |_| {});
        let ((result, usage), wakes) = wakeups::count_this_thread(|| cpu::measure(|| el.run()));
        assert_eq!(result, Ok(()));
        usage.assert_waiting("an event loop waiting 0.25 s for a blocking job", 0.5);
        wakes.assert_at_most(
            "an event loop waiting 0.25 s for a blocking job and a timer",
            10,
            "a loop that sleeps until the next deadline or completion",
        );
    }

    /// A panic in blocking work, or in a callback, ends `run` with the documented error.
    fn panics_become_errors() {
        let mut el = EventLoop::with_workers(1);
        let then_ran = Rc::new(Cell::new(false));
        let ran = Rc::clone(&then_ran);
        el.spawn_blocking(|| -> u32 { testkit::panic_on_purpose!("the disk is on fire") }, move |_, _| ran.set(true));
        let from_work = run_to_error(&mut el, "blocking work");
        assert!(!then_ran.get(), "the `then` of a job that panicked ran");
        let mut el = EventLoop::with_workers(1);
        // Formatted at run time: the payload is a `String`, not a `&str`.
        el.spawn_blocking(|| -> u32 { testkit::panic_on_purpose!("disk {} is on fire", std::hint::black_box(2)) }, |_, _| {});
        let from_work_string = run_to_error(&mut el, "blocking work");
        let mut el = EventLoop::with_workers(1);
        let later_ran = Rc::new(Cell::new(false));
        let later = Rc::clone(&later_ran);
        el.set_timeout(ms(1), |_| testkit::panic_on_purpose!("a callback gave up"));
        el.set_timeout(ms(30), move |_| later.set(true));
        let from_callback = run_to_error(&mut el, "a timer's callback");
        assert!(
            !later_ran.get(),
            "after a callback panicked, the loop ran a later timer: it must stop at once and \
             return the error"
        );
        let mut el = EventLoop::with_workers(1);
        el.set_timeout(ms(1), |_| testkit::panic_on_purpose!("callback {} gave up", std::hint::black_box(2)));
        let from_callback_string = run_to_error(&mut el, "a timer's callback");
        let mut el = EventLoop::with_workers(1);
        el.spawn_blocking(|| 7, |_, _| testkit::panic_on_purpose!("then gave up"));
        let from_then = run_to_error(&mut el, "a job's `then` callback");
        let shown = |r: &Result<(), callbacks::LoopError>| match r {
            Ok(()) => "Ok(())".to_owned(),
            Err(e) => format!("{e:?} / {e}"),
        };
        let all = [from_work, from_work_string, from_callback, from_callback_string, from_then];
        insta::assert_snapshot!(all.iter().map(shown).collect::<Vec<_>>().join("\n"), @r#"
        WorkPanicked("the disk is on fire") / blocking work panicked: the disk is on fire
        WorkPanicked("disk 2 is on fire") / blocking work panicked: disk 2 is on fire
        CallbackPanicked("a callback gave up") / a callback panicked: a callback gave up
        CallbackPanicked("callback 2 gave up") / a callback panicked: callback 2 gave up
        CallbackPanicked("then gave up") / a callback panicked: then gave up
        "#);
    }

    /// A job's `then` runs as soon as the job is done, though a timer is due much later:
    /// the loop waits for the next completion or the next deadline, whichever comes first.
    fn then_runs_when_work_ends() {
        let mut el = EventLoop::with_workers(1);
        let timer_at = ms(300);
        let start = Instant::now();
        // When the job ended (measured by the job) and when its `then` ran.
        let seen: Rc<Cell<Option<(Instant, Instant)>>> = Rc::default();
        let record = Rc::clone(&seen);
        el.spawn_blocking(
            || {
                thread::sleep(ms(20));
                Instant::now()
            },
            move |_, ended| record.set(Some((ended, Instant::now()))),
        );
        el.set_timeout(timer_at, |_| {});
        assert_eq!(el.run(), Ok(()));
        let (ended, ran) = seen.get().expect("the job's `then` never ran");
        // On completion, `then` runs right after the job ends; a loop that sleeps until the
        // timer's deadline first runs it at the deadline. Pass below the midpoint.
        let deadline = start + timer_at;
        let bound = ended + deadline.saturating_duration_since(ended) / 2;
        assert!(
            ran < bound,
            "a 20 ms job's `then` ran {:.0} ms after the job ended, with a timer due {:.0} ms \
             after it: on completion it runs at once, after the timer about {:.0} ms later \
             (pass below {:.0} ms). Wait for the next completion or the next deadline, \
             whichever comes first (recv_timeout until the deadline)",
            (ran - ended).as_secs_f64() * 1e3,
            deadline.saturating_duration_since(ended).as_secs_f64() * 1e3,
            deadline.saturating_duration_since(ended).as_secs_f64() * 1e3,
            (bound - ended).as_secs_f64() * 1e3
        );
    }
}
