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
                // Long enough for the other worker to have gone to sleep: it must be rung.
                thread::sleep(ms(100));
                // Spawned from a worker: on that worker's side of the runtime, if it has one.
                for _ in 0..TASKS {
                    let done = Arc::clone(&done);
                    drop(spawn(async move {
                        done.fetch_add(1, Ordering::SeqCst);
                    }));
                }
                // Blocks this worker's thread, as a long computation or a blocking call would,
                // for longer than the check waits.
                let _ = released.recv_timeout(crate::PATIENCE * 3);
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

    /// Idle workers sleep, and so does a thread in `block_on` while its future waits: no
    /// CPU, and no wake-ups while there is nothing to do.
    fn idle_workers_sleep() {
        const WORKERS: usize = 4;
        let rt = Runtime::new(WORKERS).unwrap();
        // Every worker has run something and gone back to waiting.
        let handles: Vec<_> = (0..WORKERS * 4).map(|i| rt.spawn(async move { i })).collect();
        for handle in handles {
            handle.join().unwrap();
        }
        thread::sleep(ms(50));
        // block_on waits too, for a sleep on the runtime's reactor.
        let ((), usage) = cpu::measure(|| rt.block_on(multi_thread::sleep(ms(300))));
        usage.assert_waiting(
            &format!("a runtime of {WORKERS} idle workers, and block_on waiting 0.3 s for a sleep"),
            0.5,
        );
        let ((), wakes) = wakeups::count_the_process(|| rt.block_on(multi_thread::sleep(ms(300))));
        wakes.assert_at_most(
            &format!("a runtime of {WORKERS} idle workers, for 0.3 s"),
            8,
            "workers that block until a task is queued",
        );
        drop(rt);
    }

    /// Two workers finish CPU-bound tasks faster than one: the workers poll tasks at the
    /// same time, not one after another.
    fn two_workers_faster() {
        const TASKS: usize = 8;
        let work = ms(6);
        // The work is measured in CPU time, so its wall time has a floor whatever the
        // machine does: polled one after another, the tasks take at least all their work,
        // never less; polled two at a time, about half. Workers that take turns can never
        // come in under that floor, so the bound sits just below it, and a busy machine
        // leaves a correct runtime the whole gap between half and 90 % to get through.
        let all = work * TASKS as u32;
        let bound = all.mul_f64(0.9);
        // A busy machine stretches a round, never shortens one: keep the best round of the
        // runtime, and, to tell a busy machine from workers that take turns, count the
        // rounds in which two plain threads doing the same work got under the bound, for up
        // to 6 s.
        let (mut two, mut threads_under) = (Duration::MAX, 0);
        let started = Instant::now();
        while two >= bound && threads_under < 4 && started.elapsed() < Duration::from_secs(6) {
            two = two.min(run_batch(2, TASKS, work));
            if two >= bound && on_threads(2, TASKS, work) < bound {
                threads_under += 1;
            }
        }
        if two < bound {
            return;
        }
        // Plain threads that got under the bound once or twice while the runtime never
        // did in 6 s say the machine was too busy to tell, not that the workers take turns.
        if threads_under < 3 {
            return testkit::record::skip_on_this_machine(&format!(
                "seldom ran two threads at once during the check (two plain \
                 threads doing the same work beat the bound {threads_under} times in 6 s), so \
                 two workers cannot be judged"
            ));
        }
        let one = run_batch(1, TASKS, work);
        panic!(
            "{TASKS} tasks of {} ms of CPU each took at best {:.1} ms on 2 workers ({:.1} ms on \
             1); polled two at a time they take about {:.1} ms, one after another at least \
             {:.1} ms (pass below {:.1} ms), and two plain threads doing the same work got \
             under that {threads_under} times meanwhile: the workers do not poll at the same \
             time. Is a lock held while a task is polled?",
            work.as_millis(),
            two.as_secs_f64() * 1e3,
            one.as_secs_f64() * 1e3,
            all.as_secs_f64() * 1e3 / 2.0,
            all.as_secs_f64() * 1e3,
            bound.as_secs_f64() * 1e3
        );
    }
}
