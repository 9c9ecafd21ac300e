use crate::ms;
use futures::channel::oneshot;
use futures::executor::block_on;
use stackless::by_hand::{Log, brew_by_hand};
use stackless::combinators::{join, join_all, select};
use stackless::leaf::{count_down, delay};
use stackless::pinning::count_words;
use testkit::check;

check! {
    /// Everything also runs on `futures::executor::block_on`, together with a `futures`
    /// channel completed from another thread.
    fn on_futures_executor() {
        let report = block_on(async {
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
            let raced = select(Box::pin(delay(ms(300))), Box::pin(count_down(2))).await;
            let words = count_words("pinned futures stay put").await;
            let brewed = brew_by_hand(Log::default(), 1).await;
            format!("{from_thread:?} {many:?} {raced:?} {words} {brewed}")
        });
        insta::assert_snapshot!(report, @"Ok(7) [1, 2, 3] Right(()) 4 1 cups, total 266");
    }
}
