use crate::ms;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Instant;
use testkit::{Rendezvous, check};
use threads::rayon_map::par_map;

check! {
    /// The results match a sequential map, in order, over 10 000 items (even when the first
    /// item is mapped last), over one item and over none.
    fn same_as_sequential() {
        // Several workers whatever the machine: on a pool of one, results pushed as they are
        // computed would come out in input order, and nothing could tell the two apart.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(4).build_global();
        let items: Vec<u64> = (1..=10_000).collect();
        let last_done = AtomicBool::new(false);
        let squares = par_map(&items, |&x| {
            if x == 10_000 {
                last_done.store(true, Ordering::SeqCst);
            } else if x == 1 && others_can_map() {
                // The first item is mapped last: the other workers map the rest meanwhile.
                // The backstop only ends a wait nobody else can end (a split that keeps the
                // whole slice on this worker), which other checks catch.
                let backstop = Instant::now() + ms(5000);
                while !last_done.load(Ordering::SeqCst) && Instant::now() < backstop {
                    thread::sleep(ms(1));
                }
            }
            x * x
        });
        assert!(par_map(&[] as &[u64], |x| x * x).is_empty(), "par_map over an empty slice");
        assert_eq!(par_map(&[7u64], |x| x * x), [49], "par_map over one item");
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

    /// Two items that wait for each other both get through: rayon maps them on two threads
    /// at once.
    fn runs_in_parallel() {
        if rayon::current_num_threads() < 2 {
            return testkit::record::skip("rayon's pool has one thread on this machine");
        }
        let meet = Rendezvous::new(2);
        let met = par_map(&[0, 1], |_| meet.arrive());
        assert!(
            met.iter().all(|&m| m),
            "two items were not mapped at the same time: {}; let rayon split the work \
             (par_iter, with no minimum length and no pool of one thread)",
            meet.explain()
        );
    }
}

/// Whether another thread may map items while this one waits: it is a worker of a rayon
/// pool with others beside it. On the caller's thread, or alone in its pool, waiting for
/// a later item would only stall.
fn others_can_map() -> bool {
    rayon::current_thread_index().is_some() && rayon::current_num_threads() >= 2
}
