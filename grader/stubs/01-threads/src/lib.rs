//! # Exercise 1 — threads
//!
//! Concurrency and parallelism with the operating system's own threads. Work through the
//! steps in order; after each one, run `cargo run -p grader -- threads` to see it graded.
//!
//! 1. [`tasks`]: run a list of tasks at the same time, one OS thread each.
//! 2. [`scoped`]: split a slice across a chosen number of threads that borrow it.
//! 3. [`pool`]: a fixed set of worker threads that runs jobs from a queue.
//! 4. [`rayon_map`]: the same parallel map as step 2, written with rayon.
//!
//! The book's chapter "Threads" explains every idea used here.

// The bodies start as `todo!()`, so parameters are unused until you write them.
#![allow(unused_variables)]

pub mod pool;
pub mod rayon_map;
pub mod scoped;
pub mod tasks;
