//! In a test binary of its own: while standard output is redirected, the test harness
//! must not report another test's result into the capture.

use testkit::capture::capture_fd;

#[test]
fn captures_raw_writes_and_restores_the_descriptor() {
    let (n, captured) = capture_fd(1, || {
        // SAFETY: writing a valid buffer to stdout.
        unsafe { libc::write(1, b"raw bytes\n".as_ptr().cast(), 10) }
    });
    assert_eq!(n, 10);
    assert_eq!(captured, b"raw bytes\n");
    let (_, nothing) = capture_fd(1, || ());
    assert!(nothing.is_empty());
}
