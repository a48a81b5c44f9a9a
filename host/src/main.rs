//! The `watchpost` binary: all the work is in the library; this only wires.

/// mimalloc: ingest and queries allocate many small label strings and
/// sample vectors; glibc's allocator spent half of remote-write ingest in
/// malloc/free (measured with `cargo bench --bench ingest`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    watchpost::cli::main()
}
