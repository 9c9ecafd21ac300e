//! Keeping a check's output within bounds: its beginning and its end, with the middle cut.

use std::fs::File;
use std::io::{self, Read};

/// Output kept from the start and from the end of a check's output.
const KEEP_HEAD: usize = 24 * 1024;
const KEEP_TAIL: usize = 24 * 1024;

/// Keeps the beginning and the end of a stream, counting what was cut.
#[derive(Default)]
pub struct CappedOutput {
    head: Vec<u8>,
    tail: Vec<u8>,
    pub total: usize,
}

impl CappedOutput {
    /// Reads what is available (at most 1 MiB, so a flood cannot keep the caller here).
    /// Returns `false` at end of file.
    pub fn drain(&mut self, from: &mut File) -> io::Result<bool> {
        let mut buf = [0u8; 16 * 1024];
        for _ in 0..64 {
            match from.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => self.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        if self.head.len() < KEEP_HEAD {
            let take = bytes.len().min(KEEP_HEAD - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * KEEP_TAIL {
            self.tail.drain(..self.tail.len() - KEEP_TAIL);
        }
    }

    pub fn text(&self) -> String {
        let tail_start = self.tail.len().saturating_sub(KEEP_TAIL);
        let cut = self.total - self.head.len() - (self.tail.len() - tail_start);
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if cut > 0 {
            text.push_str(&format!("\n[... {cut} bytes of output cut ...]\n"));
        }
        text.push_str(&String::from_utf8_lossy(&self.tail[tail_start..]));
        text
    }
}
