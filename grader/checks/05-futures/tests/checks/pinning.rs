use crate::run;
use stackless::pinning::{CAPACITY, WordCount, count_words};
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use testkit::check;
use testkit::executor::counting_waker;

/// Tells at compile time whether `T: Unpin`, and reports it at run time (a compile error
/// would hide every other check of the exercise). Method lookup tries the receiver
/// `&&Probe<T>` first, which only the `Unpin` impl offers.
struct Probe<T>(PhantomData<T>);

trait IsUnpin {
    fn is_unpin(&self) -> bool {
        true
    }
}
impl<T: Unpin> IsUnpin for &Probe<T> {}

trait NotUnpin {
    fn is_unpin(&self) -> bool {
        false
    }
}
impl<T> NotUnpin for Probe<T> {}

/// What a `WordCount` did when moved after its first poll.
enum AfterMove {
    /// Ready with this count.
    Counted(usize),
    /// Panicked: it noticed the move, so it kept its address.
    Panicked,
    ReadyAtFirstPoll,
    StillPending,
}

/// Polls a `WordCount` of `text` once, moves its bytes elsewhere, puts a `WordCount` of
/// `other` in their old place, and polls the moved one to the end.
///
/// Only a future that kept a pointer into its buffer across its suspension can see
/// `other`: it reads its old place. One that counted before suspending, or that looks at
/// its own buffer again afterwards, still counts `text`. Moving a pinned `!Unpin` value
/// breaks the promise `Pin` makes to it, which is the point: the old place stays
/// allocated and holds a whole, valid `WordCount`, so the stale pointer reads real text.
fn count_after_move(text: &str, other: &str) -> AfterMove {
    let (waker, _) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut first = Box::pin(count_words(text));
    if first.as_mut().poll(&mut cx).is_ready() {
        return AfterMove::ReadyAtFirstPoll;
    }
    // SAFETY: the value is moved out bitwise and its old place refilled at once, so each
    // value is owned and dropped exactly once; the old place is freed only at the end.
    let old = Box::into_raw(unsafe { Pin::into_inner_unchecked(first) });
    let mut moved = Box::pin(unsafe { old.read() });
    unsafe { old.write(count_words(other)) };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        (0..10).find_map(|_| match moved.as_mut().poll(&mut cx) {
            Poll::Ready(words) => Some(words),
            Poll::Pending => None,
        })
    }));
    drop(moved);
    // SAFETY: `old` came from `Box::into_raw` and holds the `WordCount` written above.
    drop(unsafe { Box::from_raw(old) });
    match outcome {
        Ok(Some(words)) => AfterMove::Counted(words),
        Ok(None) => AfterMove::StillPending,
        Err(_) => AfterMove::Panicked,
    }
}

check! {
    /// The self-referential future counts the words of the first line correctly, up to
    /// `CAPACITY` bytes, and refuses a longer text by panicking; it is ready at its third
    /// poll, and reads the line through the pointer it took at its first poll.
    fn word_count_result() {
        let cases = [
            ("the quick brown fox\nsecond line here", 4),
            ("  spaced   out  ", 2),
            ("", 0),
            ("one", 1),
        ];
        for (text, words) in cases {
            let (counted, stats) = run(count_words(text));
            assert_eq!(counted, words, "count_words({text:?})");
            assert_eq!(
                stats.polls, 3,
                "count_words({text:?}) was ready at poll {}; the async fn it stands for awaits \
                 count_down(2), and is ready at its third poll",
                stats.polls
            );
            assert_eq!(futures::executor::block_on(count_words(text)), words, "on block_on");
        }
        // The longest text that fits, and one byte more, which must panic.
        let longest = "ab ".repeat(CAPACITY / 3) + &"c".repeat(CAPACITY % 3);
        assert_eq!(longest.len(), CAPACITY);
        let (counted, _) = run(count_words(&longest));
        assert_eq!(counted, CAPACITY / 3 + usize::from(!CAPACITY.is_multiple_of(3)), "a text of exactly CAPACITY bytes");
        let too_long = "x".repeat(CAPACITY + 1);
        assert!(
            testkit::panics::panic_message(|| count_words(&too_long)).is_some(),
            "count_words of {} bytes (CAPACITY + 1) returned; it must panic, as documented",
            CAPACITY + 1
        );
        // The borrow is kept across the await: after the first poll, the line is reached
        // through the pointer taken then, not counted before and not looked up again.
        let (text, other) = ("red fox ran\nhome", "greyhounds!\nhome");
        match count_after_move(text, other) {
            AfterMove::Counted(1) | AfterMove::Panicked => {}
            AfterMove::Counted(words) => panic!(
                "count_words({text:?}) was polled once, then moved, and a count_words({other:?}) \
                 put in its old place; it counted {words} words, where the first line at its old \
                 place has 1 (and its own, 3): after count_down(2) it did not read the line through \
                 a pointer into its old place. Keep the buffer inline, take the pointer into it \
                 at the first poll, and after the await count the words through it (reading \
                 the old place after a move is the danger that makes this future !Unpin)"
            ),
            AfterMove::ReadyAtFirstPoll => panic!("count_words({text:?}) was ready at its first poll"),
            AfterMove::StillPending => {
                panic!("count_words({text:?}), moved after its first poll, was still pending 10 polls later")
            }
        }
    }

    /// The future that points into its own buffer, stored inline, is `!Unpin`, so safe
    /// code cannot move it once it is pinned.
    // The double borrows are what selects the right `is_unpin`; they are not needless.
    #[allow(clippy::needless_borrow)]
    fn is_not_unpin() {
        // Only a future that exists counts.
        let (words, _) = run(count_words("a b"));
        assert_eq!(words, 2);
        assert!(
            size_of::<WordCount>() >= CAPACITY,
            "WordCount is {} bytes, less than its {CAPACITY}-byte buffer: the buffer is stored \
             inline, in the future itself (a buffer on the heap would not move with it, and \
             would need no pinning)",
            size_of::<WordCount>()
        );
        let unpin = (&&Probe::<WordCount>(PhantomData)).is_unpin();
        assert!(
            !unpin,
            "WordCount is Unpin, so safe code may move it after a poll and leave its pointer \
             into the buffer dangling: add a std::marker::PhantomPinned field"
        );
        // The probe itself: String is Unpin, a PhantomPinned holder is not.
        assert!((&&Probe::<String>(PhantomData)).is_unpin());
        assert!(!(&&Probe::<std::marker::PhantomPinned>(PhantomData)).is_unpin());
    }
}
