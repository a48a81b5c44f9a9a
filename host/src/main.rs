//! The `watchpost` binary: all the work is in the library; this only wires.

fn main() -> std::process::ExitCode {
    watchpost::cli::main()
}
