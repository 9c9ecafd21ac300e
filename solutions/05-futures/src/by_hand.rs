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
    Brew::Start { log, cups }
}

/// The states of [`brew_by_hand`]: one per `.await`, holding what lives across it.
#[derive(Debug)]
pub enum Brew {
    Start {
        log: Log,
        cups: u32,
    },
    Grinding {
        log: Log,
        cups: u32,
        grinding: Ticks<u32>,
    },
    Heating {
        log: Log,
        cups: u32,
        beans: u32,
        heating: Ticks<u32>,
    },
    Pouring {
        log: Log,
        cups: u32,
        total: u32,
        cup: u32,
        pouring: Ticks<()>,
    },
    Done,
}

impl Future for Brew {
    type Output = String;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // Every field is Unpin, so the state can be replaced in place.
        let this = &mut *self;
        loop {
            match std::mem::replace(this, Brew::Done) {
                Brew::Start { log, cups } => {
                    log.borrow_mut().push("grinding".to_string());
                    *this = Brew::Grinding {
                        log,
                        cups,
                        grinding: grind(cups),
                    };
                }
                Brew::Grinding {
                    log,
                    cups,
                    mut grinding,
                } => match Pin::new(&mut grinding).poll(cx) {
                    Poll::Pending => {
                        *this = Brew::Grinding {
                            log,
                            cups,
                            grinding,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(beans) => {
                        log.borrow_mut().push(format!("ground {beans} g"));
                        *this = Brew::Heating {
                            log,
                            cups,
                            beans,
                            heating: heat(cups * 250),
                        };
                    }
                },
                Brew::Heating {
                    log,
                    cups,
                    beans,
                    mut heating,
                } => match Pin::new(&mut heating).poll(cx) {
                    Poll::Pending => {
                        *this = Brew::Heating {
                            log,
                            cups,
                            beans,
                            heating,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(water) => {
                        log.borrow_mut().push(format!("heated {water} ml"));
                        let total = beans + water;
                        if cups == 0 {
                            return Poll::Ready(format!("{cups} cups, total {total}"));
                        }
                        *this = Brew::Pouring {
                            log,
                            cups,
                            total,
                            cup: 1,
                            pouring: pour(),
                        };
                    }
                },
                Brew::Pouring {
                    log,
                    cups,
                    mut total,
                    cup,
                    mut pouring,
                } => match Pin::new(&mut pouring).poll(cx) {
                    Poll::Pending => {
                        *this = Brew::Pouring {
                            log,
                            cups,
                            total,
                            cup,
                            pouring,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(()) => {
                        total += cup;
                        log.borrow_mut()
                            .push(format!("poured cup {cup}, total {total}"));
                        if cup == cups {
                            return Poll::Ready(format!("{cups} cups, total {total}"));
                        }
                        *this = Brew::Pouring {
                            log,
                            cups,
                            total,
                            cup: cup + 1,
                            pouring: pour(),
                        };
                    }
                },
                Brew::Done => panic!("Brew polled after it completed"),
            }
        }
    }
}
