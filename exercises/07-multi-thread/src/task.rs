//! Step 2 — tasks whose wakers work from any thread, polled by one worker at a time.
//!
//! Nothing here is public: this module is where your task type lives. A task is shared by
//! the queues and by every waker made for it, so it sits in an `Arc`, and its waker is that
//! `Arc` (implement `std::task::Wake` for the task type; `Wake` needs it to be `Send +
//! Sync`, so the future goes in a `Mutex<Option<Pin<Box<dyn Future<Output = ()> +
//! Send>>>>`, which also lets you drop it at shutdown).
//!
//! With several workers, two things can go wrong that could not on one thread:
//!
//! - A task is woken *while a worker polls it* (it woke itself, or another thread woke it).
//!   Queue it again at once and a second worker may poll it at the same time as the first
//!   (or block on its `Mutex`, holding that worker up); ignore the wake and the task is
//!   never polled again.
//! - A task is woken many times before it runs: it must be queued once, not once per wake.
//!
//! Hint: give each task a state in an `AtomicU8` — waiting (in no queue), queued, running,
//! running-and-woken, finished. A wake moves waiting → queued (and queues the task) or
//! running → running-and-woken (and queues nothing); anything else stays. The worker sets
//! running before it polls; after a `Pending`, it moves running → waiting with a
//! `compare_exchange`, and if that fails the task was woken meanwhile: it sets queued and
//! queues the task itself. Let the task hold a `std::sync::Weak` of the runtime's shared
//! state, so that a waker kept after the runtime is gone keeps nothing alive.
//!
//! This module and `runtime.rs` use each other: a wake here queues the task through the
//! runtime's shared state, and the workers there make and poll tasks. Declare the task type,
//! its fields (or its constructor) and its poll method `pub(crate)`, and do the same in
//! `runtime.rs` for the shared-state struct and the method that queues a task. `Wake` and
//! the queues need the shared state to be `Send + Sync` too: `Mutex`es, `Condvar`s,
//! atomics and `Arc`s, no `Rc` or `RefCell`.
