//! # Exercise 7 — a runtime on several threads
//!
//! The runtime of exercise 6 ran every task on one thread. This one runs `Send` tasks on
//! a fixed number of worker threads, the way tokio's default runtime does. Work through the
//! steps in order; after each one, run `cargo run -p grader -- multi-thread`.
//!
//! 1. [`join`]: [`JoinHandle`] and [`JoinError`], shared between a task and whoever waits
//!    for it, on any thread; and a first [`Runtime`] whose workers take tasks from one
//!    shared queue.
//! 2. [`task`](mod@task): tasks whose wakers work from any thread, polled by one worker at a
//!    time, however often and from wherever they are woken.
//! 3. [`runtime`]: a queue per worker and stealing, so that work moves to idle workers;
//!    idle workers that sleep.
//! 4. [`runtime`] again: the shared reactor, and a shutdown that joins every worker and
//!    drops every unfinished task.
//!
//! [`reactor`] and [`net`] are given: the same design as the reactor of exercise 6, made
//! for a runtime that enters it on several threads ([`reactor::enter`]).
//! The book's chapter "A runtime on several threads" explains the ideas.

// The bodies start as `todo!()`, so parameters and fields are unused until you write them.
#![allow(unused_variables, dead_code)]

pub mod join;
pub mod net;
pub mod reactor;
pub mod runtime;
pub mod task;

pub use join::{JoinError, JoinHandle};
pub use net::TcpStream;
pub use reactor::sleep;
pub use runtime::{Runtime, spawn};
