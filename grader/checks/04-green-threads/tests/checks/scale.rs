use crate::trace;
use green_threads::{Runtime, spawn, yield_now};
use std::cell::Cell;
use std::rc::Rc;
use testkit::check;
use testkit::procfs::virtual_memory;

check! {
    /// 1,000 tasks with 16 KiB stacks yield 100 times each.
    fn thousand_tasks() {
        let mut rt = Runtime::with_stack_size(16 * 1024);
        let yields = Rc::new(Cell::new(0u32));
        for _ in 0..1000 {
            let yields = Rc::clone(&yields);
            rt.spawn(move || {
                for _ in 0..100 {
                    yields.set(yields.get() + 1);
                    yield_now();
                }
            });
        }
        rt.run();
        assert_eq!(yields.get(), 100_000, "only {} of 100,000 yields happened", yields.get());
    }

    /// Tasks spawned from inside tasks join the back of the queue.
    fn nested_spawns() {
        let t = trace();
        let mut rt = Runtime::new();
        let root = Rc::clone(&t);
        rt.spawn(move || {
            root.push("root starts");
            let a = Rc::clone(&root);
            spawn(move || {
                a.push("a starts");
                let g = Rc::clone(&a);
                spawn(move || g.push("grandchild"));
                yield_now();
                a.push("a ends");
            });
            let b = Rc::clone(&root);
            spawn(move || b.push("b"));
            yield_now();
            root.push("root ends");
        });
        rt.run();
        insta::assert_snapshot!(t.events().join(", "), @"root starts, a starts, b, root ends, grandchild, a ends");
    }

    /// Finished tasks' stacks are reused or freed: 300 short-lived tasks with 1 MiB stacks
    /// do not grow the process by 300 MiB.
    fn finished_stacks_recycled() {
        let Some(start) = virtual_memory() else {
            return testkit::record::skip("measuring memory needs /proc/self/status (Linux)");
        };
        let peak = Rc::new(Cell::new(start));
        let mut rt = Runtime::with_stack_size(1024 * 1024);
        let watched = Rc::clone(&peak);
        rt.spawn(move || {
            for _ in 0..300 {
                let done = Rc::new(Cell::new(false));
                let flag = Rc::clone(&done);
                spawn(move || flag.set(true));
                while !done.get() {
                    yield_now();
                }
                watched.set(watched.get().max(virtual_memory().unwrap()));
            }
        });
        rt.run();
        let grown = peak.get().saturating_sub(start) / (1024 * 1024);
        assert!(
            grown < 64,
            "while 300 tasks with 1 MiB stacks came and went one after another, the process \
             grew by {grown} MiB: finished tasks' stacks must be reused or freed"
        );
    }
}
