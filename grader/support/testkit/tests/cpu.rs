//! In a test binary of its own: CPU time is measured for the whole process, and other
//! tests running beside it (panicking ones print backtraces) would add to it.

use std::time::{Duration, Instant};
use testkit::cpu::measure;

#[test]
fn sleeping_and_spinning_are_told_apart() {
    let (_, asleep) = measure(|| std::thread::sleep(Duration::from_millis(100)));
    let (_, busy) = measure(|| {
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    });
    assert!(asleep.judge_waiting("sleep", 0.25).is_ok(), "{asleep:?}");
    let message = busy.judge_waiting("spin", 0.25).unwrap_err();
    assert!(
        message.contains("spinning instead of sleeping"),
        "{message}"
    );
}
