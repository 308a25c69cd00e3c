//! `hcq lsp` in-process, through `hcq::cli::run` as `main` calls it: a
//! session of the fuzzer's making (documents opened and edited, every
//! request the server answers, at fuzzed positions, and raw bytes between
//! frames), framed as an editor frames it. The server must end with
//! status 0, 1 or 2, answer in well-formed frames, and never panic,
//! whatever the text, the positions or the garbage.

#![no_main]

use arbitrary::Arbitrary;
use hcq::cli::{Io, render::Style, run};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::ffi::OsString;

#[derive(Arbitrary, Debug)]
enum Op {
    /// Opens (or opens again) one of two documents.
    Open {
        doc: bool,
        text: String,
    },
    /// Replaces a range given in lines and UTF-16 units.
    Edit {
        doc: bool,
        start: (u8, u16),
        end: (u8, u16),
        text: String,
    },
    /// Replaces the whole text.
    Replace {
        doc: bool,
        text: String,
    },
    Close {
        doc: bool,
    },
    Ask {
        doc: bool,
        what: Ask,
        at: (u8, u16),
    },
    /// Bytes that are no message, or a frame around them.
    Raw {
        bytes: Vec<u8>,
        framed: bool,
    },
}

#[derive(Arbitrary, Debug)]
enum Ask {
    Completion,
    Hover,
    Definition,
    References,
    PrepareRename,
    Rename(String),
    Formatting,
    Symbols,
    CodeAction,
    SemanticTokens,
}

fn uri(doc: bool) -> &'static str {
    if doc {
        "file:///a.hcq"
    } else {
        "file:///b.hcq"
    }
}

fn position((line, character): (u8, u16)) -> Value {
    json!({"line": line, "character": character})
}

fn frame(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

fn message(out: &mut Vec<u8>, value: Value) {
    frame(out, value.to_string().as_bytes());
}

fn request(out: &mut Vec<u8>, id: usize, method: &str, params: Value) {
    message(
        out,
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    );
}

fn notify(out: &mut Vec<u8>, method: &str, params: Value) {
    message(
        out,
        json!({"jsonrpc": "2.0", "method": method, "params": params}),
    );
}

fuzz_target!(|ops: Vec<Op>| {
    let mut input = Vec::new();
    request(&mut input, 0, "initialize", json!({"capabilities": {}}));
    notify(&mut input, "initialized", json!({}));
    let mut version = 1;
    for (id, op) in ops.into_iter().take(64).enumerate() {
        let id = id + 1;
        version += 1;
        match op {
            Op::Open { doc, text } => notify(
                &mut input,
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri(doc), "languageId": "hcq", "version": version, "text": text}}),
            ),
            Op::Edit {
                doc,
                start,
                end,
                text,
            } => notify(
                &mut input,
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": uri(doc), "version": version},
                    "contentChanges": [{"range": {"start": position(start), "end": position(end)}, "text": text}],
                }),
            ),
            Op::Replace { doc, text } => notify(
                &mut input,
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri(doc), "version": version}, "contentChanges": [{"text": text}]}),
            ),
            Op::Close { doc } => notify(
                &mut input,
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri(doc)}}),
            ),
            Op::Ask { doc, what, at } => {
                let document = json!({"uri": uri(doc)});
                let at = position(at);
                let (method, params) = match what {
                    Ask::Completion => (
                        "textDocument/completion",
                        json!({"textDocument": document, "position": at}),
                    ),
                    Ask::Hover => (
                        "textDocument/hover",
                        json!({"textDocument": document, "position": at}),
                    ),
                    Ask::Definition => (
                        "textDocument/definition",
                        json!({"textDocument": document, "position": at}),
                    ),
                    Ask::References => (
                        "textDocument/references",
                        json!({"textDocument": document, "position": at, "context": {"includeDeclaration": true}}),
                    ),
                    Ask::PrepareRename => (
                        "textDocument/prepareRename",
                        json!({"textDocument": document, "position": at}),
                    ),
                    Ask::Rename(name) => (
                        "textDocument/rename",
                        json!({"textDocument": document, "position": at, "newName": name}),
                    ),
                    Ask::Formatting => (
                        "textDocument/formatting",
                        json!({"textDocument": document, "options": {"tabSize": 2, "insertSpaces": true}}),
                    ),
                    Ask::Symbols => (
                        "textDocument/documentSymbol",
                        json!({"textDocument": document}),
                    ),
                    Ask::CodeAction => (
                        "textDocument/codeAction",
                        json!({"textDocument": document, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
                    ),
                    Ask::SemanticTokens => (
                        "textDocument/semanticTokens/full",
                        json!({"textDocument": document}),
                    ),
                };
                request(&mut input, id, method, params);
            }
            Op::Raw { bytes, framed } => {
                if framed {
                    frame(&mut input, &bytes);
                } else {
                    input.extend_from_slice(&bytes);
                }
            }
        }
    }
    request(&mut input, 100_000, "shutdown", Value::Null);
    notify(&mut input, "exit", Value::Null);

    let mut stdin = input.as_slice();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: Style {
            colour: false,
            width: 100,
            progress: false,
        },
    };
    let status = run([OsString::from("hcq"), OsString::from("lsp")], &mut io);
    assert!(status <= 2, "status {status}");
    // Every answer is a frame holding one JSON object.
    let mut rest = stdout.as_slice();
    while !rest.is_empty() {
        let header_end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header ends with a blank line");
        let header = std::str::from_utf8(&rest[..header_end]).expect("a header is text");
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse().ok())
            .expect("a header gives the length");
        let body = &rest[header_end + 4..header_end + 4 + length];
        let value: Value = serde_json::from_slice(body).expect("a body is JSON");
        assert!(value.is_object(), "{value}");
        rest = &rest[header_end + 4 + length..];
    }
});
