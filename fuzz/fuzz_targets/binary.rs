//! The binary's own path, in-process: arguments and standard input made of
//! the fuzzer's bytes go through `hcq::cli::run`, the function `main`
//! calls, with the binary's renderer. It must return 0, 1 or 2, and what it
//! prints on stderr must be bounded and hold no raw control character.
//! `hcq run` is always a `--dry-run` here: it sends nothing (its statuses 3
//! and 4, the API's refusal and giving up, need a server).
//!
//! The input is split at NUL bytes: the first part is standard input, the
//! rest are arguments. Arguments naming paths are kept inside an empty
//! working directory (no `/`), so the fuzzer reads and rewrites nothing
//! outside it.

#![no_main]

use hcq::cli::{Io, render::Style, run};
use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;
use std::sync::Once;

static EMPTY_DIRECTORY: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    EMPTY_DIRECTORY.call_once(|| {
        let dir = std::env::temp_dir().join(format!("hcq-fuzz-binary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a working directory");
        std::env::set_current_dir(&dir).expect("the working directory");
    });
    let mut parts = data.split(|&b| b == 0);
    let stdin = parts.next().unwrap_or_default();
    let mut args = vec![OsString::from("hcq")];
    for part in parts.take(12) {
        let Ok(arg) = std::str::from_utf8(part) else {
            return;
        };
        if arg.contains('/') {
            return;
        }
        args.push(OsString::from(arg));
    }
    // `hcq run` calls the API; fuzzed, it only shows the calls it would
    // make, so that a key in the environment never sends a request.
    if args.get(1).is_some_and(|a| a == "run") && !args.iter().any(|a| a == "--dry-run") {
        args.insert(2, OsString::from("--dry-run"));
    }
    let mut input = stdin;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: Style {
            colour: false,
            width: 100,
            progress: false,
        },
    };
    let status = run(args.clone(), &mut io);
    assert!(status <= 2, "status {status} for {args:?}");
    assert!(stderr.len() <= 256 * 1024, "{} bytes on stderr", stderr.len());
    let stderr = String::from_utf8(stderr).expect("stderr is UTF-8");
    if let Some(c) = stderr.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("stderr holds {c:?}: {stderr}");
    }
});
