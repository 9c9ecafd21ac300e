use crate::ms;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use testkit::timing::time;
use testkit::{Hypotheses, Rendezvous, ThreadLog, check, spawns};
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
    /// Results are in the order the tasks were given, though each task finishes only after
    /// the one given after it: the tasks finish in reverse, whatever the machine's load.
    fn results_in_given_order() {
        assert!(run_all(Vec::<Task<u8>>::new()).is_empty(), "no tasks must give no results");
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..5).map(|_| mpsc::channel::<()>()).unzip();
        let mut receivers: Vec<Option<Receiver<()>>> = receivers.into_iter().map(Some).collect();
        let mut senders: Vec<Option<Sender<()>>> = senders.into_iter().map(Some).collect();
        let tasks = (0..5usize)
            .map(|i| {
                // Task i waits for task i + 1 to end; the last one waits for nobody.
                let after = (i < 4).then(|| receivers[i + 1].take().unwrap());
                let done = senders[i].take();
                task(move || {
                    if let Some(after) = after {
                        let _ = after.recv_timeout(ms(1000));
                        // Time for the later task's result to be handed over first.
                        thread::sleep(ms(20));
                    }
                    drop(done);
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

    /// Forty tasks that wait for each other all get through: they really run at once, with
    /// no cap on how many threads run together.
    fn all_start_together() {
        let meet = Arc::new(Rendezvous::new(40));
        let tasks = (0..40)
            .map(|_| {
                let meet = Arc::clone(&meet);
                task(move || meet.arrive())
            })
            .collect();
        let met = run_all(tasks);
        assert!(
            met.iter().all(|r| matches!(r, Ok(true))),
            "40 tasks did not all run at the same time: {}",
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
                testkit::panic_on_purpose!("boom")
            }),
            task(move || {
                staggered(2);
                // A `String` payload by construction: a format string whose arguments the
                // compiler can fold may become a `&'static str`.
                testkit::panics::panic_any_on_purpose(format!("boom number {}", std::hint::black_box(2)))
            }),
            task(move || {
                staggered(3);
                testkit::panics::panic_any_on_purpose(42_u8)
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
        let (_, started) = spawns::count(|| run_all(tasks));
        assert_eq!(started, 8, "8 tasks started {started} threads; each task needs exactly one");
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
