use crate::run;
use stackless::pinning::{CAPACITY, WordCount, count_words};
use std::marker::PhantomData;
use testkit::check;

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

check! {
    /// The self-referential future counts the words of the first line correctly, up to
    /// `CAPACITY` bytes, and refuses a longer text by panicking.
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
