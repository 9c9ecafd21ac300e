//! Task stacks: mapped memory with a guard page below.

use std::io;

/// A stack of at least the requested size, with one inaccessible page below it, so that
/// overflowing it faults at once (SIGSEGV) instead of silently overwriting other memory.
/// Unmapped on drop.
#[derive(Debug)]
pub struct Stack {
    base: *mut u8,
    mapped: usize,
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

impl Stack {
    pub fn new(size: usize) -> io::Result<Stack> {
        let page = page_size();
        let usable = size.max(page).div_ceil(page) * page;
        let mapped = usable + page;
        // SAFETY: a fresh private anonymous mapping; checked for failure below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the lowest page of the mapping we own becomes the guard.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            let error = io::Error::last_os_error();
            // SAFETY: unmapping what was just mapped.
            unsafe { libc::munmap(base, mapped) };
            return Err(error);
        }
        Ok(Stack {
            base: base.cast(),
            mapped,
        })
    }

    /// The highest address of the stack (stacks grow down from here); page-aligned.
    pub fn top(&self) -> usize {
        self.base as usize + self.mapped
    }

    /// The usable size, without the guard page.
    pub fn size(&self) -> usize {
        self.mapped - page_size()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.mapped) };
    }
}
