use crate::ms;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use testkit::procfs::{live_threads, settle_threads};
use testkit::{Rendezvous, ThreadLog, check, cpu, spawns, wakeups};
use threads::pool::ThreadPool;

/// Receives `n` values, giving up when none arrives for three seconds (longer than a
/// rendezvous waits, so a failed rendezvous is reported as such).
fn collect<T>(rx: &Receiver<T>, n: usize) -> Result<Vec<T>, Vec<T>> {
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match rx.recv_timeout(ms(3000)) {
            Ok(value) => got.push(value),
            Err(_) => return Err(got),
        }
    }
    Ok(got)
}

/// How long a pool's drop may take: far longer than any check's pool needs to finish its
/// jobs (well under a second), and short enough to fail before the check's time limit.
const DROP_PATIENCE_MS: u64 = 5000;

/// Drops `pool`. A drop that does not return is its own bug, named as such, with where
/// the pool's threads were stuck, rather than a time limit on the whole check.
#[track_caller]
fn drop_in_time(pool: ThreadPool) {
    let (done_tx, done) = mpsc::channel();
    let dropping = thread::spawn(move || {
        drop(pool);
        let _ = done_tx.send(());
    });
    match done.recv_timeout(ms(DROP_PATIENCE_MS)) {
        // A drop that panicked fails the check with its own panic.
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = dropping.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            testkit::stuck::show_where();
            testkit::fail_because!(
                "drop-hangs",
                "dropping the pool did not return within {} s: its workers never stopped",
                DROP_PATIENCE_MS / 1000
            )
        }
    }
}

check! {
    /// A pool of zero workers could never run a job: `new(0)` panics.
    fn size_zero_is_refused() {
        let panicked = testkit::panics::panic_message(|| ThreadPool::new(0));
        assert!(
            panicked.is_some(),
            "ThreadPool::new(0) returned a pool without workers; it must panic instead, as \
             its documentation says"
        );
    }

    /// All 100 jobs run on a pool of 4.
    fn runs_every_job() {
        let pool = ThreadPool::new(4);
        assert_eq!(pool.size(), 4, "size() must report the number of workers");
        let (tx, rx) = mpsc::channel();
        for i in 0..100 {
            let tx = tx.clone();
            pool.execute(move || tx.send(i).unwrap());
        }
        let mut done = collect(&rx, 100).unwrap_or_else(|got| {
            panic!("only {} of 100 jobs ran (none more for 3 s)", got.len())
        });
        done.sort_unstable();
        assert!(done.iter().copied().eq(0..100), "some jobs ran twice: {done:?}");
        drop_in_time(pool);
    }

    /// Jobs only ever run on the pool's own workers: at most `size` threads.
    fn workers_at_most_size() {
        let (pool, started) = spawns::count(|| ThreadPool::new(3));
        assert_eq!(started, 3, "ThreadPool::new(3) started {started} threads; it starts exactly 3 workers");
        let log = Arc::new(ThreadLog::new());
        let (tx, rx) = mpsc::channel();
        let ((), more) = spawns::count(|| {
            for _ in 0..50 {
                let (log, tx) = (Arc::clone(&log), tx.clone());
                pool.execute(move || {
                    log.record();
                    thread::sleep(ms(1));
                    tx.send(()).unwrap();
                });
            }
            if let Err(got) = collect(&rx, 50) {
                panic!("only {} of 50 jobs ran (none more for 3 s)", got.len());
            }
        });
        assert_eq!(more, 0, "running 50 jobs started {more} more threads; a pool's workers are started once, by new()");
        assert!(
            log.distinct() <= 3,
            "50 jobs ran on {} different threads, but a pool of 3 has 3 workers started \
             once by new(): a thread per job is not a pool",
            log.distinct()
        );
        drop_in_time(pool);
    }

    /// Pools of 4 and of 24 run as many jobs that wait for each other: all workers run in
    /// parallel, however many there are.
    fn workers_run_together() {
        for size in [4, 24] {
            let pool = ThreadPool::new(size);
            assert_eq!(pool.size(), size, "size() must report the number of workers");
            let meet = Arc::new(Rendezvous::new(size));
            let (tx, rx) = mpsc::channel();
            for _ in 0..size {
                let (meet, tx) = (Arc::clone(&meet), tx.clone());
                pool.execute(move || tx.send(meet.arrive()).unwrap());
            }
            let met = collect(&rx, size).unwrap_or_else(|got| {
                panic!("only {} of {size} jobs ran (none more for 3 s)", got.len())
            });
            assert!(
                met.iter().all(|&m| m),
                "the {size} workers of a pool of {size} did not run {size} jobs in parallel: {}",
                meet.explain()
            );
            drop_in_time(pool);
        }
    }

    /// `execute` returns at once, also while every worker is busy: it only queues the job.
    fn execute_returns_at_once() {
        let pool = Arc::new(ThreadPool::new(1));
        let (release, released) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel();
        pool.execute(move || {
            started_tx.send(()).unwrap();
            let _ = released.recv_timeout(ms(3000));
        });
        started.recv_timeout(ms(2000)).expect("the first job never started");
        let (returned_tx, returned) = mpsc::channel();
        let submitter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                for _ in 0..3 {
                    pool.execute(|| {});
                }
                let _ = returned_tx.send(());
            })
        };
        let at_once = returned.recv_timeout(ms(1000)).is_ok();
        let _ = release.send(());
        submitter.join().unwrap();
        assert!(
            at_once,
            "execute did not return while the only worker was busy: it must queue the job \
             (an unbounded channel) and return, not wait for a worker to take it"
        );
        drop_in_time(Arc::into_inner(pool).expect("the submitter has ended"));
    }

    /// After jobs panic, a pool of 1 still runs the jobs that follow.
    fn survives_panicking_job() {
        let pool = ThreadPool::new(1);
        for _ in 0..3 {
            pool.execute(|| testkit::panic_on_purpose!("this job fails on purpose"));
        }
        let (tx, rx) = mpsc::channel();
        for i in 0..10 {
            let tx = tx.clone();
            pool.execute(move || tx.send(i).unwrap());
        }
        if let Err(got) = collect(&rx, 10) {
            panic!(
                "after jobs panicked, only {} of the 10 jobs queued behind them ran: the \
                 panic seems to have ended the worker (std::panic::catch_unwind keeps it alive)",
                got.len()
            );
        }
        drop_in_time(pool);
    }

    /// Dropping the pool finishes every queued job before `drop` returns.
    fn drop_finishes_queue() {
        let pool = ThreadPool::new(2);
        let finished = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let finished = Arc::clone(&finished);
            pool.execute(move || {
                thread::sleep(ms(5));
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        drop_in_time(pool);
        let finished = finished.load(Ordering::SeqCst);
        assert_eq!(
            finished, 20,
            "when drop returned, {finished} of 20 queued jobs had run: drop must let the \
             workers empty the queue and join them"
        );
    }

    /// No worker thread is left alive once `drop` has returned.
    fn no_threads_after_drop() {
        let Some(before) = live_threads() else {
            return testkit::record::skip("counting threads needs /proc/self/task (Linux)");
        };
        let pool = ThreadPool::new(4);
        // Still running when a drop that forgets to join returns, and long after.
        pool.execute(|| thread::sleep(ms(600)));
        pool.execute(|| {});
        drop_in_time(pool);
        let after = settle_threads(before, ms(250)).unwrap();
        assert_eq!(
            after,
            before,
            "{} thread(s) were still alive after the pool was dropped: drop must join \
             every worker",
            after.saturating_sub(before)
        );
    }

    /// Idle workers block on the queue instead of polling it: they use no CPU and do not
    /// wake up while there is nothing to do.
    fn idle_workers_sleep() {
        let pool = ThreadPool::new(4);
        let (tx, rx) = mpsc::channel();
        pool.execute(move || tx.send(()).unwrap());
        rx.recv_timeout(ms(2000)).expect("a first job never ran");
        // Let the worker that ran the job go back to waiting.
        thread::sleep(ms(20));
        let (((), usage), wakes) =
            wakeups::count_the_process(|| cpu::measure(|| thread::sleep(ms(300))));
        usage.assert_waiting("a pool of 4 idle workers over 0.3 s", 0.5);
        wakes.assert_at_most(
            "a pool of 4 idle workers over 0.3 s",
            10,
            "a pool whose workers block on the queue (the measuring thread's own sleep counts too)",
        );
        drop_in_time(pool);
    }
}
