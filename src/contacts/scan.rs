//! Walking valid JSON text without building it: where an array's elements
//! and an object's members are written, and the first key written twice in
//! one object, anywhere in the text.

use super::{ContactsProblem, Range, Record, range_span};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Walks valid JSON without building it, to find where things are: the
/// values in an array, the value of an object's member. `serde_json::Value`
/// keeps no positions, and these are what diagnostics point at.
pub(super) struct Walk<'t> {
    pub(super) bytes: &'t [u8],
    pub(super) at: usize,
}

impl Walk<'_> {
    pub(super) fn blanks(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
    }

    /// Skips one value (the text is known to be valid JSON); iterative, so
    /// that deep nesting costs no stack.
    pub(super) fn value(&mut self) {
        let mut depth = 0usize;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'"' => self.string(),
                b'[' | b'{' => {
                    depth += 1;
                    self.at += 1;
                }
                b']' | b'}' | b',' | b':' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => return,
                b']' | b'}' => {
                    depth -= 1;
                    self.at += 1;
                }
                _ => self.at += 1,
            }
            if depth == 0 && matches!(b, b'"' | b']' | b'}') {
                return;
            }
        }
    }

    pub(super) fn string(&mut self) {
        self.at += 1;
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += if b == b'\\' { 2 } else { 1 };
            if b == b'"' {
                return;
            }
        }
    }
}

/// Where member `key` of the object that opens at `at` is written: its
/// key (quotes included) and its value.
pub(super) fn member(text: &str, at: usize, key: &str) -> Option<(Range, Range)> {
    member_skipping(text, at, key, (usize::MAX, usize::MAX))
}

/// Where the value of member `key` of the object that opens at `at`
/// starts, without walking that value (the `data` of an API response is
/// most of the text).
pub(super) fn member_start(text: &str, at: usize, key: &str) -> Option<usize> {
    member_skipping(text, at, key, (usize::MAX, 0)).map(|(_, value)| value.0)
}

/// [`member`], jumping over the value written at `skip` instead of walking
/// it (the `data` of an API response, already read, can be most of the
/// text).
pub(super) fn member_skipping(
    text: &str,
    at: usize,
    key: &str,
    skip: Range,
) -> Option<(Range, Range)> {
    let mut walk = Walk {
        bytes: text.as_bytes(),
        at: at + 1,
    };
    loop {
        walk.blanks();
        match walk.bytes.get(walk.at)? {
            b'}' => return None,
            b',' => walk.at += 1,
            _ => {
                let start = walk.at;
                walk.string();
                let name = text.get(start..walk.at).map(key_text);
                let name_end = walk.at;
                walk.blanks();
                walk.at += 1; // `:`
                walk.blanks();
                let value = walk.at;
                let name = name.as_deref();
                if value == skip.0 {
                    walk.at = skip.1;
                } else if name == Some(key) && skip == (usize::MAX, 0) {
                    // Only where the value starts is asked for.
                    return Some(((start, name_end), (value, value)));
                } else {
                    walk.value();
                }
                if name == Some(key) {
                    return Some(((start, name_end), (value, walk.at)));
                }
            }
        }
    }
}

/// The text of a JSON string as written, quotes included, with its
/// escapes resolved only when it has some: keys mostly have none.
pub(super) fn key_text(quoted: &str) -> Cow<'_, str> {
    let raw = quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(quoted);
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    serde_json::from_str::<String>(quoted).map_or(Cow::Borrowed(raw), Cow::Owned)
}

/// A key written twice in one object: the first time and the second.
pub(super) struct Duplicate {
    pub(super) key: String,
    pub(super) first: Range,
    pub(super) second: Range,
}

impl Duplicate {
    pub(super) fn problem(&self, record: Option<Record>) -> ContactsProblem {
        ContactsProblem::DuplicateKey {
            key: self.key.clone(),
            record,
            span: range_span(self.second),
            first_span: range_span(self.first),
        }
    }
}

/// The first key written twice in one object of the valid JSON from `at`
/// on (first by where its second occurrence is), at any depth. Each key is
/// hashed once, so this is linear in the text; iterative, like [`Walk`].
pub(super) fn duplicate_key(text: &str, at: usize) -> Option<Duplicate> {
    type Keys<'t> = HashMap<Cow<'t, str>, Range>;
    let bytes = text.as_bytes();
    // One set of keys per open object; `None` for an open array.
    let mut open: Vec<Option<Keys<'_>>> = Vec::new();
    // The sets of closed objects, kept to spare an allocation per object.
    let mut spare: Vec<Keys<'_>> = Vec::new();
    let mut expect_key = false;
    let mut walk = Walk { bytes, at };
    while let Some(&b) = bytes.get(walk.at) {
        match b {
            b'{' => {
                open.push(Some(spare.pop().unwrap_or_default()));
                expect_key = true;
            }
            b'[' => {
                open.push(None);
                expect_key = false;
            }
            b'}' | b']' => {
                if let Some(Some(mut keys)) = open.pop() {
                    keys.clear();
                    spare.push(keys);
                }
                expect_key = false;
            }
            b',' => expect_key = matches!(open.last(), Some(Some(_))),
            b':' => expect_key = false,
            b'"' => {
                let start = walk.at;
                walk.string();
                let keys = open.last_mut().and_then(Option::as_mut);
                if let (true, Some(keys), Some(quoted)) =
                    (expect_key, keys, text.get(start..walk.at))
                {
                    let second = (start, walk.at);
                    match keys.entry(key_text(quoted)) {
                        Entry::Occupied(first) => {
                            return Some(Duplicate {
                                key: first.key().clone().into_owned(),
                                first: *first.get(),
                                second,
                            });
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(second);
                        }
                    }
                }
                expect_key = false;
                continue;
            }
            _ => {}
        }
        walk.at += 1;
    }
    None
}

/// A count as an API response writes `total`: a whole number, or a string
/// of one.
pub(super) fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
