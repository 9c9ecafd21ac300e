//! Steps 2 to 4 — a runtime of green threads.

/// The stack size of [`Runtime::new`].
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

/// Runs green threads (tasks) on the thread that calls [`Runtime::run`].
///
/// - Tasks run in the order they were spawned. [`yield_now`] moves the running task to
///   the back of the queue and runs the one at the front; a finished task leaves it.
///   Tasks spawned while others run join the back of the queue.
/// - Every task has a stack of its own, of the runtime's stack size, with a guard page
///   below it. A finished task's stack is reused or unmapped, so a long-running runtime
///   does not accumulate stacks.
/// - `run` returns when every task has finished. A runtime can run again, and another
///   runtime can be created afterwards on the same thread.
/// - A task's closure, and everything it captured, is dropped exactly once: when the task
///   finishes, or with the runtime if the task never ran.
/// - A task that panics aborts the process: a panic cannot unwind across a context switch.
///
/// Hint: the tasks reach their runtime through a thread-local pointer that `run` sets;
/// `run` is the scheduler: it switches to the task at the front of the queue and gets
/// control back whenever that task yields or finishes.
///
/// That pointer is raw (`thread_local!` of a `Cell<*mut Runtime>`), set from `&mut self`
/// at the start of `run` and cleared before it returns; a reference could not outlive
/// `run`'s borrow. Dereferencing it is `unsafe`, and sound because `run` is suspended
/// inside `switch` whenever a task uses it. The entry function that `prepare` installs
/// takes no arguments, so it finds the task to start (and its closure, a
/// `Box<dyn FnOnce()>`: nothing here needs `Send`) through the same pointer. Keep each task
/// in a `Box`: its `Context` then stays at one address while the queue moves tasks
/// around, and `switch` may be given a pointer to it.
pub struct Runtime {
    // Replace this with the runtime's state: the stack size, the scheduler's context,
    // the queue of tasks (each with its context, stack and closure), ...
    _todo: (),
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
        todo!()
    }

    /// Adds a task that will run `f`.
    pub fn spawn(&mut self, f: impl FnOnce() + 'static) {
        todo!()
    }

    /// Runs tasks until all have finished.
    ///
    /// # Panics
    /// When called from inside a task (or while another runtime runs on this thread).
    pub fn run(&mut self) {
        todo!()
    }
}

/// Lets the other tasks run: the running task goes to the back of the queue. Outside a
/// running task it does nothing.
pub fn yield_now() {
    todo!()
}

/// Spawns a task on the runtime running the current task.
///
/// # Panics
/// Outside a running runtime.
pub fn spawn(f: impl FnOnce() + 'static) {
    todo!()
}
