//! Finding the C library's own definition of a function that testkit defines in the check
//! program in its place (the linker prefers the program's), so the wrapper can pass calls
//! on. Runs inside `syscall` and `pthread_create`, so it neither allocates nor locks.

use std::ffi::CStr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The next definition of `name` after this program's (`dlsym(RTLD_NEXT)`), found once and
/// kept in `cache`. Without it nothing can go on, so the process says so and aborts;
/// `missing` is that message.
pub(crate) fn next_definition(
    cache: &AtomicPtr<libc::c_void>,
    name: &CStr,
    missing: &'static [u8],
) -> *mut libc::c_void {
    let known = cache.load(Ordering::Acquire);
    if !known.is_null() {
        return known;
    }
    // SAFETY: dlsym with a NUL-terminated name.
    let found = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) };
    if found.is_null() {
        // SAFETY: write and abort are async-signal-safe and take valid arguments.
        unsafe {
            libc::write(2, missing.as_ptr().cast(), missing.len());
            libc::abort();
        }
    }
    cache.store(found, Ordering::Release);
    found
}
