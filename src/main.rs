//! The `hcq` binary. Everything it does is in the library's `cli` module,
//! so that tests and the fuzzer can run it in-process.

fn main() -> std::process::ExitCode {
    hcq::cli::main()
}
