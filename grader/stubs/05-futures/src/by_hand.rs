//! Step 2 — an `async fn`, by hand.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A shared list of what happened, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

/// Returns `Pending` `polls` times (waking itself), then `Ready(value)`. The leaf the
/// recipe below awaits; given, not part of the exercise.
#[derive(Debug)]
pub struct Ticks<T> {
    polls: u32,
    value: Option<T>,
}

impl<T> Unpin for Ticks<T> {}

impl<T> Future for Ticks<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.polls == 0 {
            return Poll::Ready(self.value.take().expect("polled after completion"));
        }
        self.polls -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Grinding takes two polls and yields 15 g of beans per cup.
pub fn grind(cups: u32) -> Ticks<u32> {
    Ticks {
        polls: 2,
        value: Some(cups * 15),
    }
}

/// Heating takes three polls and yields the millilitres asked for.
pub fn heat(ml: u32) -> Ticks<u32> {
    Ticks {
        polls: 3,
        value: Some(ml),
    }
}

/// Pouring a cup takes one poll.
pub fn pour() -> Ticks<()> {
    Ticks {
        polls: 1,
        value: Some(()),
    }
}

/// The same behaviour as this `async fn`, written as an explicit state machine:
///
/// ```
/// # use stackless::by_hand::{Log, grind, heat, pour};
/// async fn brew(log: Log, cups: u32) -> String {
///     log.borrow_mut().push("grinding".to_string());
///     let beans = grind(cups).await;
///     log.borrow_mut().push(format!("ground {beans} g"));
///     let water = heat(cups * 250).await;
///     log.borrow_mut().push(format!("heated {water} ml"));
///     let mut total = beans + water;
///     for cup in 1..=cups {
///         pour().await;
///         total += cup;
///         log.borrow_mut().push(format!("poured cup {cup}, total {total}"));
///     }
///     format!("{cups} cups, total {total}")
/// }
///
/// let log = Log::default();
/// let served = futures::executor::block_on(brew(log.clone(), 2));
/// assert_eq!(served, "2 cups, total 533");
/// assert_eq!(log.borrow().last().unwrap(), "poured cup 2, total 533");
/// ```
///
/// It must log the same lines at the same polls, return the same value, and be no larger
/// than a state machine that keeps in each state only what is still needed after that
/// point (the compiler's own future for that `async fn` keeps more).
pub fn brew_by_hand(log: Log, cups: u32) -> Brew {
    todo!()
}

/// The states of [`brew_by_hand`]: one per `.await`, holding what lives across it.
///
/// Hint: add a variant for each `.await` (grinding, heating, pouring), holding the leaf
/// future being awaited and the locals still needed afterwards, plus one for "finished".
/// `poll` loops: it polls the current state's leaf, and on `Ready` runs the code up to the
/// next `.await` and moves to that state; on `Pending` it returns `Pending`. Every leaf is
/// `Unpin` (`Ticks` says so) and so are `Log` and the numbers, so `Brew` is `Unpin`:
/// `self.get_mut()` gives `&mut Brew`, a leaf is polled with `Pin::new(&mut leaf).poll(cx)`,
/// and `std::mem::replace(this, Brew::Done)` takes the current state out by value (the
/// finished variant doubles as the placeholder).
#[derive(Debug)]
pub enum Brew {
    Start { log: Log, cups: u32 },
}

impl Future for Brew {
    type Output = String;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        todo!()
    }
}
