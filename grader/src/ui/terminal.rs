//! The watch mode's terminal: single keys without Enter, a redrawn screen, and plain
//! appended output when the grader is not talking to a terminal.

use super::Style;
use crate::error::{Error, Result, Stage};
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

#[derive(Debug, PartialEq)]
pub enum Key {
    Char(char),
    Enter,
    /// Ctrl-C, Ctrl-D or `q`'s equivalents that must always end the session.
    Quit,
}

pub struct Terminal {
    /// The settings to restore, when stdin is a terminal put in single-key mode.
    saved: Option<libc::termios>,
    screen: bool,
    style: Style,
    /// Standard input reached its end: no more keys will come.
    keys_ended: bool,
}

impl Terminal {
    pub fn open() -> Result<Terminal> {
        let stdin = std::io::stdin();
        let saved = if stdin.is_terminal() {
            Some(single_keys(stdin.as_raw_fd())?)
        } else {
            None
        };
        let screen = std::io::stdout().is_terminal();
        Ok(Terminal {
            saved,
            screen,
            style: Style::for_stdout(),
            keys_ended: false,
        })
    }

    pub fn style(&self) -> Style {
        self.style
    }

    /// Replaces the screen (on a terminal) or appends the text after a rule (elsewhere).
    pub fn draw(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        if self.screen {
            let _ = write!(out, "\x1b[H\x1b[2J{text}");
        } else {
            let _ = write!(out, "\n{}\n{text}", "-".repeat(72));
        }
        let _ = out.flush();
    }

    /// A line saying what is going on while the screen waits for a grading.
    pub fn status(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// The next key pressed within `wait`, if any.
    pub fn key(&mut self, wait: Duration) -> Result<Option<Key>> {
        if self.keys_ended {
            std::thread::sleep(wait);
            return Ok(None);
        }
        let stdin = std::io::stdin();
        let mut fds = [libc::pollfd {
            fd: stdin.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        let millis = wait.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: poll on one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 1, millis) };
        if ready <= 0 {
            return Ok(None);
        }
        let mut byte = [0u8; 1];
        match stdin.lock().read(&mut byte) {
            Ok(0) | Err(_) => {
                self.keys_ended = true;
                Ok(None)
            }
            Ok(_) => Ok(Some(match byte[0] {
                0x03 | 0x04 => Key::Quit,
                b'\r' | b'\n' => Key::Enter,
                other => Key::Char(char::from(other).to_ascii_lowercase()),
            })),
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // SAFETY: tcsetattr with settings read from the same descriptor.
            unsafe { libc::tcsetattr(std::io::stdin().as_raw_fd(), libc::TCSANOW, saved) };
        }
    }
}

/// Turns off line editing and echo (keys arrive one by one, unseen) and the signal keys
/// (Ctrl-C arrives as a key, so the terminal is always restored). Returns the old settings.
fn single_keys(fd: i32) -> Result<libc::termios> {
    // SAFETY: tcgetattr fills the zeroed structure; tcsetattr reads ours.
    unsafe {
        let mut saved: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut saved) != 0 {
            return Err(Error::new(
                Stage::Terminal,
                format!(
                    "cannot read the terminal's settings: {}",
                    std::io::Error::last_os_error()
                ),
            ));
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        if libc::tcsetattr(fd, libc::TCSANOW, &raw) != 0 {
            return Err(Error::new(
                Stage::Terminal,
                format!(
                    "cannot set up the terminal: {}",
                    std::io::Error::last_os_error()
                ),
            ));
        }
        Ok(saved)
    }
}
