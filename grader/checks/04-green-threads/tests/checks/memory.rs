//! The process's memory as the kernel sees it: pages, the memory map, and a counting heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * 1024;

/// The size of a memory page.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// The permissions (`rw-p`, `---p`, ...) of the mapping holding `address` in a
/// `/proc/self/maps` text, or `None` when no mapping holds it.
pub fn permissions_at(maps: &str, address: usize) -> Option<String> {
    maps.lines().find_map(|line| {
        let (range, rest) = line.split_once(' ')?;
        let (start, end) = range.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        (start..end)
            .contains(&address)
            .then(|| rest.split(' ').next().unwrap_or("").to_owned())
    })
}

/// This process's memory map right now (`/proc/self/maps`).
pub fn maps() -> String {
    std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps could not be read")
}

/// The heap allocator of the check program: the system's, counting the allocations each
/// thread makes (reallocations included; frees are not counted).
pub struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // A const-initialised thread-local without a destructor needs no allocation of its own.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Heap allocations made by the calling thread so far.
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: the caller's pointer, layout and size, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer and layout, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}
