//! Step 2 — cancellation and repetition.

use crate::timers::{EventLoop, TimerId};
use std::time::Duration;

impl EventLoop {
    /// Cancels a timer or an interval. Clearing a timer that already ran, or was already
    /// cleared, does nothing. An interval may clear itself from inside its own callback:
    /// it then never runs again.
    pub fn clear_timeout(&mut self, id: TimerId) {
        todo!()
    }

    /// Runs `callback` every `period`, first one period from now, until the interval is
    /// cleared. Each run is due one period after the previous one was due. The callback
    /// receives the interval's own id, so it can clear itself.
    ///
    /// # Panics
    /// When `period` is zero (it would never let other timers run).
    ///
    /// Hint: while an interval's callback runs, it is out of your timer map. Decide after
    /// the callback returns whether to put it back: not if it was cleared meanwhile (which
    /// `clear_timeout` records in a field of the loop, since it finds nothing in the map).
    /// The interval keeps its id from run to run; `TimerId`'s field is `pub(crate)` so this
    /// module can make one.
    pub fn set_interval(
        &mut self,
        period: Duration,
        callback: impl FnMut(&mut EventLoop, TimerId) + 'static,
    ) -> TimerId {
        todo!()
    }
}
