use crate::{PATIENCE, join_within};
use multi_thread::{Runtime, spawn};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use testkit::{check, cpu, ms, wakeups};

/// Spins the processor for about `work`, measured in this thread's CPU time, so that a
/// busy machine stretches it in wall time but not in the amount of work.
fn burn(work: Duration) {
    let until = testkit::cpu::thread_cpu_time() + work;
    while testkit::cpu::thread_cpu_time() < until {
        std::hint::spin_loop();
    }
}

/// Wall time for `tasks` tasks of `work` CPU time each, all spawned at once, on a runtime
/// of `workers` workers.
fn run_batch(workers: usize, tasks: usize, work: Duration) -> Duration {
    let rt = Runtime::new(workers).unwrap();
    // Started workers first: thread start-up is not what is compared.
    rt.block_on(async {});
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| rt.spawn(async move { burn(work) }))
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    started.elapsed()
}

/// Wall time for the same work as [`run_batch`], split between `threads` plain threads.
fn on_threads(threads: usize, tasks: usize, work: Duration) -> Duration {
    let started = Instant::now();
    thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || (t..tasks).step_by(threads).for_each(|_| burn(work)));
        }
    });
    started.elapsed()
}

check! {
    /// A worker blocked in a long poll does not hold back the tasks queued behind it:
    /// another worker takes them.
    fn blocked_worker_does_not_stall() {
        const TASKS: usize = 20;
        let rt = Runtime::new(2).unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let (release, released) = mpsc::channel::<()>();
        let blocker = {
            let done = Arc::clone(&done);
            rt.spawn(async move {
                // Spawned from a worker: on that worker's side of the runtime, if it has one.
                for _ in 0..TASKS {
                    let done = Arc::clone(&done);
                    drop(spawn(async move {
                        done.fetch_add(1, Ordering::SeqCst);
                    }));
                }
                // Blocks this worker's thread, as a long computation or a blocking call would.
                let _ = released.recv_timeout(crate::PATIENCE);
            })
        };
        let until = Instant::now() + PATIENCE;
        while done.load(Ordering::SeqCst) < TASKS && Instant::now() < until {
            thread::sleep(ms(1));
        }
        let finished = done.load(Ordering::SeqCst);
        let _ = release.send(());
        assert_eq!(
            finished,
            TASKS,
            "a task blocked its worker after spawning {TASKS} tasks; with another worker idle, \
             only {finished} of them ran in {} s: an idle worker must take (steal) tasks \
             queued on a busy one, and must be woken to do so",
            PATIENCE.as_secs()
        );
        assert_eq!(join_within(blocker, PATIENCE), Some(Ok(())));
    }

    /// Idle workers sleep: no CPU, and no wake-ups while there is nothing to do.
    fn idle_workers_sleep() {
        const WORKERS: usize = 4;
        let rt = Runtime::new(WORKERS).unwrap();
        // Every worker has run something and gone back to waiting.
        let handles: Vec<_> = (0..WORKERS * 4).map(|i| rt.spawn(async move { i })).collect();
        for handle in handles {
            handle.join().unwrap();
        }
        thread::sleep(ms(50));
        let ((), usage) = cpu::measure(|| thread::sleep(ms(300)));
        usage.assert_waiting(&format!("a runtime of {WORKERS} idle workers"), 0.5);
        let ((), wakes) = wakeups::count_the_process(|| thread::sleep(ms(300)));
        wakes.assert_at_most(
            &format!("a runtime of {WORKERS} idle workers, for 0.3 s"),
            8,
            "workers that block until a task is queued",
        );
        drop(rt);
    }

    /// Two workers finish CPU-bound tasks faster than one, measured in the same run: the
    /// workers poll tasks at the same time, not one after another.
    fn two_workers_faster() {
        const TASKS: usize = 8;
        let work = ms(6);
        // The same work on one and on two plain threads, measured between the runtime's
        // rounds, says how much faster two threads can be on this machine right now.
        let (mut one, mut two, mut alone, mut pair) = (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
        // Rounds until two workers have been seen gaining what two plain threads gain, for
        // up to 3 s: a busy machine slows a round, never speeds one up, so the best of each
        // kind is kept, and a quiet enough moment comes sooner or later. Workers that take
        // turns can never get under the bound however long this runs: their wall time is at
        // least the tasks' CPU time added up.
        let started = Instant::now();
        loop {
            one = one.min(run_batch(1, TASKS, work));
            alone = alone.min(on_threads(1, TASKS, work));
            two = two.min(run_batch(2, TASKS, work));
            pair = pair.min(on_threads(2, TASKS, work));
            let speedup = pair.as_secs_f64() / alone.as_secs_f64();
            let decided = speedup < 0.8 && two < one.mul_f64((1.0 + speedup) / 2.0);
            if decided || started.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        let speedup = pair.as_secs_f64() / alone.as_secs_f64();
        if speedup >= 0.8 {
            return testkit::record::skip(&format!(
                "this machine did not run two threads at once during the check (two plain \
                 threads took {:.0} % of one thread's time for the same work), so two workers \
                 cannot be compared with one",
                speedup * 100.0
            ));
        }
        // Polling at the same time, two workers take what two threads take (`speedup` of one
        // worker's time); one after another, all of it. Pass below the midpoint.
        let bound = one.mul_f64((1.0 + speedup) / 2.0);
        assert!(
            two < bound,
            "{TASKS} tasks of {} ms of CPU each took {:.1} ms on 1 worker and {:.1} ms on 2 \
             (pass below {:.1} ms, the midpoint between 1 worker's time and the {:.0} % of it \
             that two plain threads need here): the workers do not poll at the same time. Is \
             a lock held while a task is polled?",
            work.as_millis(),
            one.as_secs_f64() * 1e3,
            two.as_secs_f64() * 1e3,
            bound.as_secs_f64() * 1e3,
            speedup * 100.0
        );
    }
}
