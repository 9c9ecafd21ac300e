use crate::ms;
use std::sync::Arc;
use std::thread;
use testkit::timing::time;
use testkit::{Hypotheses, Rendezvous, ThreadLog, check};
use threads::tasks::{Task, TaskPanicked, run_all};

fn task<T>(f: impl FnOnce() -> T + Send + 'static) -> Task<T> {
    Box::new(f)
}

fn describe<T: std::fmt::Debug>(results: &[Result<T, TaskPanicked>]) -> String {
    let lines: Vec<String> = results
        .iter()
        .enumerate()
        .map(|(i, r)| match r {
            Ok(v) => format!("{i}: ok {v:?}"),
            Err(e) => format!("{i}: err {e}"),
        })
        .collect();
    lines.join("\n")
}

check! {
    /// Results are in the order the tasks were given, though the tasks finish in reverse.
    fn results_in_given_order() {
        let tasks = (0..5u64)
            .map(|i| {
                task(move || {
                    thread::sleep(ms(50 * (4 - i)));
                    format!("task {i}")
                })
            })
            .collect();
        insta::assert_snapshot!(describe(&run_all(tasks)), @r#"
        0: ok "task 0"
        1: ok "task 1"
        2: ok "task 2"
        3: ok "task 3"
        4: ok "task 4"
        "#);
    }

    /// Eight tasks that wait for each other all get through: they really run at once.
    fn all_start_together() {
        let meet = Arc::new(Rendezvous::new(8));
        let tasks = (0..8)
            .map(|_| {
                let meet = Arc::clone(&meet);
                task(move || meet.arrive())
            })
            .collect();
        let met = run_all(tasks);
        assert!(
            met.iter().all(|r| matches!(r, Ok(true))),
            "the tasks did not all run at the same time: {}",
            meet.explain()
        );
    }

    /// Eight 150 ms sleeps take about as long as one, not eight.
    fn eight_sleeps_overlap() {
        let nap = ms(150);
        let sleeper = move || task(move || thread::sleep(nap));
        let (_, one) = time(|| run_all(vec![sleeper()]));
        let (_, eight) = time(|| run_all((0..8).map(|_| sleeper()).collect()));
        Hypotheses::for_equal_parts(8, one).assert("eight 150 ms sleeps", eight);
    }

    /// A panicking task gives an error at its own position; the others still return.
    fn panic_stays_in_its_task() {
        let staggered = |i: u64| thread::sleep(ms(40 * (4 - i)));
        let tasks: Vec<Task<&str>> = vec![
            task(move || {
                staggered(0);
                "first"
            }),
            task(move || {
                staggered(1);
                panic!("boom")
            }),
            task(move || {
                staggered(2);
                panic!("boom number {}", 2)
            }),
            task(move || {
                staggered(3);
                std::panic::panic_any(42_u8)
            }),
            task(move || "last"),
        ];
        insta::assert_snapshot!(describe(&run_all(tasks)), @r#"
        0: ok "first"
        1: err task 1 panicked: boom
        2: err task 2 panicked: boom number 2
        3: err task 3 panicked: <non-string panic>
        4: ok "last"
        "#);
    }

    /// Every task runs on a thread of its own, never on the caller's.
    fn thread_per_task() {
        let log = Arc::new(ThreadLog::new());
        let tasks = (0..8)
            .map(|_| {
                let log = Arc::clone(&log);
                task(move || log.record())
            })
            .collect();
        run_all(tasks);
        assert!(
            !log.contains(thread::current().id()),
            "a task ran on the thread that called run_all: each task needs its own thread"
        );
        assert_eq!(
            log.distinct(),
            8,
            "8 tasks ran on {} different threads; each task needs a thread of its own",
            log.distinct()
        );
    }
}
