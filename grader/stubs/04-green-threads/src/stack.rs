//! Task stacks: mapped memory with a guard page below.

use std::io;

/// A stack of at least the requested size, with one inaccessible page below it, so that
/// overflowing it faults at once (SIGSEGV) instead of silently overwriting other memory.
/// Unmapped on drop.
///
/// Hint: `libc::mmap` a private anonymous region one page larger than needed, then
/// `libc::mprotect` its lowest page to `PROT_NONE`; `libc::munmap` it in `Drop`.
#[derive(Debug)]
pub struct Stack {
    // Replace this with what you need to find and unmap the memory.
    _todo: (),
}

impl Stack {
    pub fn new(size: usize) -> io::Result<Stack> {
        todo!()
    }

    /// The highest address of the stack (stacks grow down from here); page-aligned.
    pub fn top(&self) -> usize {
        todo!()
    }

    /// The usable size, without the guard page.
    pub fn size(&self) -> usize {
        todo!()
    }
}
