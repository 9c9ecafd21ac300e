//! Compile-time checks: does a piece of code that uses the crate under test compile?
//!
//! Some contracts are about types, not behaviour: `spawn` must refuse a future that is not
//! `Send`. Only the compiler can tell, so a check hands it a small program that uses the
//! crate the check program itself was built with (the same compiled library, found next
//! to the check's executable) and reads the verdict. The compiler only type-checks
//! (`--emit=metadata`), which takes a fraction of a second.
//!
//! A probe that must fail always comes with a control that must compile: the same code
//! with the offending line left out. A control that does not compile means the probe
//! proves nothing (the crate's API differs, or the compiler cannot be run), and the check
//! says so instead of passing.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the compiler said about a probe.
#[derive(Debug)]
pub struct Verdict {
    pub compiled: bool,
    /// The compiler's messages, short form.
    pub messages: String,
}

/// Type-checks `source` as a library that depends on the crate `krate` (its library
/// name, with underscores) as the check program was built against it.
pub fn probe(krate: &str, source: &str) -> Result<Verdict, String> {
    let deps = libraries_folder()?;
    let library = newest_library(&deps, krate)?;
    let out = std::env::temp_dir().join(format!("probe-{}", std::process::id()));
    fs::create_dir_all(&out).map_err(|e| format!("cannot make {}: {e}", out.display()))?;
    let mut extern_arg = OsString::from(format!("{krate}="));
    extern_arg.push(&library);
    let mut dependency = OsString::from("dependency=");
    dependency.push(&deps);
    let mut child = Command::new(rustc())
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--crate-name",
            "probe",
        ])
        .args([
            "--emit",
            "metadata",
            "--error-format",
            "short",
            "--cap-lints",
            "allow",
        ])
        .arg("--out-dir")
        .arg(&out)
        .arg("-L")
        .arg(dependency)
        .arg("--extern")
        .arg(extern_arg)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run the compiler ({}): {e}",
                rustc().to_string_lossy()
            )
        })?;
    child
        .stdin
        .take()
        .expect("stdin was piped")
        .write_all(source.as_bytes())
        .map_err(|e| format!("cannot give the compiler the probe: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("the compiler did not finish: {e}"))?;
    let _ = fs::remove_dir_all(&out);
    Ok(Verdict {
        compiled: output.status.success(),
        messages: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Where the libraries the check program was linked with are: the `.libs` folder the
/// grader keeps beside a program it copied out of its build folder, else the program's own
/// folder (cargo's `deps`).
fn libraries_folder() -> Result<PathBuf, String> {
    let program =
        std::env::current_exe().map_err(|e| format!("cannot find the check program: {e}"))?;
    let kept = program.with_extension("libs");
    if kept.is_dir() {
        return Ok(kept);
    }
    program
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "the check program has no folder".to_owned())
}

/// The compiler: the one cargo names in `RUSTC` when it is set, else `rustc` on `PATH`.
fn rustc() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// `lib<krate>-<hash>.rlib` in `deps`, the newest when a folder keeps several: the check
/// program was linked just now, against the latest build.
fn newest_library(deps: &Path, krate: &str) -> Result<PathBuf, String> {
    let prefix = format!("lib{krate}-");
    let entries = fs::read_dir(deps).map_err(|e| format!("cannot read {}: {e}", deps.display()))?;
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".rlib")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, path)| path)
        .ok_or_else(|| {
            format!(
                "no compiled {krate} library next to the check program in {}",
                deps.display()
            )
        })
}

/// Asserts that `control` compiles and `probe` does not, with a message that contains
/// `expected` (for example an error code); `what` says what the probe tries.
pub fn assert_rejected(
    krate: &str,
    what: &str,
    control: &str,
    probe_source: &str,
    expected: &[&str],
) {
    let control_verdict = probe(krate, control).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        control_verdict.compiled,
        "the check could not compile its control program, so it cannot tell whether {what} \
         is refused; the compiler said:\n{}",
        control_verdict.messages
    );
    let verdict = probe(krate, probe_source).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !verdict.compiled,
        "{what} compiled: the compiler must refuse it"
    );
    for needle in expected {
        assert!(
            verdict.messages.contains(needle),
            "{what} was refused, but not for the expected reason (`{needle}`); the compiler said:\n{}",
            verdict.messages
        );
    }
}
