use crate::memory::{KIB, MIB};
use crate::{child, trace};
use green_threads::stack::Stack;
use green_threads::{Runtime, spawn, yield_now};
use std::cell::Cell;
use std::rc::Rc;
use testkit::check;
use testkit::fork::ChildEnd;
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

/// Uses the stack until `top - (address of a local)` reaches `goal`, noting every 16 KiB
/// reached; returns how far it got.
#[inline(never)]
fn dig(top: usize, goal: usize, mut mark: usize) -> usize {
    let frame = std::hint::black_box([1u8; 1024]);
    let used = top.saturating_sub(frame.as_ptr() as usize);
    if used >= mark {
        child::note(&format!("reached {}", used / KIB));
        mark += 16 * KIB;
    }
    if used >= goal {
        return used;
    }
    std::hint::black_box(dig(top, goal, mark)) + usize::from(frame[512] == 0)
}

/// A runtime's name in messages, how to make it, and how much of its stack a task must be
/// able to use.
type StackSize = (&'static str, fn() -> Runtime, usize);

fn stack_sizes() -> [StackSize; 3] {
    [
        ("Runtime::new()", Runtime::new, 48 * KIB),
        (
            "Runtime::with_stack_size(1 MiB)",
            || Runtime::with_stack_size(MIB),
            MIB - 64 * KIB,
        ),
        (
            "Runtime::with_stack_size(1 MiB), made after a runtime of 16 KiB stacks had run \
             a task on the same thread",
            || {
                {
                    let mut small = Runtime::with_stack_size(16 * KIB);
                    small.spawn(|| {});
                    small.run();
                }
                Runtime::with_stack_size(MIB)
            },
            MIB - 64 * KIB,
        ),
    ]
}

/// Virtual memory now, in MiB, for messages.
fn mib(bytes: usize) -> usize {
    bytes / MIB
}

check! {
    /// A task really has the stack size its runtime was given: it can use 48 KiB of the
    /// default 64 KiB, and 960 KiB of a 1 MiB stack (`with_stack_size`), also after a
    /// runtime of smaller stacks ran on the same thread. In a child process, so that an
    /// overflow is a verdict.
    fn stack_size_honoured() {
        for (runtime, make, goal) in stack_sizes() {
            let outcome = child::run(move || {
                let mut rt = make();
                rt.spawn(move || {
                    let here = std::hint::black_box(0u8);
                    let used = dig(std::ptr::addr_of!(here) as usize, goal, 16 * KIB);
                    child::note(&format!("used {}", used / KIB));
                });
                rt.run();
                child::note("done");
            });
            let reached = outcome
                .lines
                .iter()
                .rev()
                .find_map(|l| l.strip_prefix("reached "))
                .unwrap_or("0");
            let used = outcome.lines.iter().find_map(|l| l.strip_prefix("used "));
            let ended = outcome.noted("done") && outcome.end == ChildEnd::Exited(0);
            if let (false, Some(used)) = (ended, used) {
                panic!(
                    "a task of {runtime} used {used} KiB of its stack and returned, then the \
                     child process {} before run() returned (noted: {}). Expected run() to \
                     return once the task finished.",
                    outcome.ending(),
                    outcome.transcript()
                );
            }
            assert!(
                ended,
                "a task of {runtime} used its stack down to {} KiB below where it started: the \
                 child process {} after the task had used {reached} KiB (noted: {}). Expected \
                 the task to finish: the stack a runtime gives its tasks must be of the size \
                 it was given, rounded up to whole pages.",
                goal / KIB,
                outcome.ending(),
                outcome.transcript()
            );
        }
    }

    /// Stacks are unmapped, not only reused: 100 `Stack`s of 1 MiB dropped one after
    /// another, 20 waves of 40 tasks with 1 MiB stacks alive together in one runtime (more
    /// than a pool of spare stacks holds), and 20 such runtimes created and dropped, each
    /// leave the process's mapped memory where it was.
    fn stacks_unmapped() {
        const WAVES: usize = 20;
        const TOGETHER: usize = 40;
        let Some(start) = virtual_memory() else {
            return testkit::record::skip("measuring memory needs /proc/self/status (Linux)");
        };
        let vm = || virtual_memory().unwrap();

        for _ in 0..100 {
            // Dropped at the end of each round.
            let _stack = Stack::new(MIB).expect("Stack::new failed");
        }
        let after_stacks = vm();
        // Many small ones: a page left mapped per stack (the guard, say) adds up here.
        for _ in 0..10_000 {
            let _stack = Stack::new(64 * KIB).expect("Stack::new failed");
        }
        let after_small = vm();
        assert!(
            after_small < after_stacks + 4 * MIB,
            "after 10,000 Stacks of 64 KiB were created and dropped one after another, the \
             process had {} KiB more memory mapped than before; expected less than 4 MiB \
             more: dropping a Stack must unmap all of its mapping, the guard page included",
            after_small.saturating_sub(after_stacks) / KIB
        );
        assert!(
            after_stacks < start + 32 * MIB,
            "after 100 Stacks of 1 MiB were created and dropped one after another, the process \
             had {} MiB more memory mapped than before; expected less than 32 MiB more: \
             dropping a Stack must unmap it (munmap)",
            mib(after_stacks.saturating_sub(start))
        );

        // Waves of tasks alive together in one runtime: from the end of the first wave on,
        // stacks are reused or unmapped, so the mapped memory stays flat.
        let after_first = Rc::new(Cell::new(0));
        let after_last = Rc::new(Cell::new(0));
        let mut waves = Runtime::with_stack_size(MIB);
        let (first, last) = (Rc::clone(&after_first), Rc::clone(&after_last));
        waves.spawn(move || {
            let finished = Rc::new(Cell::new(0));
            for wave in 1..=WAVES {
                for _ in 0..TOGETHER {
                    let finished = Rc::clone(&finished);
                    spawn(move || {
                        yield_now();
                        finished.set(finished.get() + 1);
                    });
                }
                while finished.get() < wave * TOGETHER {
                    yield_now();
                }
                let now = virtual_memory().unwrap();
                if wave == 1 {
                    first.set(now);
                }
                last.set(now);
            }
        });
        waves.run();
        let grown = after_last.get().saturating_sub(after_first.get());
        assert!(
            grown < 32 * MIB,
            "in one runtime, {WAVES} waves of {TOTAL} tasks with 1 MiB stacks, alive together, \
             came and went; from the end of the first wave to the end of the last, the process's \
             mapped memory grew by {} MiB; expected less than 32 MiB: a finished task's stack \
             must be reused or unmapped, and one that is not kept for reuse must be unmapped",
            mib(grown),
            TOTAL = TOGETHER
        );

        let before_runtimes = vm();
        for _ in 0..WAVES {
            let mut rt = Runtime::with_stack_size(MIB);
            for _ in 0..TOGETHER {
                rt.spawn(yield_now);
            }
            rt.run();
        }
        let grown = vm().saturating_sub(before_runtimes);
        assert!(
            grown < 32 * MIB,
            "{WAVES} runtimes, one after another, each ran {TOGETHER} tasks with 1 MiB stacks \
             alive together and was dropped: the process's mapped memory grew by {} MiB \
             meanwhile; expected less than 32 MiB: a dropped runtime must unmap every stack \
             it kept",
            mib(grown)
        );
    }
}
