//! Step 4 — a self-referential future, made sound with `Pin`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The longest text [`WordCount`] accepts.
pub const CAPACITY: usize = 64;

/// Counts the words of a text, the way an `async fn` that borrows from its own local
/// buffer across an `.await` would:
///
/// ```
/// # use stackless::leaf::count_down;
/// # fn first_line(bytes: &[u8]) -> &str {
/// #     std::str::from_utf8(bytes).unwrap_or("").lines().next().unwrap_or("")
/// # }
/// async fn count_words(text: &str) -> usize {
///     let mut buffer = [0u8; 64];
///     buffer[..text.len()].copy_from_slice(text.as_bytes());
///     let words = first_line(&buffer[..text.len()]); // a borrow of `buffer`...
///     count_down(2).await;                           // ...kept across an await
///     words.split_whitespace().count()
/// }
/// ```
///
/// The future stores the buffer inline and, after its first poll, a pointer into it, so
/// moving it after that poll would leave the pointer dangling. It is therefore `!Unpin`:
/// once pinned, it is never moved again, and `poll` only reaches its fields through the
/// `Pin`.
///
/// Hint: store the buffer as a `[u8; CAPACITY]` and the line as a raw `*const [u8]`; wait
/// with a [`crate::leaf::count_down`]`(2)`; and make the type `!Unpin` with a
/// `std::marker::PhantomPinned` field. Inside `poll`, reach the fields with
/// `Pin::get_unchecked_mut` (and explain in a `SAFETY` comment why nothing moves).
pub struct WordCount {
    // Replace this with the future's state.
    _todo: (),
}

/// A future counting the words of the first line of `text`.
///
/// # Panics
/// When `text` is longer than [`CAPACITY`] bytes.
pub fn count_words(text: &str) -> WordCount {
    todo!()
}

impl Future for WordCount {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        todo!()
    }
}
