//! # Exercise 2 — callbacks and an event loop
//!
//! A single-threaded event loop in the style of Node.js: callbacks run one at a time on
//! the thread that called [`EventLoop::run`], in deadline order, and the loop sleeps until
//! there is something to do. Work through the steps in order; after each one, run
//! `cargo run -p grader -- callbacks`.
//!
//! 1. [`timers`]: `set_timeout`, `set_timeout_at` and `run`.
//! 2. [`repeat`]: `clear_timeout` and `set_interval`.
//! 3. [`blocking`]: `spawn_blocking` on a small worker pool, with results delivered back
//!    on the loop thread.
//! 4. [`fanout`]: fetch several pages of the delay server at once and collect the
//!    responses through callbacks.
//!
//! Every callback receives `&mut EventLoop`, so it can schedule more work. The book's
//! chapter "Callbacks and event loops" explains the ideas.

// The bodies start as `todo!()`, so parameters and fields are unused until you write them.
#![allow(unused_variables, dead_code)]

pub mod blocking;
pub mod fanout;
pub mod repeat;
pub mod timers;

pub use timers::{EventLoop, LoopError, TimerId};
