use crate::{child, trace};
use green_threads::{Runtime, spawn, yield_now};
use std::cell::Cell;
use std::rc::Rc;
use testkit::check;
use testkit::fork::ChildEnd;
use testkit::panics::panic_message;

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

check! {
    /// `spawn` outside a running runtime panics, and its closure never runs: with no
    /// runtime, with a runtime that holds tasks but is not running, and after `run` returned.
    fn spawn_outside_panics() {
        let ran = Rc::new(Cell::new(0));
        let stray = |ran: &Rc<Cell<u32>>| {
            let ran = Rc::clone(ran);
            move || ran.set(ran.get() + 100)
        };
        let mut quiet = Vec::new();
        if panic_message(|| spawn(stray(&ran))).is_none() {
            quiet.push("with no runtime on the thread");
        }
        let mut rt = Runtime::new();
        let own = Rc::clone(&ran);
        rt.spawn(move || own.set(own.get() + 1));
        if panic_message(|| spawn(stray(&ran))).is_none() {
            quiet.push("with a runtime that holds a task but does not run");
        }
        rt.run();
        if panic_message(|| spawn(stray(&ran))).is_none() {
            quiet.push("after run() returned");
        }
        rt.run();
        assert!(
            quiet.is_empty(),
            "green_threads::spawn returned without panicking {}; the contract says it panics \
             outside a running runtime",
            quiet.join(", and ")
        );
        assert_eq!(
            ran.get(),
            1,
            "the runtime's own task ran {} time(s) and closures given to the panicking spawn \
             calls ran {} time(s); expected 1 and 0",
            ran.get() % 100,
            ran.get() / 100
        );
    }

    /// `Runtime::run` called inside a task panics before it runs anything, and since a panic
    /// cannot leave a task, the process aborts. In a child process.
    fn run_inside_task_panics() {
        let outcome = child::run(|| {
            let mut outer = Runtime::new();
            outer.spawn(|| {
                let mut inner = Runtime::new();
                inner.spawn(|| child::note("the inner task ran"));
                child::note("calling run");
                inner.run();
                child::note("run returned");
            });
            outer.run();
            child::note("the outer run returned");
        });
        let panicked = outcome.first_panic().is_some();
        assert!(
            outcome.end == ChildEnd::Signaled(libc::SIGABRT)
                && panicked
                && outcome.noted("calling run")
                && !outcome.noted("the inner task ran")
                && !outcome.noted("run returned"),
            "a task created a second runtime, spawned a task on it and called its run(): the \
             child process {} and noted: {}. Expected run() to panic before running anything \
             (a runtime already runs on this thread), and the panic, which cannot leave the \
             task, to abort the process (SIGABRT).",
            outcome.ending(),
            outcome.transcript()
        );
    }

    /// A task that panics aborts the process, with the panic's message: no other task runs
    /// after it and `run` does not return. In a child process.
    fn task_panic_aborts() {
        let outcome = child::run(|| {
            let mut rt = Runtime::new();
            rt.spawn(|| {
                child::note("first task");
                yield_now();
                child::note("first task resumed");
            });
            rt.spawn(|| {
                child::note("panicking task");
                testkit::panic_on_purpose!("a task gives up");
            });
            rt.spawn(|| child::note("third task"));
            rt.run();
            child::note("run returned");
        });
        let expected = ["first task", "panicking task", "panic: a task gives up"];
        assert!(
            outcome.end == ChildEnd::Signaled(libc::SIGABRT) && outcome.lines.starts_with(&expected.map(String::from)),
            "the second of three tasks panicked with \"a task gives up\": the child process {} \
             and noted: {}. Expected the panic's message after \"first task / panicking task\", \
             then an abort (SIGABRT) with nothing else run: a panic cannot unwind across a \
             context switch, so the contract makes it end the process.",
            outcome.ending(),
            outcome.transcript()
        );
        let after: Vec<&String> = outcome.lines.iter().skip(3).filter(|l| !l.starts_with("panic: ")).collect();
        assert!(
            after.is_empty(),
            "after the task panicked, the child still noted {after:?}: a panicking task must \
             abort the process, not let the runtime go on"
        );
    }

    /// `yield_now` outside a running task returns at once and runs nothing: with no runtime,
    /// with a runtime that holds tasks but does not run, and on another OS thread while a
    /// task runs on this one.
    fn yield_outside_a_task() {
        yield_now();
        let t = trace();
        let runner = std::thread::current().id();
        let mut rt = Runtime::new();
        let first = Rc::clone(&t);
        rt.spawn(move || {
            first.push("first starts");
            let other = std::thread::spawn(|| {
                yield_now();
                std::thread::current().id()
            });
            let _ = other.join();
            first.push("first joined the other thread");
            if std::thread::current().id() != runner {
                first.push("first now runs on another thread");
            }
        });
        let second = Rc::clone(&t);
        rt.spawn(move || {
            if std::thread::current().id() == runner {
                second.push("second");
            } else {
                second.push("second, on another thread");
            }
        });
        yield_now();
        let before_run = t.events();
        rt.run();
        yield_now();
        assert!(
            before_run.is_empty(),
            "yield_now() called while a runtime held tasks but did not run ran some of them \
             ({before_run:?}); expected it to return at once"
        );
        let events = t.events();
        assert_eq!(
            events,
            ["first starts", "first joined the other thread", "second"],
            "the first task started an OS thread that called yield_now() and waited for it to \
             end; the tasks noted {events:?}. Expected the other thread's yield_now() to do \
             nothing (no task runs on that thread), so the first task goes on after the join \
             and the second runs after it, on the thread that called run()."
        );
    }
}
