use epoll::syscall::{libc_write, raw_write};
use std::os::fd::AsRawFd;
use testkit::capture::capture_fd;
use testkit::check;

check! {
    /// Both writes reach standard output; errors come back as the kernel reported them.
    fn writes_snapshot() {
        if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
            return testkit::record::skip("the raw `syscall` instruction of this step is x86-64 Linux only");
        }
        let (results, stdout) = capture_fd(1, || {
            [
                raw_write(1, b"hello from a raw syscall\n"),
                libc_write(1, b"hello through libc\n"),
                raw_write(1, b""),
                libc_write(1, b""),
            ]
        });
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let errors = [
            raw_write(-1, b"x"),
            libc_write(-1, b"x"),
            raw_write(writer.as_raw_fd(), b"x"),
            libc_write(writer.as_raw_fd(), b"x"),
        ];
        let shown = |r: &std::io::Result<usize>| match r {
            Ok(n) => format!("Ok({n})"),
            Err(e) => format!("Err({e})"),
        };
        let mut report = String::new();
        for (what, r) in ["raw", "libc", "raw, empty", "libc, empty"].iter().zip(&results) {
            report += &format!("{what}: {}\n", shown(r));
        }
        report += &format!("stdout: {:?}\n", String::from_utf8_lossy(&stdout));
        for (what, r) in ["bad fd, raw", "bad fd, libc", "closed pipe, raw", "closed pipe, libc"]
            .iter()
            .zip(&errors)
        {
            report += &format!("{what}: {}\n", shown(r));
        }
        insta::assert_snapshot!(report, @r#"
        raw: Ok(25)
        libc: Ok(19)
        raw, empty: Ok(0)
        libc, empty: Ok(0)
        stdout: "hello from a raw syscall\nhello through libc\n"
        bad fd, raw: Err(Bad file descriptor (os error 9))
        bad fd, libc: Err(Bad file descriptor (os error 9))
        closed pipe, raw: Err(Broken pipe (os error 32))
        closed pipe, libc: Err(Broken pipe (os error 32))
        "#);
    }
}
