//! Spawns aimed at the moment the only worker goes back to sleep.
//!
//! A worker that looks at the queues and only then counts itself asleep leaves a gap between
//! the two in which a queued task rings for nobody. The gap lasts a few instructions, so a
//! spawn at a random moment seldom lands in it, and more seldom still on a busy machine. Each
//! round's task holds its worker for a while after it has told this thread it runs, so that
//! this thread is ready before the worker heads back to sleep; each round then tells whether
//! its spawn found the worker awake or asleep (the kernel counts each time a thread waited:
//! its voluntary context switches), and moves the next spawn towards the moment between the
//! two, which is where the gap is, whatever the worker's code and however fast the machine.
//! Every other round sweeps the whole way instead, so that nothing rests on that tell alone.

use crate::PATIENCE;
use multi_thread::{JoinHandle, Runtime};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long each task keeps its worker after it has signalled that it runs, in nanoseconds.
const HOLD: u64 = 5_000;
/// How far past the hold the sweeping rounds reach, in nanoseconds.
const REACH: u64 = 10_000;
/// The steps by which the aim moves, in nanoseconds.
const STEP: u64 = 5;

/// Runs rounds on `rt` (one worker) until at least `rounds` of them spawned at their aim
/// and `least` has passed, or until `most` has passed; panics when a spawned task never runs.
pub(crate) fn spawn_at_the_edge(rt: &Runtime, rounds: usize, least: Duration, most: Duration) {
    let race = Race {
        clock: Clock(Instant::now()),
        probe: Arc::new(Probe::default()),
    };
    // Kept: what the handles do when dropped is another check's business.
    let mut handles = Vec::new();
    // When the worker falls asleep, in nanoseconds after the previous task started: a step
    // later after a spawn that found it awake, a step earlier after one that woke it.
    let mut edge = HOLD;
    let started = Instant::now();
    let (mut round, mut aimed) = (0, 0);
    loop {
        let elapsed = started.elapsed();
        if elapsed > most || (aimed >= rounds && elapsed > least) {
            return;
        }
        let (turn, aiming) = (round as u64 / 2, round % 2 == 0);
        let delay = if aiming {
            // Dithered around the edge, so that the gap is crossed from both sides.
            (edge + turn * 37 % 41 * STEP).saturating_sub(20 * STEP)
        } else {
            turn * 7919 % ((HOLD + REACH) / STEP) * STEP
        };
        let aim = race.probe.started.load(Ordering::SeqCst) + delay;
        let on_time = race.clock.now() <= aim;
        while race.clock.now() < aim {
            std::hint::spin_loop();
        }
        let slept = race.run(rt, &mut handles, round);
        round += 1;
        if on_time {
            aimed += 1;
            if aiming {
                edge = if !slept {
                    (edge + STEP).min(HOLD + REACH)
                } else {
                    edge.saturating_sub(STEP)
                };
            }
        }
    }
}

struct Race {
    clock: Clock,
    probe: Arc<Probe>,
}

impl Race {
    /// Spawns a task that holds its worker for [`HOLD`] after it has signalled that it
    /// runs, waits until it has, and says whether the worker slept since the previous task.
    fn run(&self, rt: &Runtime, handles: &mut Vec<JoinHandle<()>>, round: usize) -> bool {
        let (probe, clock) = (Arc::clone(&self.probe), self.clock);
        let before = self.probe.ran.load(Ordering::SeqCst);
        let switches = self.probe.switches.load(Ordering::SeqCst);
        handles.push(rt.spawn(async move {
            // The worker's voluntary context switches: one more each time it waited.
            probe
                .switches
                .store(testkit::wakeups::of_this_thread(), Ordering::SeqCst);
            let started = clock.now();
            probe.started.store(started, Ordering::SeqCst);
            probe.ran.fetch_add(1, Ordering::SeqCst);
            while clock.now() < started + HOLD {
                std::hint::spin_loop();
            }
        }));
        self.probe.wait_past(before, round);
        self.probe.switches.load(Ordering::SeqCst) > switches
    }
}

#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn now(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

#[derive(Default)]
struct Probe {
    ran: AtomicUsize,
    /// When the latest task started, by [`Clock::now`].
    started: AtomicU64,
    /// Its worker's voluntary context switches when it started.
    switches: AtomicU64,
}

impl Probe {
    /// Waits until a task ran after `before` tasks had.
    fn wait_past(&self, before: usize, round: usize) {
        let until = Instant::now() + PATIENCE;
        let mut spins = 0u32;
        while self.ran.load(Ordering::SeqCst) <= before {
            assert!(
                Instant::now() < until,
                "round {round} on one worker: a task spawned just as the worker went back \
                 to waiting was never run (the worker slept through it)"
            );
            // Spinning sees the task run at once; past a few microseconds the worker is
            // not running, and on a busy machine this thread would take its processor.
            spins += 1;
            if spins < 4096 {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }
}
