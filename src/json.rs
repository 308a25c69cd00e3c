//! JSON read into a tree that keeps where each value was written: for
//! diagnostics that point into the input (`decompile`), and for the text of
//! each contact of an API answer, kept byte for byte (`run`). serde_json
//! checks the whole text first (its message and position for malformed
//! JSON, its nesting limit) and decodes each string and number; this walk
//! only adds the spans.

use crate::ast::Span;

/// A JSON value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) span: Span,
    pub(crate) value: Json,
}

/// The JSON values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
    Array(Vec<Node>),
    /// Members in the order written, a key written twice kept twice (the
    /// reader reports it).
    Object(Vec<Member>),
}

/// `"key": value`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Member {
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) value: Node,
}

impl Json {
    /// What this value is, in words, for "expected …, found …".
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "true or false",
            Json::Number(_) => "a number",
            Json::Text(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Malformed JSON: serde_json's message and where it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Malformed {
    pub(crate) message: String,
    pub(crate) at: usize,
}

/// Reads `text` (one JSON value, blanks around it allowed, and a UTF-8
/// byte order mark before it, as some Windows tools write). Spans are
/// offsets in `text`, mark included.
pub(crate) fn read(text: &str) -> Result<Node, Malformed> {
    let bom = crate::contacts::bom_len(text);
    // Into a `Value`, not `IgnoredAny`: only building one applies
    // serde_json's nesting limit, which keeps the walk below shallow.
    if let Err(error) = serde_json::from_str::<serde_json::Value>(&text[bom..]) {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the span says that.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(what, _)| what)
            .to_owned();
        let at = bom + crate::contacts::offset_of(&text[bom..], error.line(), error.column());
        return Err(Malformed { message, at });
    }
    let mut walk = Walk { text, at: bom };
    Ok(walk.value())
}

/// A walk over text serde_json has found to be one valid JSON value, so
/// that nothing here can fail; nesting is within serde_json's limit of
/// 128, so recursion is shallow.
struct Walk<'t> {
    text: &'t str,
    at: usize,
}

impl Walk<'_> {
    fn blanks(&mut self) {
        let rest = &self.text.as_bytes()[self.at..];
        self.at += rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .count();
    }

    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.at).copied().unwrap_or(b' ')
    }

    fn value(&mut self) -> Node {
        self.blanks();
        let start = self.at;
        let value = match self.peek() {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Json::Text(self.string()),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            _ => self.number(),
        };
        Node {
            span: Span::new(start, self.at),
            value,
        }
    }

    fn word(&mut self, word: &str, value: Json) -> Json {
        self.at += word.len();
        value
    }

    fn number(&mut self) -> Json {
        let start = self.at;
        let rest = &self.text.as_bytes()[start..];
        self.at += rest
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let number = self.text[start..self.at]
            .parse()
            .expect("serde_json read this number");
        Json::Number(number)
    }

    /// The string starting at `self.at`, its escapes resolved.
    fn string(&mut self) -> String {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut at = start + 1;
        while bytes[at] != b'"' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        self.at = at + 1;
        serde_json::from_str(&self.text[start..self.at]).expect("serde_json read this string")
    }

    fn array(&mut self) -> Json {
        self.at += 1;
        let mut elements = Vec::new();
        loop {
            self.blanks();
            match self.peek() {
                b']' => {
                    self.at += 1;
                    return Json::Array(elements);
                }
                b',' => self.at += 1,
                _ => elements.push(self.value()),
            }
        }
    }

    fn object(&mut self) -> Json {
        self.at += 1;
        let mut members = Vec::new();
        loop {
            self.blanks();
            match self.peek() {
                b'}' => {
                    self.at += 1;
                    return Json::Object(members);
                }
                b',' => self.at += 1,
                _ => {
                    let start = self.at;
                    let key = self.string();
                    let key_span = Span::new(start, self.at);
                    self.blanks();
                    self.at += 1; // the `:`
                    let value = self.value();
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned(text: &str, node: &Node) -> String {
        node.span.slice(text).to_owned()
    }

    #[test]
    fn values_keep_where_they_were_written() {
        let text = " {\"a\": [1, -2.5e3, \"x\\\"y\"], \"b\" : {\"c\": null, \"d\": true}} ";
        let node = read(text).unwrap();
        assert_eq!(spanned(text, &node), text.trim());
        let Json::Object(members) = &node.value else {
            panic!("an object")
        };
        assert_eq!(members[0].key, "a");
        assert_eq!(members[0].key_span.slice(text), "\"a\"");
        let Json::Array(elements) = &members[0].value.value else {
            panic!("an array")
        };
        let texts: Vec<String> = elements.iter().map(|e| spanned(text, e)).collect();
        assert_eq!(texts, ["1", "-2.5e3", "\"x\\\"y\""]);
        assert_eq!(elements[2].value, Json::Text("x\"y".into()));
        let Json::Object(inner) = &members[1].value.value else {
            panic!("an object")
        };
        assert_eq!(inner[0].value.value, Json::Null);
        assert_eq!(spanned(text, &inner[1].value), "true");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_spans_stay_true() {
        let text = "\u{FEFF}{\"a\": 1}";
        let node = read(text).unwrap();
        assert_eq!(spanned(text, &node), "{\"a\": 1}");
        let error = read("\u{FEFF}{,}").unwrap_err();
        assert_eq!(error.at, 4);
    }

    #[test]
    fn a_key_written_twice_is_kept_twice() {
        let node = read(r#"{"a": 1, "a": 2}"#).unwrap();
        let Json::Object(members) = node.value else {
            panic!("an object")
        };
        assert_eq!(members.len(), 2);
    }

    #[test]
    fn malformed_json_says_what_and_where() {
        let text = "{\n  \"a\": [1, 2,]\n}";
        let error = read(text).unwrap_err();
        assert!(!error.message.is_empty() && !error.message.contains(" at line "));
        assert_eq!(&text[error.at..error.at + 1], "]");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(read(&deep).unwrap_err().message.contains("recursion"));
    }
}
