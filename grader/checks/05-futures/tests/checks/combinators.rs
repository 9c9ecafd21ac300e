use crate::gate::Counters;
use crate::{ms, run, run_lingering};
use stackless::combinators::{Either, join, join_all, select};
use stackless::leaf::count_down;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::task::{Context, Poll};
use testkit::executor::counting_waker;
use testkit::{Trace, check};

/// Logs `name` each time the wrapped future is polled.
struct Logged<F> {
    name: &'static str,
    trace: Rc<Trace>,
    inner: F,
}

impl<F: Future + Unpin> Future for Logged<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.trace.push(self.name);
        Pin::new(&mut self.inner).poll(cx)
    }
}

fn logged<F>(name: &'static str, trace: &Rc<Trace>, inner: F) -> Logged<F> {
    Logged {
        name,
        trace: Rc::clone(trace),
        inner,
    }
}

/// Ready once a helper thread, 10 ms after the first poll, has marked it done (first)
/// and woken the waker of its latest poll (second).
#[derive(Default)]
struct Later {
    shared: Option<Arc<Mutex<LaterState>>>,
}

/// Done, and the waker of the latest poll.
type LaterState = (bool, Option<Waker>);

impl Future for Later {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = self.shared.get_or_insert_with(|| {
            let shared: Arc<Mutex<LaterState>> = Arc::default();
            let helper = Arc::clone(&shared);
            std::thread::spawn(move || {
                std::thread::sleep(ms(10));
                let waker = {
                    let mut state = helper.lock().unwrap();
                    state.0 = true;
                    state.1.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            shared
        });
        let mut state = shared.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

check! {
    /// `join` polls both futures while both are pending and returns both outputs.
    fn join_both() {
        let trace = Rc::new(Trace::new());
        let a = logged("a", &trace, count_down(2));
        let b = logged("b", &trace, Box::pin(async {
            count_down(4).await;
            "b's value"
        }));
        let (outputs, _) = run(join(a, b));
        insta::assert_snapshot!(format!("{outputs:?} after {}", trace.events().join(" ")), @r#"((), "b's value") after a b a b a b b b"#);
    }

    /// `join_all` returns every output in the order the futures were given, whatever order
    /// they finish in.
    fn join_all_in_order() {
        let children: Vec<_> = (0..6u32)
            .map(|i| {
                Box::pin(async move {
                    count_down(6 - i).await;
                    i * 10
                })
            })
            .collect();
        let (outputs, _) = run(join_all(children));
        assert_eq!(outputs, [0, 10, 20, 30, 40, 50]);
        let (none, _) = run(join_all(Vec::<std::future::Ready<u8>>::new()));
        assert!(none.is_empty(), "join_all of nothing is an empty vector");
        // Children that wake their waker twice in one poll (a join of two count_downs):
        // each must still count as finished once.
        let (twice, _) = run(join_all(vec![join(count_down(1), count_down(1)), join(count_down(2), count_down(0))]));
        assert_eq!(twice, [((), ()), ((), ())], "children woken twice per poll");
    }

    /// Of 1,000 children, waking one makes `join_all` poll that one, not all 1,000.
    fn join_all_polls_only_woken() {
        let counters = Counters::default();
        let (gates, openers): (Vec<_>, Vec<_>) = (0..1000).map(|i| counters.gate(i)).unzip();
        let (waker, _) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut all = pin!(join_all(gates));
        assert!(all.as_mut().poll(&mut cx).is_pending());
        assert_eq!(counters.polls(), 1000, "the first poll must poll every child once");
        openers[500].open();
        assert!(all.as_mut().poll(&mut cx).is_pending());
        let repolled = counters.polls() - 1000;
        assert!(
            repolled <= 2,
            "after one of 1,000 children was woken, join_all polled {repolled} children: give \
             each child a waker of its own that records which child woke, and poll only those"
        );
        openers.iter().for_each(|o| o.open());
        let Poll::Ready(outputs) = all.as_mut().poll(&mut cx) else {
            panic!("join_all was not ready after every child was opened and woken");
        };
        assert_eq!(outputs.len(), 1000);
        assert!(outputs.iter().enumerate().all(|(i, &n)| i == n), "outputs out of order");
    }

    /// `select` drops the losing future as soon as the winner finishes, before returning.
    fn select_drops_loser() {
        for winner_first in [true, false] {
            let counters = Counters::default();
            let (loser, _opener) = counters.gate(0);
            let (waker, _) = counting_waker();
            let mut cx = Context::from_waker(&waker);
            let outcome = if winner_first {
                let mut race = pin!(select(count_down(1), loser));
                loop {
                    if let Poll::Ready(out) = race.as_mut().poll(&mut cx) {
                        break format!("{out:?}, loser dropped {} times", counters.drops());
                    }
                }
            } else {
                let mut race = pin!(select(loser, count_down(1)));
                loop {
                    if let Poll::Ready(out) = race.as_mut().poll(&mut cx) {
                        break format!("{out:?}, loser dropped {} times", counters.drops());
                    }
                }
            };
            let expected = if winner_first { "Left(())" } else { "Right(())" };
            assert_eq!(
                outcome,
                format!("{expected}, loser dropped 1 times"),
                "the losing future must be dropped when select finishes, not later"
            );
        }
    }

    /// `select` returns the output of whichever future finishes first; `a` on a tie.
    fn select_first_ready() {
        let (fast_left, _) = run(select(count_down(1), count_down(3)));
        let (fast_right, _) = run(select(count_down(4), count_down(2)));
        let (tie, _) = run(select(count_down(2), count_down(2)));
        let results: [Either<(), ()>; 3] = [fast_left, fast_right, tie];
        insta::assert_snapshot!(format!("{results:?}"), @"[Left(()), Right(()), Left(())]");
    }

    /// `join_all` polled with waker A, then with waker B, wakes B (never A) when a child
    /// is woken: a child's waker reaches the parent's waker of the latest poll.
    fn join_all_wakes_latest_parent() {
        let counters = Counters::default();
        let (gates, openers): (Vec<_>, Vec<_>) = (0..3).map(|i| counters.gate(i)).unzip();
        let (a, woken_a) = counting_waker();
        let (b, woken_b) = counting_waker();
        let mut all = pin!(join_all(gates));
        assert!(all.as_mut().poll(&mut Context::from_waker(&a)).is_pending());
        assert!(all.as_mut().poll(&mut Context::from_waker(&b)).is_pending());
        openers[1].open();
        assert_eq!(
            (woken_a.wakes(), woken_b.wakes()),
            (0, 1),
            "join_all was polled with waker A, then B; when a child was woken, A was woken {} \
             times and B {} times: wake the parent's waker of the latest poll",
            woken_a.wakes(),
            woken_b.wakes()
        );
        openers[0].open();
        openers[2].open();
        let Poll::Ready(outputs) = all.as_mut().poll(&mut Context::from_waker(&b)) else {
            panic!("join_all was not ready once every child was open");
        };
        assert_eq!(
            outputs,
            [0, 1, 2],
            "join_all returned {outputs:?} for children 0, 1, 2 opened in the order 1, 0, 2: \
             outputs come in the order of the children, not the order they finished"
        );
    }

    /// `join_all` of children woken from other threads completes on an executor whose
    /// waker dawdles 50 ms after waking it: a child's waker notes which child woke before
    /// it wakes the parent, so that the poll the wake causes finds the note.
    fn join_all_notes_before_waking() {
        for _ in 0..3 {
            if let Err(stuck) = run_lingering(join_all(vec![Later::default(), Later::default()])) {
                panic!(
                    "join_all of two children woken from other threads never completed on an \
                     executor whose waker returns 50 ms after waking it ({stuck}): a child's \
                     waker woke the parent before noting which child it was, so the poll that \
                     followed polled nobody. Note the child first, then wake the parent"
                );
            }
        }
    }
}
