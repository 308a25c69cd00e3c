//! A local stand-in of HelpCrunch's contact search, for trying hcq
//! without a key (the contract and the fault format are in `server.rs`).
//!
//! ```text
//! cargo run --example fake_api -- --contacts examples/contacts.jsonl
//! ```
//!
//! The first line on stdout is `listening on http://127.0.0.1:PORT`, so a
//! script can start it on `--port 0` and read the address.

// The tests use the request log and `stop`; this binary only serves.
#[allow(dead_code)]
mod server;

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
A local stand-in of HelpCrunch's contact search (POST /customers/search).

Usage: cargo run --example fake_api -- --contacts FILE [OPTIONS]

Options:
  --contacts FILE     the contacts to search (any layout `hcq eval` reads)
  --port N            the port on 127.0.0.1 (default 0: any free one)
  --key KEY           the key `Authorization: Bearer` must carry (default fake-key)
  --per-second N      requests a second before 429 (default 2, the vendor's 120 a minute; 0: no limit)
  --faults FILE       a fault schedule, one fault a line, e.g. `3 503 retry-after=1`
                      (the format is in examples/fake_api/server.rs)

Try it:
  curl -s -H 'Authorization: Bearer fake-key' http://127.0.0.1:PORT/customers/search \\
    -d '{\"comparison\":\"AND\",\"filter\":[{\"field\":\"customers.email\",\"operator\":\"~\",\"value\":\"gmail\"}],\"sort\":\"customers.lastSeen\",\"order\":\"DESC\",\"offset\":0,\"limit\":10}'
";

/// The key when `--key` is not given, so trying it needs no setup.
const DEFAULT_KEY: &str = "fake-key";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake_api: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut contacts = None;
    let mut port = 0u16;
    let mut key = DEFAULT_KEY.to_owned();
    let mut per_second = 2u32;
    let mut faults = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            print!("{USAGE}");
            return Ok(());
        }
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n\n{USAGE}"));
        match arg.as_str() {
            "--contacts" => contacts = Some(value()?),
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--key" => key = value()?,
            "--per-second" => {
                per_second = value()?.parse().map_err(|e| format!("--per-second: {e}"))?;
            }
            "--faults" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                faults = server::parse_faults(&text).map_err(|e| format!("{path}: {e}"))?;
            }
            _ => return Err(format!("unknown argument {arg:?}\n\n{USAGE}")),
        }
    }
    let path = contacts.ok_or(format!("--contacts FILE is required\n\n{USAGE}"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let contacts = server::Contacts::read(&path, &text)?;
    let config = server::Config {
        port,
        per_second,
        faults,
        ..server::Config::new(contacts, key)
    };
    let handle = server::start(config).map_err(|e| format!("cannot listen: {e}"))?;
    let mut stdout = std::io::stdout();
    // Flushed at once: a script reads this line to learn the port.
    writeln!(stdout, "listening on {}", handle.url())
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    handle.wait();
    Ok(())
}
