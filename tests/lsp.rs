//! `hcq lsp` in-process: framed messages in through `hcq::cli::run`'s
//! stdin, the answers out of its stdout, for each capability on the
//! fixtures of `tests/lsp_fixtures/`; the server's robustness against
//! malformed input; and a property test that random edits never stop it,
//! that every request on the text they leave is answered, and that its
//! diagnostics always equal `hcq check`'s.

#[path = "lsp_fixtures/harness.rs"]
mod harness;

use harness::*;
use hcq::cli::Io;
use hcq::cli::render::Style;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::ffi::OsString;

const CLEAN: &str = include_str!("lsp_fixtures/clean.hcq");
const BROKEN: &str = include_str!("lsp_fixtures/broken.hcq");
const URI: &str = "file:///work/segments.hcq";

/// Runs `hcq lsp` on `input` (raw bytes); what it wrote and its status.
fn run_bytes(input: &[u8]) -> (Vec<Value>, String, u8) {
    let mut stdin = input;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: Style::plain(),
    };
    let status = hcq::cli::run(["hcq", "lsp"].map(OsString::from), &mut io);
    (unframe(&stdout), String::from_utf8(stderr).unwrap(), status)
}

fn run(messages: &[Value]) -> (Vec<Value>, String, u8) {
    let input: Vec<u8> = messages.iter().flat_map(frame).collect();
    run_bytes(&input)
}

/// A whole session on one document: initialize, open `text`, `requests`,
/// shutdown (id 999), exit. Checks that it ended cleanly.
fn session(text: &str, requests: &[Value]) -> Vec<Value> {
    let mut messages = vec![initialize(0), open(URI, text)];
    messages.extend_from_slice(requests);
    messages.extend([shutdown(999), exit()]);
    let (answers, stderr, status) = run(&messages);
    assert_eq!(status, 0, "stderr: {stderr}");
    answers
}

/// The diagnostics of the last `publishDiagnostics`.
fn last_diagnostics(answers: &[Value]) -> Vec<Value> {
    let published = published(answers, URI);
    let last = published.last().expect("diagnostics were published");
    last["diagnostics"].as_array().unwrap().clone()
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

// ------------------------------------------------------------ diagnostics

#[test]
fn diagnostics_underline_utf16_ranges_after_emoji_and_cyrillic() {
    let diagnostics = last_diagnostics(&session(BROKEN, &[]));
    let unknown = with_code(&diagnostics, "hcq::check::unknown_field");
    // `  name = "Дмитро 😀" and ` is 25 UTF-16 units (39 bytes).
    assert_eq!(span(&unknown["range"]), (2, 25, 2, 30));
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["source"], "hcq");
    assert_eq!(
        unknown["message"],
        "unknown field `emial`\nhelp: did you mean `email`?"
    );
}

#[test]
fn a_cycle_has_every_member_as_a_location_and_warnings_are_published() {
    let diagnostics = last_diagnostics(&session(BROKEN, &[]));
    let cycle = with_code(&diagnostics, "hcq::segment::cycle");
    let mut lines = vec![span(&cycle["range"]).0];
    for related in cycle["relatedInformation"].as_array().unwrap() {
        assert_eq!(related["location"]["uri"], URI);
        lines.push(span(&related["location"]["range"]).0);
    }
    lines.sort();
    assert_eq!(lines, [5, 8]);
    let ignored = with_code(&diagnostics, "hcq::segment::ignored_clauses");
    assert_eq!(ignored["severity"], 2);
    let unknown = with_code(&diagnostics, "hcq::segment::unknown_reference");
    assert_eq!(span(&unknown["range"]).0, 15);
    assert_eq!(diagnostics.len(), 4, "{diagnostics:#?}");
}

#[test]
fn diagnostics_follow_changes_and_clear_when_fixed_or_closed() {
    let answers = session(
        "segment a\n  emial ~ gmail\n",
        &[
            // Mid-word: `emial` becomes `em` (invalid), then `email`.
            change(URI, 2, (1, 4), (1, 7), ""),
            change(URI, 3, (1, 4), (1, 4), "ail"),
            notification(
                "textDocument/didClose",
                json!({"textDocument": {"uri": URI}}),
            ),
        ],
    );
    let published = published(&answers, URI);
    let counts: Vec<(Value, usize)> = published
        .iter()
        .map(|p| {
            (
                p["version"].clone(),
                p["diagnostics"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (json!(1), 1),
            (json!(2), 1),
            (json!(3), 0),
            (Value::Null, 0)
        ]
    );
    assert_eq!(
        published[1]["diagnostics"][0]["code"],
        "hcq::check::unknown_field"
    );
}

#[test]
fn an_expression_file_is_checked_as_an_expression() {
    let diagnostics = last_diagnostics(&session("😀 = 1", &[]));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(span(&diagnostics[0]["range"]), (0, 0, 0, 2));
    let clean = last_diagnostics(&session("email ~ gmail\n  and tag = Lead", &[]));
    assert!(clean.is_empty(), "{clean:#?}");
}

#[test]
fn each_suggestion_is_a_quick_fix() {
    let diagnostics = last_diagnostics(&session(BROKEN, &[]));
    let unknown = with_code(&diagnostics, "hcq::check::unknown_field").clone();
    let params = json!({
        "textDocument": {"uri": URI},
        "range": unknown["range"],
        "context": {"diagnostics": diagnostics},
    });
    let answers = session(BROKEN, &[request(1, "textDocument/codeAction", params)]);
    let actions = answer(&answers, 1);
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions:#}");
    assert_eq!(actions[0]["title"], "Replace with `email`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"]["changes"][URI],
        json!([{"range": range((2, 25), (2, 30)), "newText": "email"}])
    );
}

// ------------------------------------------------------------ formatting

#[test]
fn formatting_replaces_the_document_with_what_fmt_writes() {
    let text = "segment   a\n  EMAIL~gmail AND (tag=Lead)";
    let params =
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}});
    let answers = session(
        text,
        &[request(1, "textDocument/formatting", params.clone())],
    );
    let edits = answer(&answers, 1);
    assert_eq!(
        edits,
        json!([{"range": range((0, 0), (1, 28)), "newText": "segment a\n  EMAIL ~ gmail and tag = Lead\n"}])
    );
    let formatted = session(
        CLEAN,
        &[request(1, "textDocument/formatting", params.clone())],
    );
    assert_eq!(answer(&formatted, 1), json!([]));
    let broken = session("email ~", &[request(1, "textDocument/formatting", params)]);
    assert_eq!(answer(&broken, 1), Value::Null);
}

// ------------------------------------------------------------ completion

fn labels(answers: &[Value], id: u64) -> Vec<String> {
    answer(answers, id)
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn completion_offers_what_may_come_next() {
    let text = "segment x\n  \n\nsegment y\n  email \n  and tag = Lead sort by \n";
    let answers = session(
        text,
        &[
            request(1, "textDocument/completion", at(URI, 1, 2)),
            request(2, "textDocument/completion", at(URI, 4, 8)),
            request(3, "textDocument/completion", at(URI, 5, 25)),
            request(4, "textDocument/completion", at(URI, 5, 17)),
        ],
    );
    let start = labels(&answers, 1);
    for label in ["email", "tags", "lastSeen", "not", "all", "@y", "@x"] {
        assert!(start.contains(&label.to_owned()), "{label} in {start:?}");
    }
    assert!(!start.contains(&"firstSeen".to_owned()), "sort only");
    let email = &answer(&answers, 1).as_array().unwrap().clone()[3];
    assert_eq!(email["label"], "email");
    assert_eq!(
        email["detail"],
        "customers.email: text; = != ~ !~ in not in"
    );
    assert_eq!(labels(&answers, 2), ["=", "!=", "~", "!~", "in", "not in"]);
    assert_eq!(labels(&answers, 3), ["lastSeen", "firstSeen"]);
    let after_value = labels(&answers, 4);
    assert!(after_value.starts_with(&["and".to_owned(), "or".to_owned(), "sort by".to_owned()]));
}

#[test]
fn completion_after_at_offers_the_segments_and_replaces_the_typed_word() {
    let text = "segment leads\n  tag = Lead\n\nsegment b\n  @le";
    let answers = session(
        text,
        &[request(1, "textDocument/completion", at(URI, 4, 5))],
    );
    let items = answer(&answers, 1);
    assert_eq!(items.as_array().unwrap().len(), 2);
    assert_eq!(items[0]["label"], "@leads");
    assert_eq!(items[0]["textEdit"]["range"], range((4, 2), (4, 5)));
    assert_eq!(items[0]["textEdit"]["newText"], "@leads");
    let tags = session(
        "tag ",
        &[request(1, "textDocument/completion", at(URI, 0, 4))],
    );
    assert_eq!(labels(&tags, 1), ["=", "in"]);
    let in_string = session(
        "name = \"a b",
        &[request(1, "textDocument/completion", at(URI, 0, 10))],
    );
    assert_eq!(labels(&in_string, 1), Vec::<String>::new());
}

// ------------------------------------------------------------ hover

fn hover_text(answers: &[Value], id: u64) -> String {
    answer(answers, id)["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn hover_shows_fields_and_segments_with_their_cost() {
    let answers = session(
        CLEAN,
        &[
            request(1, "textDocument/hover", at(URI, 2, 3)),
            request(2, "textDocument/hover", at(URI, 6, 5)),
            request(3, "textDocument/hover", at(URI, 5, 10)),
            request(4, "textDocument/hover", at(URI, 11, 4)),
            request(5, "textDocument/hover", at(URI, 10, 9)),
            request(6, "textDocument/hover", at(URI, 0, 4)),
        ],
    );
    let email = hover_text(&answers, 1);
    assert!(email.contains("(`customers.email`): text"), "{email}");
    assert!(email.contains("`=` `!=` `~` `!~` `in` `not in`"), "{email}");
    assert_eq!(answer(&answers, 1)["range"], range((2, 2), (2, 7)));
    let used = hover_text(&answers, 2);
    assert!(
        used.starts_with("```hcq\nsegment gmail_leads\n  email ~ \"gmail\" and tag = Lead\n```"),
        "{used}"
    );
    assert!(used.contains("**1 request, 1 API call**"), "{used}");
    let paged = hover_text(&answers, 3);
    assert!(paged.contains("**1 request, 2 API calls**"), "{paged}");
    assert!(
        paged.contains("pages of 100 rows until it has 150"),
        "{paged}"
    );
    assert!(hover_text(&answers, 4).contains("`customers.city`"));
    assert!(hover_text(&answers, 5).contains("**2 requests, 2 API calls**"));
    assert_eq!(answer(&answers, 6), Value::Null, "a comment");
}

// ------------------------------------------------------------ navigation

#[test]
fn definition_and_references_of_a_segment() {
    let answers = session(
        CLEAN,
        &[
            request(1, "textDocument/definition", at(URI, 11, 25)),
            request(
                2,
                "textDocument/references",
                json!({
                    "textDocument": {"uri": URI},
                    "position": {"line": 1, "character": 10},
                    "context": {"includeDeclaration": true},
                }),
            ),
            request(3, "textDocument/definition", at(URI, 2, 3)),
        ],
    );
    assert_eq!(
        answer(&answers, 1),
        json!({"uri": URI, "range": range((1, 8), (1, 19))})
    );
    let references: Vec<_> = answer(&answers, 2)
        .as_array()
        .unwrap()
        .iter()
        .map(|location| span(&location["range"]))
        .collect();
    assert_eq!(references, [(1, 8, 1, 19), (6, 3, 6, 14), (11, 20, 11, 31)]);
    assert_eq!(answer(&answers, 3), Value::Null, "a field");
}

#[test]
fn rename_edits_the_definition_and_every_reference() {
    let rename = |id, line, character, name: &str| {
        request(
            id,
            "textDocument/rename",
            json!({
                "textDocument": {"uri": URI},
                "position": {"line": line, "character": character},
                "newName": name,
            }),
        )
    };
    let answers = session(
        CLEAN,
        &[
            request(1, "textDocument/prepareRename", at(URI, 11, 25)),
            rename(2, 6, 5, "gl"),
            rename(3, 6, 5, "and"),
            rename(4, 2, 3, "x"),
        ],
    );
    assert_eq!(
        answer(&answers, 1),
        json!({"range": range((11, 20), (11, 31)), "placeholder": "gmail_leads"})
    );
    let edits = &answer(&answers, 2)["changes"][URI];
    let spans: Vec<_> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|edit| {
            assert_eq!(edit["newText"], "gl");
            span(&edit["range"])
        })
        .collect();
    assert_eq!(spans, [(1, 8, 1, 19), (6, 3, 6, 14), (11, 20, 11, 31)]);
    assert_eq!(answer(&answers, 3)["error"]["code"], -32803);
    assert!(
        answer(&answers, 3)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`and` cannot name a segment")
    );
    assert_eq!(answer(&answers, 4)["error"]["code"], -32803);
}

#[test]
fn document_symbols_are_the_segments() {
    let answers = session(
        CLEAN,
        &[request(
            1,
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )],
    );
    let symbols = answer(&answers, 1);
    let outline: Vec<_> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["detail"].as_str().unwrap(),
                span(&s["selectionRange"]),
            )
        })
        .collect();
    assert_eq!(
        outline,
        [
            ("gmail_leads", "1 request, 1 API call", (1, 8, 1, 19)),
            ("fresh_gmail_leads", "1 request, 2 API calls", (5, 8, 5, 25)),
            ("kyiv", "2 requests, 2 API calls", (10, 8, 10, 12)),
        ]
    );
    assert_eq!(span(&symbols[1]["range"]), (5, 0, 8, 11));
}

#[test]
fn semantic_tokens_tell_fields_segments_keywords_and_values_apart() {
    let text = "segment a  # 😀 c\n  name = \"Київ\" and lastSeen >= now - 30d\n\
                segment b\n  @a or tag in (Lead, 2024-01-01)\n  sort by lastSeen DESC\n";
    let answers = session(
        text,
        &[request(
            1,
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": URI}}),
        )],
    );
    let data: Vec<u64> = answer(&answers, 1)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    // Decoded to (line, character, length, type, modifiers); the types
    // are the legend's: keyword, operator, string, number, comment,
    // property (a field), function (a segment).
    let (mut line, mut character) = (0, 0);
    let tokens: Vec<(u64, u64, u64, u64, u64)> = data
        .chunks(5)
        .map(|t| {
            if t[0] > 0 {
                (line, character) = (line + t[0], t[1]);
            } else {
                character += t[1];
            }
            (line, character, t[2], t[3], t[4])
        })
        .collect();
    let (keyword, operator, string, number, comment, field, segment) = (0, 1, 2, 3, 4, 5, 6);
    assert_eq!(
        tokens,
        [
            (0, 0, 7, keyword, 0),
            (0, 8, 1, segment, 1),
            (0, 11, 6, comment, 0),
            (1, 2, 4, field, 0),
            (1, 7, 1, operator, 0),
            (1, 9, 6, string, 0),
            (1, 16, 3, keyword, 0),
            (1, 20, 8, field, 0),
            (1, 29, 2, operator, 0),
            (1, 32, 3, keyword, 0),
            (1, 38, 3, number, 0),
            (2, 0, 7, keyword, 0),
            (2, 8, 1, segment, 1),
            (3, 2, 2, segment, 0),
            (3, 5, 2, keyword, 0),
            (3, 8, 3, field, 0),
            (3, 12, 2, keyword, 0),
            (3, 22, 10, number, 0),
            (4, 2, 4, keyword, 0),
            (4, 7, 2, keyword, 0),
            (4, 10, 8, field, 0),
            (4, 19, 4, keyword, 0),
        ]
    );
    let legend = &answer(&session("", &[]), 0)["capabilities"]["semanticTokensProvider"]["legend"];
    assert_eq!(
        legend["tokenTypes"],
        json!([
            "keyword", "operator", "string", "number", "comment", "property", "function"
        ])
    );
}

// ------------------------------------------------------------ robustness

#[test]
fn the_lifecycle_and_errors_are_the_protocols() {
    let mut input = Vec::new();
    input.extend(frame(&request(1, "textDocument/hover", at(URI, 0, 0))));
    input.extend(frame(&initialize(2)));
    input.extend(b"garbage without a header\r\n\r\n");
    input.extend(b"Content-Length: 7\r\n\r\n{\"a\":,}");
    input.extend(frame(&json!([1, 2])));
    input.extend(frame(&request(3, "textDocument/unknown", json!({}))));
    input.extend(frame(&notification("$/unknown", json!({}))));
    input.extend(frame(&request(4, "textDocument/hover", json!({"bad": 1}))));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "id": {"x": 1}, "method": "shutdown"}),
    ));
    input.extend(frame(&initialize(5)));
    input.extend(frame(&shutdown(6)));
    input.extend(frame(&request(7, "textDocument/hover", at(URI, 0, 0))));
    input.extend(frame(&exit()));
    input.extend(frame(&request(8, "never/read", json!({}))));
    let (answers, stderr, status) = run_bytes(&input);
    assert_eq!(status, 0);
    let code = |i: usize| answers[i]["error"]["code"].as_i64().unwrap();
    assert_eq!(answers.len(), 10, "{answers:#?}");
    assert_eq!((answers[0]["id"].clone(), code(0)), (json!(1), -32002));
    assert!(answers[1]["result"]["capabilities"].is_object());
    assert_eq!((answers[2]["id"].clone(), code(2)), (Value::Null, -32700));
    assert_eq!((answers[3]["id"].clone(), code(3)), (Value::Null, -32600));
    assert_eq!((answers[4]["id"].clone(), code(4)), (json!(3), -32601));
    assert_eq!((answers[5]["id"].clone(), code(5)), (json!(4), -32602));
    assert_eq!((answers[6]["id"].clone(), code(6)), (Value::Null, -32600));
    assert_eq!((answers[7]["id"].clone(), code(7)), (json!(5), -32600));
    assert_eq!(
        answers[8],
        json!({"jsonrpc": "2.0", "id": 6, "result": null})
    );
    assert_eq!((answers[9]["id"].clone(), code(9)), (json!(7), -32600));
    assert!(
        stderr.contains("skipped \"garbage without a header\""),
        "{stderr}"
    );
}

#[test]
fn exit_without_shutdown_and_the_end_of_input_end_with_status_1() {
    assert_eq!(run(&[initialize(1), exit()]).2, 1);
    let (_, stderr, status) = run(&[initialize(1)]);
    assert_eq!(status, 1);
    assert!(stderr.contains("the input ended without `exit`"));
    let (_, _, status) = run_bytes(b"Content-Length: 10\r\n\r\n{}");
    assert_eq!(status, 1);
    let (_, _, status) = run_bytes(&[0xff, 0xfe, 0, 1, b'\n', b'\r', 0x80]);
    assert_eq!(status, 1);
}

#[test]
fn a_megabyte_line_is_checked_and_located() {
    let long = "😀".repeat(256 * 1024);
    let text = format!("segment a\n  name = \"{long}\" and emial = x\n");
    let diagnostics = last_diagnostics(&session(&text, &[]));
    assert_eq!(diagnostics.len(), 1);
    let start = 2 + 8 + 512 * 1024 + 6;
    assert_eq!(
        span(&diagnostics[0]["range"]),
        (1, start as u64, 1, start as u64 + 5)
    );
}

#[test]
fn ten_thousand_segments_are_checked_after_a_change() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!("segment s{i}\n  email ~ gmail and tag = Lead\n\n"));
    }
    text.push_str("segment last\n  @s9999 or city = Kyiv\n");
    let answers = session(
        &text,
        &[
            change(URI, 2, (30_001, 12), (30_001, 16), "emial"),
            request(1, "textDocument/hover", at(URI, 30_001, 4)),
        ],
    );
    let published = published(&answers, URI);
    assert_eq!(published.len(), 2);
    assert_eq!(published[0]["diagnostics"], json!([]));
    let after = published[1]["diagnostics"].as_array().unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(span(&after[0]["range"]), (30_001, 12, 30_001, 17));
    assert!(hover_text(&answers, 1).contains("```hcq\nsegment s9999\n"));
}

#[test]
fn cached_checks_give_the_plans_and_problems_of_a_fresh_check() {
    let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
    let mut cache = hcq::segment::LowerCache::default();
    let texts = [
        CLEAN.to_owned(),
        format!("# moved down\n{CLEAN}"),
        CLEAN.replace("tag = Lead", "tag = Paid"),
        CLEAN.replace("limit 150", "limit 10"),
        // A warning in a segment that was cached without one, then moved.
        CLEAN.replace("tag = Lead", "tag = Lead and not email ~ \"gmail\""),
        format!(
            "\n\n{}",
            CLEAN.replace("tag = Lead", "tag = Lead and not email ~ \"gmail\"")
        ),
        CLEAN.replace("segment kyiv", "segment kyiv\n  city = Lviv or"),
        BROKEN.to_owned(),
        CLEAN.to_owned(),
    ];
    let mut warned = 0;
    for text in &texts {
        let fresh = hcq::segment::check_file("x", text, &options);
        let cached = hcq::segment::check_file_cached("x", text, &options, &mut cache);
        match (fresh, cached) {
            (Ok(fresh), Ok(cached)) => {
                let plans = |c: &hcq::segment::CompiledFile| -> Vec<(String, hcq::Plan)> {
                    c.segments()
                        .map(|s| (s.name().to_owned(), s.plan().clone()))
                        .collect()
                };
                assert_eq!(plans(&cached), plans(&fresh), "{text}");
                let json = |c: &hcq::segment::CompiledFile| c.warnings().map(|w| w.to_json());
                assert_eq!(json(&cached), json(&fresh), "{text}");
                warned += usize::from(fresh.warnings().is_some());
            }
            (Err(fresh), Err(cached)) => assert_eq!(cached.to_json(), fresh.to_json(), "{text}"),
            (fresh, cached) => panic!("{text}: {fresh:?} but cached {cached:?}"),
        }
    }
    assert_eq!(warned, 2, "both texts with a contradiction warn");
}

// ------------------------------------------------------------ properties

/// The reference conversion, character by character: the UTF-16
/// position of byte `offset`, lines ending at `\n`, `\r\n` or `\r`.
fn naive_position(text: &str, offset: usize) -> (u64, u64) {
    let (mut line, mut column) = (0, 0);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if i + c.len_utf8() > offset {
            break;
        }
        if c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n') {
            if i + 2 > offset {
                break;
            }
            chars.next();
        }
        if c == '\n' || c == '\r' {
            line += 1;
            column = 0;
        } else {
            column += c.len_utf16() as u64;
        }
    }
    (line, column)
}

/// The reference conversion back: the byte offset of a UTF-16 position,
/// clamped to its line, and to a character's start.
fn naive_offset(text: &str, line: u64, character: u64) -> usize {
    let (mut at_line, mut column) = (0, 0);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let line_break = c == '\n' || c == '\r';
        if at_line == line && (line_break || column + c.len_utf16() as u64 > character) {
            return i;
        }
        if line_break {
            if c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n') {
                chars.next();
            }
            at_line += 1;
            column = 0;
        } else {
            column += c.len_utf16() as u64;
        }
    }
    text.len()
}

/// What `hcq check` reports for `text`, by the library path it takes, as
/// (code, severity, message, sorted label ranges).
type Expected = (Value, u64, String, Vec<(u64, u64, u64, u64)>);

fn expected_diagnostics(text: &str) -> Vec<Expected> {
    let options = hcq::Options::default();
    let report = if hcq::segment::is_segment_file(text) {
        match hcq::segment::check_file("x", text, &options) {
            Ok(compiled) => compiled.warnings(),
            Err(error) => Some(error),
        }
    } else {
        match hcq::compile(text, &options) {
            Ok(compiled) => compiled.warnings,
            Err(error) => Some(error),
        }
    };
    let Some(report) = report else {
        return Vec::new();
    };
    report
        .to_json()
        .into_iter()
        .map(|d| {
            let mut ranges: Vec<_> = d
                .labels
                .iter()
                .map(|l| {
                    let start = naive_position(text, l.offset);
                    let end = naive_position(text, l.offset + l.length);
                    (start.0, start.1, end.0, end.1)
                })
                .collect();
            if ranges.is_empty() {
                ranges.push((0, 0, 0, 0));
            }
            ranges.sort();
            let severity = match d.severity {
                "error" => 1,
                "warning" => 2,
                _ => 4,
            };
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            (json!(d.code), severity, message, ranges)
        })
        .collect()
}

fn actual_diagnostics(published: &Value) -> Vec<Expected> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut ranges = vec![span(&d["range"])];
            if let Some(related) = d["relatedInformation"].as_array() {
                ranges.extend(related.iter().map(|r| span(&r["location"]["range"])));
            }
            ranges.sort();
            let code = d.get("code").cloned().unwrap_or(Value::Null);
            (
                code,
                d["severity"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
                ranges,
            )
        })
        .collect()
}

/// Pieces random edits insert: names, operators, keywords, and text whose
/// UTF-16 length differs from its length in bytes and characters.
const PIECES: &[&str] = &[
    "",
    "a",
    "emial",
    "email",
    " and ",
    " or ",
    "not ",
    "@b",
    "@a",
    "=",
    "~",
    " ",
    "\n",
    "\r\n",
    "\r",
    "\"",
    "😀",
    "Київ",
    "é",
    "segment c\n  ",
    "#",
    "(",
    ")",
    "[x, y]",
    "now - 30d",
    "limit 150",
    "sort by lastSeen",
    "\t",
    "2024-01-01",
];

/// An edit at a random place: a line and a character (either may be past
/// the end), how many UTF-16 units further the range ends, and what goes in.
fn edit() -> impl Strategy<Value = (u64, u64, u64, usize)> {
    (0u64..8, 0u64..40, 0u64..6, 0..PIECES.len())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_edits_never_stop_the_server_and_match_hcq_check(
        start in prop::sample::select(vec![CLEAN, BROKEN, "tag = Lead", ""]),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let mut text = start.to_owned();
        let mut messages = vec![initialize(0), open(URI, &text)];
        let mut texts = vec![text.clone()];
        for (k, &(line, character, length, piece)) in edits.iter().enumerate() {
            let start = naive_offset(&text, line, character);
            let end_position = naive_position(&text, start);
            let end = naive_offset(&text, end_position.0, end_position.1 + length);
            let (end_line, end_character) = (end_position.0, end_position.1 + length);
            messages.push(change(
                URI,
                k as i32 + 2,
                (line as u32, character as u32),
                (end_line as u32, end_character as u32),
                PIECES[piece],
            ));
            text.replace_range(start..end.max(start), PIECES[piece]);
            texts.push(text.clone());
            // Every request, at the edit, on whatever the text now is.
            let base = 10 * k as u64 + 1;
            let here = at(URI, line as u32, character as u32);
            let document = json!({"textDocument": {"uri": URI}});
            for (i, (method, params)) in [
                ("textDocument/completion", here.clone()),
                ("textDocument/hover", here.clone()),
                ("textDocument/definition", here.clone()),
                ("textDocument/prepareRename", here),
                ("textDocument/documentSymbol", document.clone()),
                ("textDocument/semanticTokens/full", document.clone()),
                ("textDocument/formatting", json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}})),
            ]
            .into_iter()
            .enumerate()
            {
                messages.push(request(base + i as u64, method, params));
            }
        }
        messages.extend([shutdown(999), exit()]);
        let (answers, stderr, status) = run(&messages);
        prop_assert_eq!(status, 0, "stderr: {}", stderr);
        let published = published(&answers, URI);
        prop_assert_eq!(published.len(), texts.len());
        let failed: Vec<&Value> = answers.iter().filter(|m| m.get("error").is_some()).collect();
        prop_assert!(failed.is_empty(), "{:?}", failed);
        prop_assert_eq!(answers.len(), texts.len() + 2 + 7 * edits.len());
        for (text, published) in texts.iter().zip(published) {
            prop_assert_eq!(
                actual_diagnostics(published),
                expected_diagnostics(text),
                "text: {:?}",
                text
            );
        }
    }
}
