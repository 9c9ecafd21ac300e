//! # Exercise 3 — system calls and an epoll event queue
//!
//! How the operating system tells a program that I/O is ready. Work through the steps in
//! order; after each one, run `cargo run -p grader -- epoll`.
//!
//! 1. [`syscall`]: write bytes with a hand-made system call, then through `libc`.
//! 2. [`poll`]: an epoll-backed event queue: [`Poll`], [`Registry`], [`Token`],
//!    [`Interest`], [`Events`].
//! 3. [`waker`]: an eventfd that lets another thread end a blocked [`Poll::poll`].
//! 4. [`requests`]: several HTTP requests at once on one thread, driven by your `Poll`.
//!
//! The book's chapter "OS event queues" explains the ideas.

// The bodies start as `todo!()`, so parameters and fields are unused until you write them.
#![allow(unused_variables, dead_code)]

pub mod poll;
pub mod requests;
pub mod syscall;
pub mod waker;

pub use poll::{Event, Events, Interest, Poll, Registry, Token};
pub use waker::Waker;
