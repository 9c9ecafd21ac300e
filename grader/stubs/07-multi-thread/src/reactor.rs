//! Given — the reactor: epoll readiness and timers, turned into wakes, for every worker.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

thread_local! {
    /// The reactor that `sleep` and `TcpStream` use on this thread, set by [`enter`].
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Makes `reactor` the one this thread's sleeps and streams use, until the guard is
/// dropped (the previous one, if any, comes back then). Each worker thread, and the
/// thread running `Runtime::block_on`, enters the runtime's reactor.
pub fn enter(reactor: Arc<Reactor>) -> Entered {
    let previous = CURRENT.with(|current| current.replace(Some(reactor)));
    Entered { previous }
}

/// Restores the reactor entered before, when dropped; see [`enter`].
pub struct Entered {
    previous: Option<Arc<Reactor>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: a guard dropped while the thread's locals are torn down has nothing
        // left to restore.
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}

/// The reactor entered on this thread.
///
/// # Panics
/// When none is: outside the runtime's workers and `block_on`.
pub(crate) fn current_reactor() -> Arc<Reactor> {
    CURRENT
        .with(|current| current.borrow().clone())
        .expect("sleep and TcpStream work only on the runtime's threads: a worker, or inside Runtime::block_on")
}

/// The token of the reactor's own eventfd.
const NOTIFY: u64 = u64::MAX;

/// Which readiness an I/O future waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

/// Readiness seen for one registered descriptor, and who waits for it.
#[derive(Default)]
struct Io {
    /// Set by an event, cleared by the future that consumes it: an event that arrives
    /// while no waker is stored is kept here instead of being lost.
    ready: [bool; 2],
    wakers: [Option<Waker>; 2],
}

#[derive(Default)]
struct State {
    ios: HashMap<u64, Io>,
    next_token: u64,
    timers: BTreeMap<(Instant, u64), Waker>,
    next_timer: u64,
    stopping: bool,
}

/// One epoll instance and one thread that waits on it.
///
/// The thread sleeps in `epoll_wait` until a registered descriptor becomes ready or the
/// nearest timer is due (its deadline is the wait's timeout: no thread per timer), then
/// wakes the wakers waiting for that. An eventfd lets other threads interrupt the wait,
/// when a nearer timer is added or when the reactor shuts down.
pub struct Reactor {
    epoll: OwnedFd,
    notify: File,
    state: Mutex<State>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn cvt(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

impl Reactor {
    /// Creates the epoll instance and the eventfd, and starts the reactor thread.
    pub fn start() -> io::Result<Arc<Reactor>> {
        // SAFETY: each call returns a new descriptor or -1, checked by `cvt`.
        let (epoll, notify) = unsafe {
            let epoll = OwnedFd::from_raw_fd(cvt(libc::epoll_create1(libc::EPOLL_CLOEXEC))?);
            let notify = File::from_raw_fd(cvt(libc::eventfd(
                0,
                libc::EFD_CLOEXEC | libc::EFD_NONBLOCK,
            ))?);
            (epoll, notify)
        };
        let reactor = Arc::new(Reactor {
            epoll,
            notify,
            state: Mutex::default(),
            thread: Mutex::new(None),
        });
        reactor.control(libc::EPOLL_CTL_ADD, reactor.notify.as_raw_fd(), NOTIFY)?;
        let running = Arc::clone(&reactor);
        let thread = thread::Builder::new()
            .name("reactor".into())
            .spawn(move || running.run())?;
        *reactor.thread.lock().unwrap() = Some(thread);
        Ok(reactor)
    }

    fn control(&self, op: libc::c_int, fd: RawFd, token: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
            u64: token,
        };
        // SAFETY: `event` is valid for the call.
        cvt(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    /// Interrupts the reactor thread's wait.
    fn notify(&self) {
        let _ = (&self.notify).write(&1u64.to_ne_bytes());
    }

    /// Stops the thread and waits for it. The descriptors close when the last reference
    /// to the reactor goes.
    pub fn shut_down(&self) {
        self.state.lock().unwrap().stopping = true;
        self.notify();
        if let Some(thread) = self.thread.lock().unwrap().take() {
            let _ = thread.join();
        }
    }

    fn run(&self) {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        loop {
            let timeout = {
                let state = self.state.lock().unwrap();
                if state.stopping {
                    return;
                }
                match state.timers.keys().next() {
                    None => -1,
                    Some((deadline, _)) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        left.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int
                    }
                }
            };
            // SAFETY: `events` has room for `events.len()` entries.
            let n = unsafe {
                libc::epoll_wait(
                    self.epoll.as_raw_fd(),
                    events.as_mut_ptr(),
                    events.len() as libc::c_int,
                    timeout,
                )
            };
            let n = match cvt(n) {
                Ok(n) => n as usize,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                Err(e) => panic!("epoll_wait failed: {e}"),
            };
            let mut to_wake = Vec::new();
            {
                let mut state = self.state.lock().unwrap();
                for event in &events[..n] {
                    let (bits, token) = (event.events as libc::c_int, event.u64);
                    if token == NOTIFY {
                        let _ = (&self.notify).read(&mut [0u8; 8]);
                        continue;
                    }
                    let Some(io) = state.ios.get_mut(&token) else {
                        continue;
                    };
                    let closed = libc::EPOLLHUP | libc::EPOLLERR;
                    let readable = bits & (libc::EPOLLIN | libc::EPOLLRDHUP | closed) != 0;
                    let writable = bits & (libc::EPOLLOUT | closed) != 0;
                    for (direction, ready) in [(0, readable), (1, writable)] {
                        if ready {
                            io.ready[direction] = true;
                            to_wake.extend(io.wakers[direction].take());
                        }
                    }
                }
                let now = Instant::now();
                while let Some(entry) = state.timers.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    to_wake.push(entry.remove());
                }
            }
            // Outside the lock: a woken task may register again at once.
            to_wake.into_iter().for_each(Waker::wake);
        }
    }

    /// Starts watching `fd` (edge-triggered, reading and writing); returns its token.
    pub fn register(&self, fd: RawFd) -> io::Result<u64> {
        let token = {
            let mut state = self.state.lock().unwrap();
            let token = state.next_token;
            state.next_token += 1;
            state.ios.insert(token, Io::default());
            token
        };
        if let Err(e) = self.control(libc::EPOLL_CTL_ADD, fd, token) {
            self.state.lock().unwrap().ios.remove(&token);
            return Err(e);
        }
        Ok(token)
    }

    /// Stops watching `fd` and forgets its waiters.
    pub fn deregister(&self, fd: RawFd, token: u64) {
        // SAFETY: a null event is allowed for EPOLL_CTL_DEL.
        unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut(),
            )
        };
        self.state.lock().unwrap().ios.remove(&token);
    }

    /// `Ready` if readiness in `direction` was seen since the last call that returned
    /// `Ready` (and forgets it); otherwise stores the waker, under the same lock the reactor
    /// thread takes to record readiness, and returns `Pending`.
    ///
    /// An I/O future calls this after its operation returned `WouldBlock`, and retries the
    /// operation on `Ready`.
    pub fn poll_ready(&self, token: u64, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let index = direction as usize;
        let mut state = self.state.lock().unwrap();
        let Some(io) = state.ios.get_mut(&token) else {
            return Poll::Ready(()); // deregistered: let the operation report the error
        };
        if std::mem::take(&mut io.ready[index]) {
            return Poll::Ready(());
        }
        io.wakers[index] = Some(cx.waker().clone());
        Poll::Pending
    }

    fn add_timer(&self, deadline: Instant, waker: Waker) -> u64 {
        let mut state = self.state.lock().unwrap();
        let id = state.next_timer;
        state.next_timer += 1;
        let nearest = state
            .timers
            .keys()
            .next()
            .is_none_or(|(d, _)| deadline < *d);
        state.timers.insert((deadline, id), waker);
        drop(state);
        if nearest {
            self.notify();
        }
        id
    }

    /// Replaces the waker of a pending timer; `false` if it already fired.
    fn update_timer(&self, key: (Instant, u64), waker: &Waker) -> bool {
        let mut state = self.state.lock().unwrap();
        match state.timers.get_mut(&key) {
            Some(stored) => {
                if !stored.will_wake(waker) {
                    *stored = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    fn cancel_timer(&self, key: (Instant, u64)) {
        self.state.lock().unwrap().timers.remove(&key);
    }
}

/// Completes `duration` after it is first polled; see [`sleep`].
pub struct Sleep {
    duration: Duration,
    timer: Option<(Arc<Reactor>, (Instant, u64))>,
}

/// A future that completes after `duration`. The deadline is kept by the runtime's
/// reactor, not by a thread of its own. Dropping it early cancels the timer (and drops
/// its waker).
///
/// # Panics
/// When first polled on a thread that did not [`enter`] a reactor.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        duration,
        timer: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.timer {
            None => {
                let reactor = current_reactor();
                let deadline = Instant::now() + self.duration;
                let id = reactor.add_timer(deadline, cx.waker().clone());
                self.timer = Some((reactor, (deadline, id)));
                Poll::Pending
            }
            Some((reactor, key)) => {
                if Instant::now() >= key.0 || !reactor.update_timer(*key, cx.waker()) {
                    reactor.cancel_timer(*key);
                    self.timer = None;
                    self.duration = Duration::ZERO;
                    // A completed sleep stays completed.
                    return Poll::Ready(());
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((reactor, key)) = self.timer.take() {
            reactor.cancel_timer(key);
        }
    }
}
