use testkit::{Rendezvous, ThreadLog, check};
use threads::scoped::parallel_map;

check! {
    /// Results are in the order of the input slice.
    fn results_in_input_order() {
        let words = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        ];
        let tagged = parallel_map(&words, 3, |w| format!("{w}={}", w.len()));
        insta::assert_snapshot!(tagged.join(" "), @"zero=4 one=3 two=3 three=5 four=4 five=4 six=3 seven=5 eight=5 nine=4");
    }

    /// Empty input, one thread, zero threads and more threads than items all work.
    fn edge_cases() {
        let empty: Vec<u32> = parallel_map(&[], 4, |x: &u32| x + 1);
        assert!(empty.is_empty(), "an empty slice must give an empty vector");
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

    /// Exactly `min(threads, len)` threads do the work.
    fn thread_count_matches() {
        for (len, threads) in [(100, 4), (10, 4), (10, 6), (3, 8), (5, 1)] {
            let log = ThreadLog::new();
            let items: Vec<usize> = (0..len).collect();
            parallel_map(&items, threads, |_| log.record());
            assert_eq!(
                log.distinct(),
                threads.min(len),
                "{len} items with {threads} threads ran on {} different threads, expected \
                 {} (one per chunk, chunk lengths differing by at most one)",
                log.distinct(),
                threads.min(len)
            );
        }
    }

    /// Four chunks of one item each wait for each other: all four run at once.
    fn chunks_run_together() {
        let meet = Rendezvous::new(4);
        let met = parallel_map(&[0, 1, 2, 3], 4, |_| meet.arrive());
        assert!(
            met.iter().all(|&m| m),
            "the chunks did not all run at the same time: {}",
            meet.explain()
        );
    }
}
