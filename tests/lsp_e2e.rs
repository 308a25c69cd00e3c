//! The real `hcq lsp` binary, one session over its stdin and stdout in
//! `Content-Length` frames, as an editor drives it: every capability
//! once, with UTF-16 ranges on a line holding an emoji and Cyrillic.
//! `cargo test --test lsp_e2e -- --nocapture` prints the transcript.

#[path = "lsp_fixtures/harness.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdout, Command, Stdio};

const URI: &str = "file:///tmp/e2e.hcq";
const TEXT: &str = "# 😀 Київ\nsegment leads\n  name = \"😀 Київ\" and emial ~ gmail\n\nsegment kyiv_leads\n  @leads and city=\"Київ 😀\"\n  limit 150\n";

/// The next message the server wrote.
fn read_message(stdout: &mut BufReader<ChildStdout>) -> Value {
    let mut length = None;
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the server closed its output"
        );
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = Some(value.parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    stdout.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A shortened line for the transcript.
fn brief(message: &Value) -> String {
    let text = message.to_string();
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[test]
fn a_whole_session_with_the_binary() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hcq"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |message: Value| {
        eprintln!("--> {}", brief(&message));
        stdin.write_all(&frame(&message)).unwrap();
        stdin.flush().unwrap();
    };
    let mut receive = || {
        let message = read_message(&mut stdout);
        eprintln!("<-- {}", brief(&message));
        message
    };

    send(initialize(1));
    let initialized = receive();
    assert_eq!(initialized["id"], 1);
    let capabilities = &initialized["result"]["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"], 2);
    send(notification("initialized", json!({})));

    send(open(URI, TEXT));
    let diagnostics = receive();
    assert_eq!(diagnostics["method"], "textDocument/publishDiagnostics");
    let first = &diagnostics["params"]["diagnostics"][0];
    assert_eq!(first["code"], "hcq::check::unknown_field");
    // `  name = "😀 Київ" and ` is 23 UTF-16 units, 21 characters, 33 bytes.
    assert_eq!(span(&first["range"]), (2, 23, 2, 28));
    assert_eq!(
        diagnostics["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    send(change(URI, 2, (2, 23), (2, 28), "email"));
    let fixed = receive();
    assert_eq!(fixed["params"]["version"], 2);
    assert_eq!(fixed["params"]["diagnostics"], json!([]));

    send(request(2, "textDocument/completion", at(URI, 5, 3)));
    let completion = receive();
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["@leads", "@kyiv_leads"]);

    send(request(3, "textDocument/hover", at(URI, 5, 5)));
    let hover = receive();
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("```hcq\nsegment leads\n"), "{text}");
    assert!(text.contains("**1 request, 1 API call**"), "{text}");

    send(request(4, "textDocument/definition", at(URI, 5, 5)));
    assert_eq!(
        receive()["result"],
        json!({"uri": URI, "range": range((1, 8), (1, 13))})
    );

    send(request(
        5,
        "textDocument/references",
        json!({"textDocument": {"uri": URI}, "position": {"line": 1, "character": 9},
               "context": {"includeDeclaration": true}}),
    ));
    let references: Vec<_> = receive()["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|location| span(&location["range"]))
        .collect();
    assert_eq!(references, [(1, 8, 1, 13), (5, 3, 5, 8)]);

    send(request(
        6,
        "textDocument/rename",
        json!({"textDocument": {"uri": URI}, "position": {"line": 1, "character": 9},
               "newName": "lead_list"}),
    ));
    let rename = receive();
    assert_eq!(
        rename["result"]["changes"][URI].as_array().unwrap().len(),
        2
    );

    send(request(
        7,
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    ));
    let formatting = receive();
    let edit = &formatting["result"][0];
    // The last line is empty: the range ends where the text does.
    assert_eq!(span(&edit["range"]), (0, 0, 7, 0));
    assert!(
        edit["newText"]
            .as_str()
            .unwrap()
            .contains("@leads and city = \"Київ 😀\"")
    );

    send(request(
        8,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    ));
    let symbols = receive();
    let names: Vec<(&str, &str)> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("leads", "1 request, 1 API call"),
            ("kyiv_leads", "1 request, 2 API calls")
        ]
    );

    send(shutdown(9));
    assert_eq!(
        receive(),
        json!({"jsonrpc": "2.0", "id": 9, "result": null})
    );
    send(exit());
    drop(stdin);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}
