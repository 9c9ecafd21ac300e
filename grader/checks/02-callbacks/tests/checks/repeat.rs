use crate::{log, ms, trace};
use callbacks::EventLoop;
use std::cell::Cell;
use std::rc::Rc;
use testkit::check;

check! {
    /// A script with intervals and cancellations: cleared before they run, from another
    /// callback, and from inside an interval's own callback.
    fn script_order() {
        let t = trace();
        let mut el = EventLoop::with_workers(1);
        let ticks = Rc::new(Cell::new(0));
        let (ti, ticks_i) = (Rc::clone(&t), Rc::clone(&ticks));
        let i = el.set_interval(ms(40), move |el, me| {
            ticks_i.set(ticks_i.get() + 1);
            ti.push(format!("I tick {}", ticks_i.get()));
            if ticks_i.get() == 3 {
                ti.push("I clears itself");
                el.clear_timeout(me);
            }
        });
        let tj = Rc::clone(&t);
        let mut j_ticks = 0;
        let j = el.set_interval(ms(50), move |_, _| {
            j_ticks += 1;
            tj.push(format!("J tick {j_ticks}"));
        });
        let k = el.set_timeout(ms(200), log(&t, "K (never: cleared by X)"));
        let d = el.set_timeout(ms(60), log(&t, "D"));
        let e = el.set_timeout(ms(70), log(&t, "E (never: cleared before run)"));
        el.clear_timeout(e);
        let tx = Rc::clone(&t);
        el.set_timeout(ms(110), move |el| {
            tx.push("X clears K, then K again, and D which already ran");
            el.clear_timeout(k);
            el.clear_timeout(k);
            el.clear_timeout(d);
        });
        let ts = Rc::clone(&t);
        el.set_timeout(ms(175), move |el| {
            ts.push("S stops J");
            el.clear_timeout(j);
        });
        let (tg, ticks_g) = (Rc::clone(&t), Rc::clone(&ticks));
        // Also stops I from outside, so a broken self-clear fails instead of running forever.
        el.set_timeout(ms(300), move |el| {
            tg.push(format!("guard: I ticked {} times", ticks_g.get()));
            el.clear_timeout(i);
        });
        assert_eq!(el.run(), Ok(()));
        insta::assert_snapshot!(t.lines(), @r"
        I tick 1
        J tick 1
        D
        I tick 2
        J tick 2
        X clears K, then K again, and D which already ran
        I tick 3
        I clears itself
        J tick 3
        S stops J
        guard: I ticked 3 times
        ");
    }

    /// An interval that clears itself in its first run never runs again.
    fn interval_clears_itself() {
        let mut el = EventLoop::with_workers(1);
        let runs = Rc::new(Cell::new(0));
        let counted = Rc::clone(&runs);
        let interval = el.set_interval(ms(20), move |el, me| {
            counted.set(counted.get() + 1);
            el.clear_timeout(me);
        });
        // Stops the interval from outside too, so a broken self-clear fails instead of
        // running forever.
        el.set_timeout(ms(150), move |el| el.clear_timeout(interval));
        assert_eq!(el.run(), Ok(()));
        assert_eq!(
            runs.get(),
            1,
            "the interval ran {} times in 150 ms although it cleared itself in its first run",
            runs.get()
        );
    }

    /// Clearing twice, clearing a timer that already ran, and clearing from a finished
    /// loop are all harmless.
    fn clear_is_idempotent() {
        let t = trace();
        let mut el = EventLoop::with_workers(1);
        let early = el.set_timeout(ms(5), log(&t, "early ran"));
        let twice = el.set_timeout(ms(10), log(&t, "never"));
        el.clear_timeout(twice);
        el.clear_timeout(twice);
        el.set_timeout(ms(20), move |el| {
            el.clear_timeout(early);
            el.clear_timeout(twice);
        });
        el.set_timeout(ms(30), log(&t, "late ran"));
        assert_eq!(el.run(), Ok(()));
        el.clear_timeout(early);
        assert_eq!(t.events(), ["early ran", "late ran"]);
    }
}
