//! Submissions that forge a pass from inside the check's process: code run before or
//! after `main`, a replaced C library function, the record channel used from the code
//! under test. Each must be reported `flagged`, with 0 points and the evidence, however
//! the source spells it; the honest answer next to them passes, unflagged.

mod common;

use common::{
    DELTA_SRC, Graded, grade, grade_delta, grader, mini_grader, repo, run, submission,
    submission_from,
};
use tempfile::TempDir;

/// A submission whose `delta` is `answer` with the body `answer_body`, plus `extra`.
fn delta_submission(answer_body: &str, extra: &str) -> TempDir {
    submission(&[(
        DELTA_SRC,
        format!("pub fn answer() -> u32 {{\n    {answer_body}\n}}\n{extra}"),
    )])
}

/// The evidence against `delta` written as `answer_body` and `extra`, once graded flagged.
fn flagged_for(answer_body: &str, extra: &str) -> Vec<String> {
    let dir = delta_submission(answer_body, extra);
    evidence(&grade_delta(dir.path()), "delta")
}

/// The exercise's evidence, after checking it is flagged with no points and every check
/// flagged.
fn evidence(graded: &Graded, exercise: &str) -> Vec<String> {
    let ex = graded.exercise(exercise);
    assert_eq!(ex["status"], "flagged", "{}", graded.json);
    assert_eq!(ex["points"], 0, "{}", graded.json);
    for check in ex["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "flagged", "{check}");
        assert_eq!(check["points"], 0, "{check}");
    }
    assert_eq!(
        graded.code, 1,
        "a flagged grading fails, as the submission's fault"
    );
    ex["flagged"]
        .as_array()
        .expect("the evidence")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// A constructor that reads the nonce, writes the pass record of the check named on the
/// command line and exits, before `main` and so before any check runs. Plainly spelled.
const FORGING_CONSTRUCTOR: &str = r#"
#[used]
#[unsafe(link_section = ".init_array")]
static FORGE: extern "C" fn() = forge;

extern "C" fn forge() {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    let Ok(spec) = std::env::var("GRADER_RECORD_FDS") else { return };
    let Some((nonce_fd, out_fd)) = spec.split_once(':') else { return };
    let (mut nonce_in, mut out) = unsafe {
        (std::fs::File::from_raw_fd(nonce_fd.parse().unwrap()),
         std::fs::File::from_raw_fd(out_fd.parse().unwrap()))
    };
    let mut nonce = String::new();
    let _ = nonce_in.read_to_string(&mut nonce);
    let cmdline = std::fs::read("/proc/self/cmdline").unwrap_or_default();
    let name = cmdline.split(|b| *b == 0).nth(1).unwrap_or_default();
    let _ = writeln!(out, "pass {} {}", nonce.trim(), String::from_utf8_lossy(name));
    std::process::exit(0);
}
"#;

#[test]
fn the_forging_constructor_on_untouched_threads_stubs_is_flagged_with_file_and_line() {
    let (dir, src) = submission_from(&repo().join("grader/stubs/01-threads/src"), "01-threads");
    let lib = src.join("lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap() + FORGING_CONSTRUCTOR;
    std::fs::write(&lib, text).unwrap();
    let graded = grade(
        grader(),
        &["threads", "--submission", dir.path().to_str().unwrap()],
    );
    let evidence = evidence(&graded, "threads");
    let joined = evidence.join("\n");
    assert!(joined.contains("section .init_array"), "{joined}");
    assert!(joined.contains("threads::forge"), "{joined}");
    assert!(
        joined.contains("exercises/01-threads/src/lib.rs:"),
        "{joined}"
    );
    assert!(joined.contains("record channel"), "{joined}");
}

#[test]
fn a_constructor_whose_source_hides_its_section_is_found_in_the_program() {
    // Neither the section nor the variable is spelled out: only the program shows them.
    let hidden = r#"
#[used]
#[unsafe(link_section = ".init_arr\x61y")]
static EARLY: extern "C" fn() = early;

extern "C" fn early() {
    let name = ["GRAD", "ER_RECORD_FDS"].concat();
    if std::env::var_os(name).is_some() {
        std::process::exit(0);
    }
}
"#;
    let evidence = flagged_for("todo!()", hidden);
    assert_eq!(evidence.len(), 1, "{evidence:#?}");
    assert!(
        evidence[0].contains(".init_array") && evidence[0].contains("delta::early"),
        "{evidence:#?}"
    );
}

#[test]
fn a_dependency_free_constructor_in_assembly_is_flagged() {
    // Placed by the assembler, and ending the process with a raw system call.
    let assembly = r#"
core::arch::global_asm!(
    ".pushsection .init_array, \"aw\"",
    ".quad {f}",
    ".popsection",
    f = sym leave,
);

extern "C" fn leave() {
    unsafe { core::arch::asm!("syscall", in("rax") 231, in("rdi") 0, options(noreturn)) }
}

// A slot the loader fills with a C library function's address: stored as zero.
core::arch::global_asm!(".pushsection .init_array, \"aw\"", ".quad getpid", ".popsection");
"#;
    let evidence = flagged_for("42", assembly);
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("section .init_array") && e.contains("leave")),
        "{evidence:#?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("section .init_array") && e.ends_with(": getpid")),
        "{evidence:#?}"
    );
}

#[test]
fn a_global_allocator_which_runs_before_main_is_flagged() {
    // The test harness allocates before it calls any check: an allocator of the graded
    // code could forge the record there, with no section or symbol of its own.
    let allocator = r#"
struct Forwarding;

unsafe impl std::alloc::GlobalAlloc for Forwarding {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static FORWARDING: Forwarding = Forwarding;
"#;
    let evidence = flagged_for("42", allocator);
    assert!(
        evidence.iter().any(|e| e.contains("#[global_allocator]")),
        "{evidence:#?}"
    );
}

#[test]
fn a_hidden_definition_of_a_c_library_function_is_flagged() {
    // Local in the program's symbol table, yet it takes every call to `write` there.
    let hidden = r#"
core::arch::global_asm!(
    ".globl write",
    ".hidden write",
    "write:",
    "jmp {f}",
    f = sym pretend_written,
);

extern "C" fn pretend_written(_fd: i32, _buf: *const u8, count: usize) -> isize {
    count as isize
}
"#;
    let evidence = flagged_for("42", hidden);
    assert!(
        evidence.iter().any(|e| e.contains("symbol write ")),
        "{evidence:#?}"
    );
}

#[test]
fn replacing_c_library_functions_is_flagged_with_the_defining_line() {
    let replaced = r#"
#[unsafe(no_mangle)]
pub extern "C" fn write(_fd: i32, _buf: *const u8, count: usize) -> isize {
    count as isize
}

#[unsafe(export_name = "g\x65tenv")]
pub extern "C" fn lookup(_name: *const u8) -> *const u8 {
    std::ptr::null()
}
"#;
    let evidence = flagged_for("42", replaced);
    let joined = evidence.join("\n");
    assert!(joined.contains("symbol write "), "{joined}");
    assert!(joined.contains("symbol getenv "), "{joined}");
    assert!(
        joined.contains("exercises/04-delta/src/lib.rs:6: defines write"),
        "{joined}"
    );
}

#[test]
fn code_under_test_that_opens_the_record_channel_is_flagged() {
    let body = "std::env::var(\"GRADER_RECORD_FDS\").map_or(0, |v| v.len() as u32)";
    let evidence = flagged_for(body, "");
    let joined = evidence.join("\n");
    assert!(joined.contains("record channel"), "{joined}");
    assert!(joined.contains("lib.rs:2: names the grader"), "{joined}");
}

#[test]
fn code_run_after_main_is_flagged() {
    let late = r#"
#[used]
#[unsafe(link_section = ".fini_array")]
static LATE: extern "C" fn() = late;

extern "C" fn late() {}
"#;
    let evidence = flagged_for("42", late);
    assert!(
        evidence
            .iter()
            .any(|e| e.contains(".fini_array") && e.contains("after main")),
        "{evidence:#?}"
    );
}

#[test]
fn a_constructor_that_ends_every_run_before_main_gets_a_verdict_not_a_course_error() {
    // Listing the checks used to run the graded program, and blamed course.toml.
    let quitter = r#"
#[used]
#[unsafe(link_section = ".init_arr\x61y")]
static QUIT: extern "C" fn() = quit;

extern "C" fn quit() {
    std::process::exit(3);
}
"#;
    let dir = delta_submission("42", quitter);
    let graded = grade_delta(dir.path());
    assert!(!graded.stderr.contains("disagree"), "{}", graded.stderr);
    evidence(&graded, "delta");
}

#[test]
fn the_honest_answer_with_unsafe_code_and_assembly_is_not_flagged() {
    // Names that a source scan alone would take for evidence, in a comment, a field and
    // a string nobody links: only the compiled program decides.
    let honest = r#"
/* Nothing here goes in .init_array, nor reads GRADER_RECORD_FDS. */
struct Hooks {
    ctors: Vec<u32>,
}

#[unsafe(no_mangle)]
pub extern "C" fn delta_helper() -> u32 {
    let mut hooks = Hooks { ctors: vec![40] };
    hooks.ctors.push(2);
    let mut x: u32 = hooks.ctors[0];
    unsafe { core::arch::asm!("add {0:e}, {1:e}", inout(reg) x, in(reg) hooks.ctors[1]) };
    x
}
"#;
    let dir = delta_submission("delta_helper()", honest);
    let graded = grade_delta(dir.path());
    let ex = graded.exercise("delta");
    assert_eq!(ex["status"], "pass", "{}", graded.json);
    assert!(ex.get("flagged").is_none(), "{}", graded.json);
}

#[test]
fn every_format_carries_the_evidence() {
    let dir = delta_submission("42", FORGING_CONSTRUCTOR);
    let sub = dir.path().to_str().unwrap();
    for format in ["human", "junit", "gradescope", "markdown"] {
        let ran = run(mini_grader().args(["delta", "--submission", sub, "--format", format]));
        let text = &ran.stdout;
        assert_eq!(ran.code, 1, "{format}: {text}");
        assert!(
            text.contains("flagged") || text.contains("Not graded"),
            "{format}: {text}"
        );
        assert!(text.contains("section .init_array"), "{format}: {text}");
        assert!(
            text.contains("exercises/04-delta/src/lib.rs:"),
            "{format}: {text}"
        );
    }
}

#[test]
fn the_gradebook_marks_the_submission_flagged_with_the_evidence() {
    let batch = tempfile::tempdir().unwrap();
    let forged = delta_submission("42", FORGING_CONSTRUCTOR);
    common::copy_tree(forged.path(), &batch.path().join("mallory"));
    let out = batch.path().join("gradebook.csv");
    let output = mini_grader()
        .args(["batch", batch.path().to_str().unwrap(), "--out"])
        .arg(&out)
        .args(["--timeout", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let field = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(field("submission"), "mallory");
    assert_eq!(field("status"), "flagged");
    assert_eq!(field("delta"), "0");
    assert!(field("message").contains("delta flagged: "), "{row:?}");
    assert!(field("message").contains("section .init_array"), "{row:?}");
}
