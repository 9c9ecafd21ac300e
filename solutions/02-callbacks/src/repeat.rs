//! Step 2 — cancellation and repetition.

use crate::timers::{EventLoop, Timer, TimerId};
use std::time::{Duration, Instant};

impl EventLoop {
    /// Cancels a timer or an interval. Clearing a timer that already ran, or was already
    /// cleared, does nothing. An interval may clear itself from inside its own callback:
    /// it then never runs again.
    pub fn clear_timeout(&mut self, id: TimerId) {
        if let Some(key) = self.live.remove(&id) {
            self.timers.remove(&key);
        }
    }

    /// Runs `callback` every `period`, first one period from now, until the interval is
    /// cleared. Each run is due one period after the previous one was due. The callback
    /// receives the interval's own id, so it can clear itself.
    ///
    /// # Panics
    /// When `period` is zero (it would never let other timers run).
    pub fn set_interval(
        &mut self,
        period: Duration,
        callback: impl FnMut(&mut EventLoop, TimerId) + 'static,
    ) -> TimerId {
        assert!(
            !period.is_zero(),
            "an interval needs a period longer than zero"
        );
        let id = TimerId(self.next_seq);
        let timer = Timer::Every {
            period,
            callback: Box::new(callback),
        };
        self.insert(Instant::now() + period, id, timer);
        id
    }
}
