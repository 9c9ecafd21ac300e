//! # Exercise 5 — futures by hand
//!
//! A future is a state machine that an executor polls; `async fn` is a way to have the
//! compiler write that state machine. Here you write them yourself. Work through the steps
//! in order; after each one, run `cargo run -p grader -- futures`.
//!
//! 1. [`leaf`]: futures that wait for something and arrange their own wake-up.
//! 2. [`by_hand`]: an `async fn`, rewritten as an explicit enum state machine.
//! 3. [`combinators`]: `join`, `join_all` (with a waker per child) and `select`.
//! 4. [`pinning`]: a self-referential future made sound with `Pin`.
//!
//! A last check runs all of it on `futures::executor::block_on`, with a `futures` channel.
//!
//! Everything works with any executor; `futures::executor::block_on` is a good one to try
//! your code with. The book's chapter "Futures and coroutines" explains the ideas.

// The bodies start as `todo!()`, so parameters and fields are unused until you write them.
#![allow(unused_variables, dead_code)]

pub mod by_hand;
pub mod combinators;
pub mod leaf;
pub mod pinning;
