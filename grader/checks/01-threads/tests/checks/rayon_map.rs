use testkit::check;
use threads::rayon_map::par_map;

check! {
    /// The results match a sequential map, in order, over 10 000 items.
    fn same_as_sequential() {
        let items: Vec<u64> = (1..=10_000).collect();
        let squares = par_map(&items, |x| x * x);
        let sequential: Vec<u64> = items.iter().map(|x| x * x).collect();
        let first_wrong = squares.iter().zip(&sequential).position(|(a, b)| a != b);
        let summary = format!(
            "len {}, first {:?}, last {:?}, sum {}, first wrong position {first_wrong:?}",
            squares.len(),
            &squares[..squares.len().min(3)],
            squares.last(),
            squares.iter().sum::<u64>(),
        );
        insta::assert_snapshot!(summary, @"len 10000, first [1, 4, 9], last Some(100000000), sum 333383335000, first wrong position None");
    }

    /// `f` runs on rayon's worker threads.
    fn runs_on_rayon_pool() {
        let items: Vec<u32> = (0..64).collect();
        let on_pool = par_map(&items, |_| rayon::current_thread_index().is_some());
        let outside = on_pool.iter().filter(|&&on| !on).count();
        assert_eq!(
            outside, 0,
            "{outside} of 64 items were mapped outside rayon's thread pool: use par_iter()"
        );
    }
}
