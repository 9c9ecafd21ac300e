use crate::trace;
use green_threads::{Runtime, yield_now};
use std::cell::Cell;
use std::rc::Rc;
use testkit::check;

check! {
    /// Three tasks yielding 1, 3 and 2 times interleave round-robin.
    fn interleaving() {
        let t = trace();
        let mut rt = Runtime::new();
        for (name, yields) in [("A", 1), ("B", 3), ("C", 2)] {
            let t = Rc::clone(&t);
            rt.spawn(move || {
                for i in 0..=yields {
                    t.push(format!("{name}{i}"));
                    if i < yields {
                        yield_now();
                    }
                }
                t.push(format!("{name}-done"));
            });
        }
        rt.run();
        insta::assert_snapshot!(t.events().join(" "), @"A0 B0 C0 A1 A-done B1 C1 B2 C2 C-done B3 B-done");
    }

    /// `run` returns only when every task has finished.
    fn all_tasks_finish() {
        let mut rt = Runtime::new();
        let finished = Rc::new(Cell::new(0));
        for yields in 0..6 {
            let finished = Rc::clone(&finished);
            rt.spawn(move || {
                for _ in 0..yields {
                    yield_now();
                }
                finished.set(finished.get() + 1);
            });
        }
        rt.run();
        assert_eq!(
            finished.get(),
            6,
            "run() returned while {} of 6 tasks had not finished",
            6 - finished.get()
        );
    }

    /// `run` returns to its caller; the runtime runs again; another runtime works after
    /// it; `yield_now` outside a runtime does nothing.
    fn run_returns_and_restarts() {
        yield_now();
        let count = Rc::new(Cell::new(0));
        let task = |count: &Rc<Cell<u32>>| {
            let count = Rc::clone(count);
            move || {
                count.set(count.get() + 1);
                yield_now();
                count.set(count.get() + 1);
            }
        };
        {
            let mut first = Runtime::new();
            first.spawn(task(&count));
            first.run();
            assert_eq!(count.get(), 2, "the first run");
            first.spawn(task(&count));
            first.run();
            assert_eq!(count.get(), 4, "the same runtime, run again");
        } // The first runtime is dropped here.
        yield_now();
        let mut second = Runtime::new();
        second.spawn(task(&count));
        second.spawn(task(&count));
        second.run();
        assert_eq!(count.get(), 8, "a second runtime, after the first was dropped");
    }
}
