//! # Exercise 4 — green threads
//!
//! Stackful coroutines on one OS thread: every task gets a stack of its own, and a
//! hand-written context switch moves the CPU from one stack to another. Work through the
//! steps in order; after each one, run `cargo run -p grader -- green-threads`.
//!
//! 1. [`context`] and [`first_switch`]: the saved registers of a context, the switch
//!    itself, and one function run on a stack you provide.
//! 2. [`runtime`]: spawn closures, `yield_now` round-robin, `run` until all finish.
//! 3. The ABI, correctly: callee-saved registers, 16-byte stack alignment at task entry,
//!    captured values dropped exactly once, a guard page under every stack ([`stack`]).
//! 4. Scale: tasks spawning tasks, thousands of tasks with small stacks, stacks reused.
//!
//! x86-64 Linux only. The book's chapter "Green threads" explains the ideas.

// The bodies start as `todo!()`, so parameters and fields are unused until you write them.
#![allow(unused_variables, dead_code)]

pub mod context;
pub mod first_switch;
pub mod runtime;
pub mod stack;

pub use runtime::{Runtime, spawn, yield_now};
