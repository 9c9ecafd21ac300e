//! `cargo run -p grader`: grades the course's exercises. Everything is in the library;
//! see `lib.rs` for its layers.

fn main() -> std::process::ExitCode {
    grader::cli::main()
}
