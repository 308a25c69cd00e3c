//! Feeding `hcq lsp` framed JSON-RPC and reading what it answers: the
//! helpers `tests/lsp.rs` (in-process, through `hcq::cli::run`) and
//! `tests/lsp_e2e.rs` (the real binary) share.

#![allow(dead_code)]

use serde_json::{Value, json};

/// One message in its `Content-Length` frame.
pub fn frame(message: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(message).unwrap();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend(body);
    out
}

/// The messages in `bytes`, a run of frames.
pub fn unframe(mut bytes: &[u8]) -> Vec<Value> {
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header ends with a blank line");
        let header = std::str::from_utf8(&bytes[..end]).unwrap();
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .expect("the only header is Content-Length")
            .parse()
            .unwrap();
        let body = &bytes[end + 4..end + 4 + length];
        messages.push(serde_json::from_slice(body).unwrap());
        bytes = &bytes[end + 4 + length..];
    }
    messages
}

pub fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

pub fn initialize(id: u64) -> Value {
    request(id, "initialize", json!({"capabilities": {}}))
}

pub fn open(uri: &str, text: &str) -> Value {
    notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "hcq", "version": 1, "text": text}}),
    )
}

/// One incremental change: `(line, character)` to `(line, character)`
/// replaced by `text`.
pub fn change(uri: &str, version: i32, from: (u32, u32), to: (u32, u32), text: &str) -> Value {
    notification(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": range(from, to), "text": text}],
        }),
    )
}

pub fn range(from: (u32, u32), to: (u32, u32)) -> Value {
    json!({
        "start": {"line": from.0, "character": from.1},
        "end": {"line": to.0, "character": to.1},
    })
}

/// Params naming a position in a document.
pub fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

pub fn shutdown(id: u64) -> Value {
    request(id, "shutdown", Value::Null)
}

pub fn exit() -> Value {
    notification("exit", Value::Null)
}

/// The answer to request `id` among `messages`: its `result`, or its
/// `error` as `{"error": …}`.
pub fn answer(messages: &[Value], id: u64) -> Value {
    let message = messages
        .iter()
        .find(|m| m["id"] == json!(id) && m.get("method").is_none())
        .unwrap_or_else(|| panic!("no answer to request {id} in {messages:#?}"));
    match message.get("error") {
        Some(error) => json!({ "error": error }),
        None => message["result"].clone(),
    }
}

/// Every `publishDiagnostics` for `uri`, in order.
pub fn published<'a>(messages: &'a [Value], uri: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        .map(|m| &m["params"])
        .collect()
}

/// A range as `(line, character, line, character)`.
pub fn span(range: &Value) -> (u64, u64, u64, u64) {
    let n = |v: &Value| v.as_u64().unwrap();
    (
        n(&range["start"]["line"]),
        n(&range["start"]["character"]),
        n(&range["end"]["line"]),
        n(&range["end"]["character"]),
    )
}
