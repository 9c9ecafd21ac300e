//! Step 2 — an executor with `spawn` and `JoinHandle`.

use crate::reactor::Reactor;
use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// The id of the future given to [`Runtime::block_on`].
const MAIN: usize = usize::MAX;

/// A task: its future, and its waker (made once, cloned by whoever waits for it).
type Task = (Pin<Box<dyn Future<Output = ()>>>, Waker);

/// What wakers share with the executor: the ids of the tasks to poll.
#[derive(Default)]
struct ReadyQueue {
    state: Mutex<Ready>,
    bell: Condvar,
}

#[derive(Default)]
struct Ready {
    ids: VecDeque<usize>,
    /// Set while the executor waits on `bell`. Ringing the bell costs a system call, so a
    /// wake rings it only then; the flag is read under the same lock the executor set it
    /// under, so no wake can slip between the executor's last look at the queue and its
    /// wait.
    sleeping: bool,
}

impl ReadyQueue {
    fn push(&self, id: usize) {
        let mut ready = self.state.lock().unwrap();
        ready.ids.push_back(id);
        if ready.sleeping {
            // Once rung, later wakes need not ring again before the executor looks.
            ready.sleeping = false;
            self.bell.notify_one();
        }
    }

    /// The next id to poll, sleeping until there is one.
    fn pop(&self) -> usize {
        let mut ready = self.state.lock().unwrap();
        loop {
            if let Some(id) = ready.ids.pop_front() {
                return id;
            }
            ready.sleeping = true;
            ready = self.bell.wait(ready).unwrap();
            ready.sleeping = false;
        }
    }
}

/// A task's waker: wakes by queueing the task's id. Holding no task, it can never keep a
/// task alive, and waking it after the runtime is gone only fills a queue nobody reads.
struct TaskWaker {
    id: usize,
    queue: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.id);
    }
}

struct Inner {
    queue: Arc<ReadyQueue>,
    tasks: RefCell<HashMap<usize, Task>>,
    next_id: RefCell<usize>,
    reactor: Arc<Reactor>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

/// The reactor of the runtime running on this thread.
pub(crate) fn current_reactor() -> Arc<Reactor> {
    CURRENT.with(|current| {
        let current = current.borrow();
        let inner = current
            .as_ref()
            .expect("no runtime is running on this thread");
        Arc::clone(&inner.reactor)
    })
}

/// A single-threaded runtime: an executor and its reactor.
///
/// - [`Runtime::block_on`] runs a main future on the current thread together with every
///   task [`spawn`]ed meanwhile, and returns when the main future completes.
/// - A task is polled only after its waker was woken; with nothing to poll, the thread
///   sleeps until a waker is woken (from any thread).
/// - A finished task's future is dropped at once; tasks still pending when the runtime is
///   dropped are dropped with it.
/// - Dropping the runtime stops its reactor thread and closes its file descriptors.
pub struct Runtime {
    inner: Rc<Inner>,
}

impl Runtime {
    pub fn new() -> io::Result<Runtime> {
        Ok(Runtime {
            inner: Rc::new(Inner {
                queue: Arc::default(),
                tasks: RefCell::default(),
                next_id: RefCell::new(0),
                reactor: Reactor::start()?,
            }),
        })
    }

    /// Runs `main`, and the tasks it spawns, until `main` completes.
    ///
    /// # Panics
    /// When a runtime is already running on this thread.
    pub fn block_on<F: Future>(&mut self, main: F) -> F::Output {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            assert!(
                current.is_none(),
                "a runtime is already running on this thread"
            );
            *current = Some(Rc::clone(&self.inner));
        });
        let _leave = Leave;
        let mut main = std::pin::pin!(main);
        let main_waker = self.waker(MAIN);
        self.inner.queue.push(MAIN);
        loop {
            let id = self.inner.queue.pop();
            if id == MAIN {
                if let Poll::Ready(out) = main.as_mut().poll(&mut Context::from_waker(&main_waker))
                {
                    return out;
                }
                continue;
            }
            // Taken out while it runs, so that it can spawn without a double borrow.
            let Some((mut task, waker)) = self.inner.tasks.borrow_mut().remove(&id) else {
                continue; // finished already: a late wake
            };
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
            {
                self.inner.tasks.borrow_mut().insert(id, (task, waker));
            }
        }
    }

    fn waker(&self, id: usize) -> Waker {
        task_waker(id, &self.inner.queue)
    }
}

fn task_waker(id: usize, queue: &Arc<ReadyQueue>) -> Waker {
    Waker::from(Arc::new(TaskWaker {
        id,
        queue: Arc::clone(queue),
    }))
}

/// Clears the thread's current runtime when `block_on` ends, also by a panic.
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        CURRENT.with(|current| current.borrow_mut().take());
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks first: they may own streams and timers registered with the reactor.
        let tasks = std::mem::take(&mut *self.inner.tasks.borrow_mut());
        drop(tasks);
        self.inner.reactor.shut_down();
    }
}

/// Why a task did not produce its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    /// The task's panic message.
    pub panic: String,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.panic)
    }
}

impl std::error::Error for JoinError {}

struct JoinState<T> {
    result: Option<Result<T, JoinError>>,
    waiter: Option<Waker>,
}

/// Awaits a spawned task's output: `Ok(value)`, or `Err` if the task panicked. Dropping
/// the handle does not cancel the task.
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.state.borrow_mut();
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Starts `future` as a task of the runtime running on this thread.
///
/// # Panics
/// Outside [`Runtime::block_on`].
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    let state = Rc::new(RefCell::new(JoinState {
        result: None,
        waiter: None,
    }));
    let finished = Rc::clone(&state);
    let task = async move {
        let result = CatchUnwind(Box::pin(future))
            .await
            .map_err(|payload| JoinError {
                panic: panic_text(&*payload),
            });
        let waiter = {
            let mut state = finished.borrow_mut();
            state.result = Some(result);
            state.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    };
    CURRENT.with(|current| {
        let current = current.borrow();
        let inner = current
            .as_ref()
            .expect("spawn called outside Runtime::block_on");
        let id = {
            let mut next = inner.next_id.borrow_mut();
            *next += 1;
            *next
        };
        let waker = task_waker(id, &inner.queue);
        inner.tasks.borrow_mut().insert(id, (Box::pin(task), waker));
        inner.queue.push(id);
    });
    JoinHandle { state }
}

/// Polls a future, turning a panic into an `Err`.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic>".to_owned()
    }
}
