//! In a test binary of its own: CPU time is measured for the whole process, and other
//! tests running beside it (panicking ones print backtraces) would add to it.

use std::time::{Duration, Instant};
use testkit::cpu::measure;

/// One test, not two: both measure the whole process.
#[test]
fn sleeping_and_spinning_are_told_apart_idle_and_on_a_saturated_machine() {
    idle();
    saturated();
}

fn idle() {
    let (_, asleep) = measure(|| std::thread::sleep(Duration::from_millis(100)));
    let (_, busy) = measure(|| {
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    });
    assert!(asleep.judge_waiting("sleep", 0.5).is_ok(), "{asleep:?}");
    let message = busy
        .judge_waiting("spin", 0.5)
        .expect_err(&format!("{busy:?}"));
    assert!(
        message.contains("spinning instead of sleeping"),
        "{message}"
    );
}

fn saturated() {
    // Four spinning processes more than a small machine has cores: each thread gets a
    // fraction of a core, the measured one and the control alike.
    let mut load: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .unwrap()
        })
        .collect();
    let (_, asleep) = measure(|| std::thread::sleep(Duration::from_millis(200)));
    let (_, busy) = measure(|| {
        let until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    });
    for child in &mut load {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(asleep.judge_waiting("sleep", 0.5).is_ok(), "{asleep:?}");
    assert!(busy.judge_waiting("spin", 0.5).is_err(), "{busy:?}");
}
