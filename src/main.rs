//! The `hcq` binary. Everything it does is in the library's `cli` module,
//! so that tests and the fuzzer can run it in-process.

// The binary's allocator (`hcq::cli::Allocator` says which, and why).
#[global_allocator]
static GLOBAL: hcq::cli::Allocator = hcq::cli::ALLOCATOR;

fn main() -> std::process::ExitCode {
    hcq::cli::main()
}
