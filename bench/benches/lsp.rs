//! How long `hcq lsp` takes to publish diagnostics after a change to a
//! document of 10,000 segments: the real binary (hcq's `main.rs`, built
//! here as `hcq-under-test`), one process for the whole run, the document
//! opened once, then for each iteration one `didChange` written to its
//! stdin and the clock stopped when its `publishDiagnostics` for that
//! version has been read from its stdout. Run with
//! `cargo bench -p hcq-bench --bench lsp`; BENCHMARKS.md, "Editor
//! latency", holds the numbers.
//!
//! The document is `examples/gen_segments.rs`'s file cut after its
//! 10,000th segment, with one more segment at the end that the changes
//! edit:
//!
//! - `valid`: a letter inside its string value, so every change leaves the
//!   file valid and every segment is checked and lowered;
//! - `field_mid_word`: its field name, `email` to `emai` and back, so
//!   every other change leaves an unknown field (and the file's plans are
//!   not built).

#[path = "../../examples/gen_segments.rs"]
#[allow(dead_code)]
mod gen_segments;

use criterion::Criterion;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const SEGMENTS: usize = 10_000;
const URI: &str = "file:///bench/segments.hcq";

/// The generated file cut before its segment number `SEGMENTS + 1`, and
/// the segment the changes edit; the line of that segment's expression.
fn document() -> (String, u32) {
    let text = gen_segments::generate(4 * 1024 * 1024, 1);
    let mut starts = text.match_indices("\nsegment ").map(|(i, _)| i + 1);
    let cut = starts
        .nth(SEGMENTS)
        .expect("the generated file has enough segments");
    let mut text = text[..cut].to_owned();
    assert_eq!(text.matches("\nsegment ").count(), SEGMENTS);
    text.push_str("\nsegment lsp_edited\n  email ~ \"a\"\n");
    let line = text.lines().count() as u32 - 1;
    (text, line)
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hcq-under-test"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hcq-under-test starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Server {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server ended"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Reads until the diagnostics of `version`; how many there are.
    fn diagnostics(&mut self, version: i32) -> usize {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == version
            {
                return message["params"]["diagnostics"].as_array().unwrap().len();
            }
        }
    }

    fn change(&mut self, version: i32, line: u32, from: u32, to: u32, text: &str) {
        self.send(json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": URI, "version": version},
                "contentChanges": [{
                    "range": {
                        "start": {"line": line, "character": from},
                        "end": {"line": line, "character": to},
                    },
                    "text": text,
                }],
            },
        }));
    }

    fn stop(mut self) {
        self.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
        let _ = self.receive();
        self.send(json!({"jsonrpc": "2.0", "method": "exit"}));
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

fn latency(c: &mut Criterion) {
    let (text, line) = document();
    eprintln!(
        "lsp: a document of {SEGMENTS} segments and {} bytes",
        text.len()
    );
    let mut server = Server::start();
    server.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let _ = server.receive();
    server.send(json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": URI, "languageId": "hcq", "version": 1, "text": text}},
    }));
    assert_eq!(server.diagnostics(1), 0, "the generated file is valid");
    let mut version = 1;
    let mut group = c.benchmark_group("lsp_diagnostics_10k_segments");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("valid", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                version += 1;
                // `  email ~ "a"`: the letter at UTF-16 column 11.
                let letter = char::from(b'a' + (version % 26) as u8).to_string();
                let started = Instant::now();
                server.change(version, line, 11, 12, &letter);
                let count = server.diagnostics(version);
                total += started.elapsed();
                assert_eq!(count, 0);
            }
            total
        });
    });
    let mut broken = false;
    group.bench_function("field_mid_word", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                version += 1;
                // `email` → `emai` (an unknown field) and back.
                broken = !broken;
                let started = Instant::now();
                if broken {
                    server.change(version, line, 6, 7, "");
                } else {
                    server.change(version, line, 6, 6, "l");
                }
                let count = server.diagnostics(version);
                total += started.elapsed();
                assert_eq!(count, usize::from(broken));
            }
            total
        });
    });
    group.finish();
    server.stop();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    latency(&mut c);
    c.final_summary();
}
