//! Exercise 5's workloads, run on whichever implementation this program was built with.

use benchkit::futures::{block_on, poll_to_end, yield_once};
use benchkit::trace::traced;
use benchkit::{Measure, Scenario, Workload, measure::timed};
use stackless::by_hand::{Log, brew_by_hand, grind, heat, pour};
use stackless::combinators::join_all;
use stackless::leaf::{count_down, delay};
use std::time::Duration;

/// Children of one `join_all`, the same as the peers' workload.
const CHILDREN: u64 = 1_000;

fn main() -> std::process::ExitCode {
    benchkit::main(
        &[
            Workload {
                name: "brew",
                peer: None,
                what: "brew_by_hand(log, 3) polled to its end",
                measure: Measure::PerOp(brew_by_hand_to_end),
            },
            Workload {
                name: "brew",
                peer: Some("the compiler's async fn"),
                what: "the same brew as an async fn, over the same leaf futures",
                measure: Measure::PerOp(brew_async),
            },
            Workload {
                name: "brew_size",
                peer: None,
                what: "the size of the brew's state machine",
                measure: Measure::Bytes(brew_size),
            },
            Workload {
                name: "brew_size",
                peer: Some("the compiler's async fn"),
                what: "the size of the compiler's state machine for the same brew",
                measure: Measure::Bytes(brew_async_size),
            },
            Workload {
                name: "join_all",
                peer: None,
                what: "one child of 1,000 joined, each waking once before it is ready",
                measure: Measure::PerOp(join_children),
            },
        ],
        &[Scenario {
            name: "join_all",
            what: "join_all of a 10 ms delay, a 20 ms delay and a count-down of 3: a correct join polls a child only after that child's wake",
            run: joined,
        }],
    )
}

/// `brew_by_hand`'s documented `async fn`, as the compiler makes it.
async fn brew(log: Log, cups: u32) -> String {
    log.borrow_mut().push("grinding".to_string());
    let beans = grind(cups).await;
    log.borrow_mut().push(format!("ground {beans} g"));
    let water = heat(cups * 250).await;
    log.borrow_mut().push(format!("heated {water} ml"));
    let mut total = beans + water;
    for cup in 1..=cups {
        pour().await;
        total += cup;
        log.borrow_mut()
            .push(format!("poured cup {cup}, total {total}"));
    }
    format!("{cups} cups, total {total}")
}

fn brew_by_hand_to_end(n: u64) -> Duration {
    timed(|| {
        for _ in 0..n {
            let log = Log::default();
            std::hint::black_box(poll_to_end(brew_by_hand(log, 3)));
        }
    })
}

fn brew_async(n: u64) -> Duration {
    timed(|| {
        for _ in 0..n {
            let log = Log::default();
            std::hint::black_box(poll_to_end(brew(log, 3)));
        }
    })
}

fn brew_size() -> usize {
    size_of_val(&brew_by_hand(Log::default(), 3))
}

fn brew_async_size() -> usize {
    size_of_val(&brew(Log::default(), 3))
}

fn join_children(n: u64) -> Duration {
    let calls = n.div_ceil(CHILDREN);
    let took = timed(|| {
        for _ in 0..calls {
            let children = (0..CHILDREN).map(|_| yield_once()).collect();
            poll_to_end(join_all(children));
        }
    });
    Duration::from_secs_f64(took.as_secs_f64() * n as f64 / (calls * CHILDREN) as f64)
}

fn joined() {
    use std::future::Future;
    use std::pin::Pin;
    let children: Vec<Pin<Box<dyn Future<Output = ()>>>> = vec![
        Box::pin(traced("delay 10 ms", delay(Duration::from_millis(10)))),
        Box::pin(traced("delay 20 ms", delay(Duration::from_millis(20)))),
        Box::pin(traced("count_down(3)", count_down(3))),
    ];
    block_on(join_all(children));
}
