use std::io::Write;
use testkit::fork::{ChildEnd, in_child};

#[test]
fn reports_exits_signals_and_messages() {
    let (end, report) = in_child(|out| out.write_all(b"hello from the child").unwrap());
    assert_eq!(end, ChildEnd::Exited(0));
    assert_eq!(report, b"hello from the child");
    let (end, _) = in_child(|_| std::process::abort());
    assert_eq!(end, ChildEnd::Signaled(libc::SIGABRT));
    // SAFETY: ends the child with a chosen status.
    let (end, _) = in_child(|_| unsafe { libc::_exit(42) });
    assert_eq!(end, ChildEnd::Exited(42));
}
