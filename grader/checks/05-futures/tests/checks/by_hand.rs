use crate::run;
use stackless::by_hand::{Brew, Log, brew_by_hand, grind, heat, pour};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use testkit::check;

/// The `async fn` that `brew_by_hand` replaces, exactly as its documentation shows it.
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

/// What each state of `brew` needs after its `.await`, and nothing more: the size a
/// hand-written state machine can reach, computed by the compiler from the same types.
#[allow(dead_code)]
enum Lean {
    Start {
        log: Log,
        cups: u32,
    },
    Grinding {
        log: Log,
        cups: u32,
        grinding: stackless::by_hand::Ticks<u32>,
    },
    Heating {
        log: Log,
        cups: u32,
        beans: u32,
        heating: stackless::by_hand::Ticks<u32>,
    },
    Pouring {
        log: Log,
        cups: u32,
        total: u32,
        cup: u32,
        pouring: stackless::by_hand::Ticks<()>,
    },
    Done,
}

/// Logs every poll of the future it wraps, and its outcome.
struct Traced<F> {
    log: Log,
    polls: u32,
    inner: Pin<Box<F>>,
}

impl<F: Future<Output = String>> Future for Traced<F> {
    type Output = String;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        self.polls += 1;
        let n = self.polls;
        self.log.borrow_mut().push(format!("-- poll {n}"));
        let result = self.inner.as_mut().poll(cx);
        if let Poll::Ready(out) = &result {
            self.log.borrow_mut().push(format!("-- ready: {out}"));
        }
        result
    }
}

fn trace_of<F: Future<Output = String>>(make: impl FnOnce(Log) -> F) -> Vec<String> {
    let log = Log::default();
    let traced = Traced {
        log: log.clone(),
        polls: 0,
        inner: Box::pin(make(log.clone())),
    };
    run(traced);
    log.take()
}

check! {
    /// The hand-written state machine logs the same lines at the same polls, and returns
    /// the same value, as the `async fn` it replaces.
    fn same_trace_as_async() {
        let by_hand = trace_of(|log| brew_by_hand(log, 2));
        let compiled = trace_of(|log| brew(log, 2));
        assert_eq!(by_hand, compiled, "the traces differ (left: by hand, right: the async fn)");
        insta::assert_snapshot!(by_hand.join("\n"), @r"
        -- poll 1
        grinding
        -- poll 2
        -- poll 3
        ground 30 g
        -- poll 4
        -- poll 5
        -- poll 6
        heated 500 ml
        -- poll 7
        poured cup 1, total 531
        -- poll 8
        poured cup 2, total 533
        -- ready: 2 cups, total 533
        ");
    }

    /// The state machine is no larger than one that keeps, in each state, only what is
    /// still needed after it: the harness's own such enum, laid out by the compiler in the
    /// same build.
    fn no_larger_than_compiler() {
        // Only a state machine that runs counts.
        let (brewed, _) = run(brew_by_hand(Log::default(), 1));
        assert_eq!(brewed, "1 cups, total 266");
        let needed = std::mem::size_of::<Lean>();
        let compiled = std::mem::size_of_val(&brew(Log::default(), 1));
        let by_hand = std::mem::size_of::<Brew>();
        println!(
            "Brew: {by_hand} bytes; the lean state machine: {needed} bytes; the compiler's \
             future: {compiled} bytes"
        );
        assert!(
            by_hand <= needed,
            "Brew is {by_hand} bytes, a state machine that keeps only what each state still \
             needs is {needed} bytes (the compiler's own future is {compiled}): a state carries \
             a value it no longer needs (beans and water are used up once the total is known)"
        );
    }

    /// Driven by an executor that polls only after a wake, the state machine never stalls,
    /// with any number of cups.
    fn never_stalls() {
        for cups in [0, 1, 5] {
            let (by_hand, _) = run(brew_by_hand(Log::default(), cups));
            let (compiled, _) = run(brew(Log::default(), cups));
            assert_eq!(by_hand, compiled, "with {cups} cups");
        }
    }
}
