//! Steps 2 to 4 — a runtime of green threads.

use crate::context::{Context, prepare, switch};
use crate::stack::Stack;
use std::cell::Cell;
use std::collections::VecDeque;

/// The stack size of [`Runtime::new`].
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;
/// Finished tasks' stacks kept for reuse; more are unmapped.
const SPARE_STACKS: usize = 16;

struct Task {
    context: Context,
    /// Given when the task first runs, so that tasks spawned before `run` reuse the
    /// stacks of tasks that finished before them.
    stack: Option<Stack>,
    function: Option<Box<dyn FnOnce()>>,
    finished: bool,
}

/// Runs green threads (tasks) on the thread that calls [`Runtime::run`].
///
/// - Tasks run in the order they were spawned. [`yield_now`] moves the running task to
///   the back of the queue and switches straight to the one at the front; a finished
///   task switches back to `run`, which leaves it out of the queue.
///   Tasks spawned while others run join the back of the queue.
/// - Every task has a stack of its own, of the runtime's stack size, with a guard page
///   below it, mapped when the task first runs (the process aborts if the system refuses
///   it). A finished task's stack is reused or unmapped, so a long-running runtime does
///   not accumulate stacks.
/// - `run` returns when every task has finished. A runtime can run again, and another
///   runtime can be created afterwards on the same thread.
/// - A task's closure, and everything it captured, is dropped exactly once: when the task
///   finishes, or with the runtime if the task never ran.
/// - A task that panics aborts the process: a panic cannot unwind across a context switch.
pub struct Runtime {
    stack_size: usize,
    scheduler: Context,
    ready: VecDeque<Box<Task>>,
    running: Option<Box<Task>>,
    spare: Vec<Stack>,
}

thread_local! {
    static CURRENT: Cell<*mut Runtime> = const { Cell::new(std::ptr::null_mut()) };
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// A runtime whose tasks get stacks of [`DEFAULT_STACK_SIZE`] bytes.
    pub fn new() -> Runtime {
        Self::with_stack_size(DEFAULT_STACK_SIZE)
    }

    /// A runtime whose tasks get stacks of `bytes` bytes (rounded up to whole pages).
    pub fn with_stack_size(bytes: usize) -> Runtime {
        Runtime {
            stack_size: bytes,
            scheduler: Context::default(),
            ready: VecDeque::new(),
            running: None,
            spare: Vec::new(),
        }
    }

    /// Adds a task that will run `f`.
    pub fn spawn(&mut self, f: impl FnOnce() + 'static) {
        self.ready.push_back(Box::new(Task {
            context: Context::default(),
            stack: None,
            function: Some(Box::new(f)),
            finished: false,
        }));
    }

    /// Makes `task` the running one, giving it a stack first if it never ran.
    fn make_running(&mut self, mut task: Box<Task>) -> &mut Task {
        if task.stack.is_none() {
            let stack = match self.spare.pop() {
                Some(stack) => stack,
                // Called from `run` or from a task's `yield_now`: no caller could go on.
                None => Stack::new(self.stack_size).unwrap_or_else(|e| {
                    eprintln!("green threads: cannot map a task stack: {e}");
                    std::process::abort()
                }),
            };
            // SAFETY: `top` is the end of the task's own mapped stack.
            unsafe { prepare(&mut task.context, stack.top(), task_entry) };
            task.stack = Some(stack);
        }
        self.running.insert(task)
    }

    /// Runs tasks until all have finished.
    ///
    /// # Panics
    /// When called from inside a task (or while another runtime runs on this thread).
    pub fn run(&mut self) {
        assert!(
            CURRENT.with(Cell::get).is_null(),
            "Runtime::run cannot be called while a runtime runs on this thread"
        );
        let this: *mut Runtime = self;
        CURRENT.with(|current| current.set(this));
        // SAFETY: `this` stays valid for the whole loop; tasks reach the runtime only
        // through `CURRENT`, while this loop is suspended in `switch`.
        unsafe {
            // Tasks hand the processor to each other in `yield_now`; a task comes back
            // here only when it finished.
            while let Some(task) = (*this).ready.pop_front() {
                let to: *const Context = &(*this).make_running(task).context;
                switch(&mut (*this).scheduler, to);
                let task = (*this).running.take().expect("the task came back");
                debug_assert!(task.finished);
                if let Some(stack) = task.stack {
                    (*this).recycle(stack);
                }
            }
        }
        CURRENT.with(|current| current.set(std::ptr::null_mut()));
    }

    fn recycle(&mut self, stack: Stack) {
        if self.spare.len() < SPARE_STACKS {
            self.spare.push(stack);
        }
    }
}

/// Lets the other tasks run: the running task goes to the back of the queue. Outside a
/// running task, or when no other task is ready, it does nothing.
pub fn yield_now() {
    let runtime = CURRENT.with(Cell::get);
    if runtime.is_null() {
        return;
    }
    // SAFETY: the runtime is live while its tasks run; this task is the running one.
    // Each context pointer is taken from the box where it rests during the switch, after
    // the box was moved there: moving a box invalidates pointers taken through it before.
    unsafe {
        if (*runtime).running.is_none() {
            return;
        }
        let Some(next) = (*runtime).ready.pop_front() else {
            return;
        };
        let current = (*runtime).running.take().expect("checked above");
        (*runtime).ready.push_back(current);
        let from: *mut Context = &mut (*runtime).ready.back_mut().expect("just queued").context;
        let to: *const Context = &(*runtime).make_running(next).context;
        switch(from, to);
    }
}

/// Spawns a task on the runtime running the current task.
///
/// # Panics
/// Outside a running runtime.
pub fn spawn(f: impl FnOnce() + 'static) {
    let runtime = CURRENT.with(Cell::get);
    assert!(
        !runtime.is_null(),
        "green_threads::spawn called outside a running Runtime"
    );
    // SAFETY: the runtime is live while its tasks run.
    unsafe { (*runtime).spawn(f) };
}

extern "sysv64" fn task_entry() -> ! {
    let runtime = CURRENT.with(Cell::get);
    // SAFETY: tasks start only by a switch from `Runtime::run` or `yield_now`, while the
    // runtime that set `CURRENT` runs and after the task was made the `running` one; it
    // stays there until it yields or switches back to `run` for the last time.
    unsafe {
        let function = (*runtime)
            .running
            .as_mut()
            .and_then(|task| task.function.take())
            .expect("a task starts once");
        function();
        let task = (*runtime).running.as_mut().expect("still running");
        task.finished = true;
        switch(&mut task.context, &(*runtime).scheduler);
    }
    unreachable!("a finished task is never resumed")
}
