use crate::ms;
use callbacks::EventLoop;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::thread::{self, ThreadId};
use testkit::procfs::{live_threads, settle_threads};
use testkit::{Rendezvous, ThreadLog, check, cpu};

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

    /// With 2 workers, 12 jobs run on at most 2 threads.
    fn workers_at_most_size() {
        let mut el = EventLoop::with_workers(2);
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
            log.distinct() <= 2,
            "12 jobs ran on {} different threads with 2 workers: start the workers once, \
             not a thread per job",
            log.distinct()
        );
    }

    /// With 3 workers, 3 jobs that wait for each other all get through.
    fn workers_run_together() {
        let mut el = EventLoop::with_workers(3);
        let meet = Arc::new(Rendezvous::new(3));
        let met = Rc::new(Cell::new(0));
        for _ in 0..3 {
            let (meet, met) = (Arc::clone(&meet), Rc::clone(&met));
            el.spawn_blocking(move || meet.arrive(), move |_, ok| met.set(met.get() + usize::from(ok)));
        }
        assert_eq!(el.run(), Ok(()));
        assert_eq!(met.get(), 3, "the workers did not run the jobs in parallel: {}", meet.explain());
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

    /// Waiting for a 250 ms job and a 100 ms timer, the loop sleeps instead of polling.
    fn waits_without_spinning() {
        let mut el = EventLoop::with_workers(1);
        el.spawn_blocking(|| thread::sleep(ms(250)), |_, ()| {});
        el.set_timeout(ms(100), |_| {});
        let (result, usage) = cpu::measure(|| el.run());
        assert_eq!(result, Ok(()));
        usage.assert_waiting("an event loop waiting 0.25 s for a blocking job", 0.25);
    }

    /// A panic in blocking work, or in a callback, ends `run` with the documented error.
    fn panics_become_errors() {
        let mut el = EventLoop::with_workers(1);
        el.spawn_blocking(|| -> u32 { panic!("the disk is on fire") }, |_, _| {});
        let from_work = el.run();
        let mut el = EventLoop::with_workers(1);
        el.set_timeout(ms(1), |_| panic!("a callback gave up"));
        let from_callback = el.run();
        let mut el = EventLoop::with_workers(1);
        el.spawn_blocking(|| 7, |_, _| panic!("then gave up"));
        let from_then = el.run();
        insta::assert_snapshot!(format!("{from_work:?}\n{from_callback:?}\n{from_then:?}"), @r#"
        Err(WorkPanicked("the disk is on fire"))
        Err(CallbackPanicked("a callback gave up"))
        Err(CallbackPanicked("then gave up"))
        "#);
    }
}
