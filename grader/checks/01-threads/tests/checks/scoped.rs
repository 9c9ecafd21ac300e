use crate::ms;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, ThreadId};
use std::time::Instant;
use testkit::{Rendezvous, check, spawns};
use threads::scoped::parallel_map;

/// The chunks `parallel_map` made of `len` items over `threads` threads: for each thread,
/// the indices it mapped, in the order of their first index.
fn chunks(len: usize, threads: usize) -> Vec<Vec<usize>> {
    let seen: Mutex<Vec<(ThreadId, usize)>> = Mutex::default();
    let items: Vec<usize> = (0..len).collect();
    parallel_map(&items, threads, |&i| {
        seen.lock().unwrap().push((thread::current().id(), i))
    });
    let mut by_thread: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (id, i) in seen.into_inner().unwrap() {
        by_thread.entry(format!("{id:?}")).or_default().push(i);
    }
    let mut chunks: Vec<Vec<usize>> = by_thread.into_values().collect();
    for chunk in &mut chunks {
        chunk.sort_unstable();
    }
    chunks.sort();
    chunks
}

check! {
    /// Results are in the order of the input slice, even when the first chunk finishes
    /// last.
    fn results_in_input_order() {
        let words = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        ];
        let last_done = AtomicBool::new(false);
        let tagged = parallel_map(&words, 3, |w| {
            if *w == "nine" {
                last_done.store(true, Ordering::SeqCst);
            } else if *w == "zero" {
                // The first chunk waits for the last one, then takes its time.
                let patience = Instant::now() + ms(1000);
                while !last_done.load(Ordering::SeqCst) && Instant::now() < patience {
                    thread::sleep(ms(1));
                }
            }
            if ["one", "two", "three"].contains(w) {
                thread::sleep(ms(15));
            }
            format!("{w}={}", w.len())
        });
        insta::assert_snapshot!(tagged.join(" "), @"zero=4 one=3 two=3 three=5 four=4 five=4 six=3 seven=5 eight=5 nine=4");
    }

    /// Empty input (which starts no thread), one thread, zero threads and more threads
    /// than items all work.
    fn edge_cases() {
        let (empty, started): (Vec<u32>, usize) = spawns::count(|| parallel_map(&[], 4, |x: &u32| x + 1));
        assert!(empty.is_empty(), "an empty slice must give an empty vector");
        assert_eq!(started, 0, "parallel_map over an empty slice started {started} thread(s); it must start none");
        for (len, threads) in [(1, 1), (3, 8), (10, 1), (10, 0), (10, 10), (10, 4), (97, 7)] {
            let items: Vec<u64> = (0..len).collect();
            let want: Vec<u64> = items.iter().map(|x| x * 3 + 1).collect();
            let got = parallel_map(&items, threads, |x| x * 3 + 1);
            assert_eq!(
                got, want,
                "parallel_map over {len} items with {threads} threads gave the wrong result"
            );
        }
    }

    /// Exactly `min(threads, len)` threads are started and do the work, each on one
    /// contiguous chunk, and chunk lengths differ by at most one.
    fn thread_count_matches() {
        for (len, threads) in [(100, 4), (10, 4), (10, 6), (3, 8), (5, 1), (13, 5), (7, 0)] {
            let (chunks, started) = spawns::count(|| chunks(len, threads));
            let wanted = threads.clamp(1, len);
            assert_eq!(
                started, wanted,
                "{len} items with {threads} threads started {started} thread(s), expected \
                 {wanted}: one per chunk, min(threads, len) chunks, none with nothing to do"
            );
            let lengths: Vec<usize> = chunks.iter().map(Vec::len).collect();
            assert_eq!(
                chunks.len(),
                wanted,
                "{len} items with {threads} threads ran on {} different threads (chunks of \
                 {lengths:?}), expected {wanted}: one thread per chunk, min(threads, len) chunks",
                chunks.len(),
            );
            for chunk in &chunks {
                let contiguous = chunk.windows(2).all(|w| w[1] == w[0] + 1);
                assert!(
                    contiguous,
                    "{len} items over {threads} threads: one thread mapped items {chunk:?}, \
                     which are not one contiguous chunk"
                );
            }
            let (shortest, longest) = (lengths.iter().min(), lengths.iter().max());
            assert!(
                longest.zip(shortest).is_some_and(|(l, s)| l - s <= 1),
                "{len} items over {threads} threads were cut into chunks of {lengths:?}: \
                 lengths must differ by at most one (len / threads each, one more for the \
                 first len % threads)"
            );
        }
    }

    /// Twenty-four chunks of one item each wait for each other: all run at once.
    fn chunks_run_together() {
        let meet = Rendezvous::new(24);
        let items: Vec<usize> = (0..24).collect();
        let met = parallel_map(&items, 24, |_| meet.arrive());
        assert!(
            met.iter().all(|&m| m),
            "24 chunks did not all run at the same time: {}",
            meet.explain()
        );
    }

    /// When `f` panics, `parallel_map` panics with the very same payload: a `String`, or a
    /// value of any other type.
    fn panic_keeps_its_payload() {
        let items: Vec<u32> = (0..8).collect();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            parallel_map(&items, 4, |&i| {
                if i == 5 {
                    testkit::panic_on_purpose!("item {} is cursed", std::hint::black_box(i));
                }
                i
            })
        }));
        let payload = caught.expect_err("f panicked on item 5, yet parallel_map returned");
        let text = payload.downcast_ref::<String>();
        assert_eq!(
            text.map(String::as_str),
            Some("item 5 is cursed"),
            "parallel_map panicked, but not with f's payload (a String): re-raise it with \
             std::panic::resume_unwind(payload) after the failed join"
        );
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            parallel_map(&items, 2, |&i| {
                if i == 6 {
                    testkit::panics::panic_any_on_purpose(404_u16);
                }
                i
            })
        }));
        let payload = caught.expect_err("f panicked on item 6, yet parallel_map returned");
        assert_eq!(
            payload.downcast_ref::<u16>(),
            Some(&404),
            "f panicked with a u16, and parallel_map with something else: pass the payload on \
             unchanged"
        );
    }
}
