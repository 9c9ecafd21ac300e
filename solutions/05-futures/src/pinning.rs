//! Step 4 — a self-referential future, made sound with `Pin`.

use crate::leaf::{CountDown, count_down};
use std::future::Future;
use std::marker::PhantomPinned;
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
pub struct WordCount {
    buffer: [u8; CAPACITY],
    len: usize,
    /// Points into `buffer` once the first poll has run.
    line: Option<*const [u8]>,
    wait: CountDown,
    _pinned: PhantomPinned,
}

/// A future counting the words of the first line of `text`.
///
/// # Panics
/// When `text` is longer than [`CAPACITY`] bytes.
pub fn count_words(text: &str) -> WordCount {
    assert!(text.len() <= CAPACITY, "text longer than {CAPACITY} bytes");
    let mut buffer = [0u8; CAPACITY];
    buffer[..text.len()].copy_from_slice(text.as_bytes());
    WordCount {
        buffer,
        len: text.len(),
        line: None,
        wait: count_down(2),
        _pinned: PhantomPinned,
    }
}

impl Future for WordCount {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // SAFETY: nothing below moves the future's fields out of the pinned place.
        let this = unsafe { self.get_unchecked_mut() };
        let line = *this.line.get_or_insert_with(|| {
            let text = &this.buffer[..this.len];
            let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
            &text[..end] as *const [u8]
        });
        if Pin::new(&mut this.wait).poll(cx).is_pending() {
            return Poll::Pending;
        }
        // SAFETY: `line` points into `buffer`, which has not moved since it was taken:
        // the future is pinned.
        let line = unsafe { &*line };
        Poll::Ready(
            std::str::from_utf8(line)
                .unwrap_or("")
                .split_whitespace()
                .count(),
        )
    }
}
