//! Counting the system calls of a stretch of code, for claims such as "a yield is a switch
//! of registers, nothing more".
//!
//! [`trap_from_now`] installs a seccomp filter on the calling thread: from then on every
//! system call but `write`, `exit`, `exit_group` and `rt_sigreturn` is not made, but
//! reported to a `SIGSYS` handler, which counts it and makes it fail with `ENOSYS`. A
//! filter cannot be taken back, so this belongs in a child process of its own
//! ([`crate::fork::in_child`]) that writes its findings to its pipe and exits.

use std::sync::atomic::{AtomicUsize, Ordering};

static TRAPPED: AtomicUsize = AtomicUsize::new(0);

/// The system calls still allowed: enough to report through a pipe and exit, and to
/// return from the handler.
const ALLOWED: [libc::c_long; 4] = [
    libc::SYS_write,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_rt_sigreturn,
];

/// `seccomp_data`: the system call's number, then the architecture.
const NUMBER_AT: u32 = 0;
const ARCH_AT: u32 = 4;
/// `AUDIT_ARCH_X86_64` from `linux/audit.h`: 64-bit, little-endian, machine 62.
const X86_64: u32 = 0xc000_003e;

fn statement(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump_if_equal(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// From now on, this thread's system calls (but the few in [`ALLOWED`]) fail with
/// `ENOSYS` and are counted. Panics when the kernel refuses the filter.
pub fn trap_from_now() {
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let allow = statement(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW);
    let trap = statement(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_TRAP);
    let count = ALLOWED.len() as u8;
    let mut program = vec![
        statement(load, ARCH_AT),
        // Another architecture's calls (none are expected) are left alone.
        jump_if_equal(X86_64, 1, 0),
        allow,
        statement(load, NUMBER_AT),
    ];
    for (i, number) in ALLOWED.iter().enumerate() {
        // On a match, jump over the remaining tests and the trap, to the allow at the end.
        let to_allow = count - i as u8;
        program.push(jump_if_equal(*number as u32, to_allow, 0));
    }
    program.push(trap);
    program.push(allow);
    let filter = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: a handler that only touches an atomic and the interrupted context; sigaction
    // and prctl get valid pointers that outlive the calls.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigsys as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSYS, &action, std::ptr::null_mut()),
            0,
            "sigaction"
        );
        assert_eq!(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            0,
            "no_new_privs"
        );
        let set = libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER as libc::c_ulong,
            &filter as *const libc::sock_fprog,
        );
        assert_eq!(set, 0, "the kernel refused the seccomp filter");
    }
}

/// System calls trapped so far.
pub fn trapped() -> usize {
    TRAPPED.load(Ordering::SeqCst)
}

extern "C" fn on_sigsys(_: libc::c_int, _: *mut libc::siginfo_t, context: *mut libc::c_void) {
    TRAPPED.fetch_add(1, Ordering::SeqCst);
    let context = context.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes the interrupted thread's context; the call's result goes
    // in RAX on x86-64.
    unsafe {
        (*context).uc_mcontext.gregs[libc::REG_RAX as usize] =
            -libc::c_longlong::from(libc::ENOSYS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fork::{ChildEnd, in_child};
    use std::os::fd::AsRawFd;

    #[test]
    fn counts_the_calls_after_the_filter_and_nothing_before() {
        let (end, out) = in_child(|pipe| {
            let fd = pipe.as_raw_fd();
            // SAFETY: getpid has no preconditions.
            unsafe { libc::getpid() };
            trap_from_now();
            let quiet = trapped();
            // SAFETY: as above; each call is trapped and fails.
            let failed = unsafe { libc::syscall(libc::SYS_getpid) } == -1;
            unsafe { libc::syscall(libc::SYS_sched_yield) };
            let text = format!("{quiet} {} {failed}", trapped());
            // SAFETY: write to the pipe (allowed), then exit (allowed).
            unsafe {
                libc::write(fd, text.as_ptr().cast(), text.len());
                libc::_exit(0);
            }
        });
        assert_eq!(end, ChildEnd::Exited(0));
        assert_eq!(String::from_utf8(out).unwrap(), "0 2 true");
    }
}
