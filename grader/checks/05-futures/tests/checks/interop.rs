use crate::ms;
use futures::channel::oneshot;
use futures::executor::block_on;
use stackless::by_hand::{Log, brew_by_hand};
use stackless::combinators::{Either, join, join_all, select};
use stackless::leaf::{count_down, delay};
use stackless::pinning::count_words;
use std::time::Instant;
use testkit::{attempts, check};

check! {
    /// Everything also runs on `futures::executor::block_on`, together with a `futures`
    /// channel completed from another thread.
    fn on_futures_executor() {
        let (from_thread, many, words, brewed) = block_on(async {
            let (tx, rx) = oneshot::channel::<u32>();
            let sender = std::thread::spawn(move || {
                std::thread::sleep(ms(50));
                tx.send(7).unwrap();
            });
            let (from_thread, ()) = join(rx, delay(ms(20))).await;
            sender.join().unwrap();
            let many = join_all((1..=3u32).map(|n| Box::pin(async move {
                count_down(n).await;
                n
            })).collect()).await;
            let words = count_words("pinned futures stay put").await;
            let brewed = brew_by_hand(Log::default(), 1).await;
            (from_thread, many, words, brewed)
        });
        // A count-down of 2 beats a 300 ms delay unless the runner is held up 300 ms between
        // two polls, when the delay wins rightly: such a race is run again, not judged.
        let what = "a race of a count-down with a 300 ms delay";
        let Some(raced) = attempts::undisturbed_or_skip(what, || {
            let started = Instant::now();
            let raced = block_on(select(Box::pin(delay(ms(300))), Box::pin(count_down(2))));
            let took = started.elapsed();
            match raced {
                Either::Left(()) if took >= ms(300) => Err(format!(
                    "the delay won a race that took {:.0} ms",
                    took.as_secs_f64() * 1e3
                )),
                raced => Ok(raced),
            }
        }) else {
            return;
        };
        let report = format!("{from_thread:?} {many:?} {raced:?} {words} {brewed}");
        insta::assert_snapshot!(report, @"Ok(7) [1, 2, 3] Right(()) 4 1 cups, total 266");
    }
}
