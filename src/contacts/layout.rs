//! Telling the layouts apart (a JSON array, an API response, JSON Lines)
//! and finding the records in them, each with where it is written, one
//! record at a time.

use super::records::kind;
use super::scan::{Walk, count, member, member_skipping, member_start};
use super::{ContactsProblem, Range, range_span};
use serde::de::IgnoredAny;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;

pub(super) struct Reader<'t> {
    pub(super) text: &'t str,
}

impl Reader<'_> {
    pub(super) fn syntax(&self, error: &serde_json::Error) -> ContactsProblem {
        // serde_json counts columns after the byte order mark, if any.
        let column = match error.line() {
            1 => error.column() + bom_len(self.text),
            _ => error.column(),
        };
        let offset = offset_of(self.text, error.line(), column);
        let message = error.to_string();
        // serde_json appends " at line L column C"; the fields say that.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(what, _)| what)
            .to_owned();
        ContactsProblem::Syntax {
            message,
            line: error.line(),
            column: error.column(),
            span: (offset, 0).into(),
        }
    }
}

/// Where the next record is: the first byte after the last one read.
pub(super) enum Cursor {
    /// In an array, after its `[` or an element.
    Elements(usize),
    /// In JSON Lines, where every top-level value is a record.
    Values(usize),
    /// A single object, the one record of a one-line JSON Lines text.
    One(Option<usize>),
}

impl Cursor {
    /// The record read ended at `end`.
    pub(super) fn moved_to(&mut self, end: usize) {
        match self {
            Cursor::Elements(at) | Cursor::Values(at) => *at = end,
            Cursor::One(_) => {}
        }
    }
}

/// Where the next record starts, if there is one (the text is valid JSON).
pub(super) fn next_start(text: &str, cursor: &mut Cursor) -> Option<usize> {
    match cursor {
        Cursor::Elements(at) => loop {
            *at = skip_blanks(text, *at);
            match text.as_bytes().get(*at) {
                None | Some(b']') => return None,
                Some(b',') => *at += 1,
                Some(_) => return Some(*at),
            }
        },
        Cursor::Values(at) => {
            *at = skip_blanks(text, *at);
            (*at < text.len()).then_some(*at)
        }
        Cursor::One(start) => start.take(),
    }
}

/// A JSON value read and let go: serde_json checks it as it checks a
/// `Value` it builds (strings decoded, so a lone surrogate escape is an
/// error, as it always was; the same nesting bound), building nothing
/// (`IgnoredAny` skips strings without decoding them). Whether some object
/// in it has a key twice (after escapes) comes out, so that the slower
/// search for where ([`super::scan::duplicate_key`]) runs only then.
pub(super) struct Checked {
    pub(super) duplicate_key: bool,
}

const CHECKED: Checked = Checked {
    duplicate_key: false,
};

impl<'de> serde::Deserialize<'de> for Checked {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> serde::de::Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(CHECKED)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let mut duplicate_key = false;
        while let Some(item) = seq.next_element::<Checked>()? {
            duplicate_key |= item.duplicate_key;
        }
        Ok(Checked { duplicate_key })
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut duplicate_key = false;
        // Objects have a few keys: comparing with each is quicker than
        // hashing, up to a point.
        let mut keys: Vec<Cow<'de, str>> = Vec::new();
        let mut many: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<Checked>()?;
            duplicate_key |= value.duplicate_key;
            if duplicate_key {
                continue;
            }
            if keys.len() < 32 {
                duplicate_key = keys.contains(&key);
                keys.push(key);
            } else {
                if many.is_empty() {
                    many.extend(keys.iter().cloned());
                }
                duplicate_key = !many.insert(key);
            }
        }
        Ok(Checked { duplicate_key })
    }
}

/// An object's key, borrowed from the text unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// How many JSON values the text holds (0, 1, or 2 for "several"), where
/// the first is written, and whether an object has a key twice, checking
/// that all of it is JSON without building any of it.
pub(super) fn values(text: &str) -> Result<(usize, Range, bool), ContactsProblem> {
    let bom = bom_len(text);
    let mut stream = serde_json::Deserializer::from_str(&text[bom..]).into_iter::<Checked>();
    let mut count = 0;
    let mut duplicate_key = false;
    let mut first = (bom, bom);
    let mut end = bom;
    loop {
        let start = skip_blanks(text, end);
        match stream.next() {
            None => return Ok((count.min(2), first, duplicate_key)),
            Some(Ok(checked)) => {
                duplicate_key |= checked.duplicate_key;
                end = bom + stream.byte_offset();
                if count == 0 {
                    first = (start, end);
                }
                count += 1;
            }
            Some(Err(error)) => return Err(Reader { text }.syntax(&error)),
        }
    }
}

/// The records' cursor and, for an API response, where it starts and where
/// its `data` does, by the layout the values make (see the module docs of
/// [`super`]).
pub(super) type Layout = (Cursor, Option<(usize, usize)>);

/// The `total` of the API response that starts at `object`, whose `data`
/// array is written at `data`, and where its member is written.
pub(super) fn total(text: &str, object: usize, data: Range) -> Option<(u64, Range)> {
    let (key, value) = member_skipping(text, object, "total", data)?;
    let total = count(&parse(&text[value.0..value.1]))?;
    Some((total, (key.0, value.1)))
}

pub(super) fn layout(text: &str, values: usize, range: Range) -> Result<Layout, ContactsProblem> {
    let bom = bom_len(text);
    match values {
        0 => Err(ContactsProblem::Layout {
            found: "nothing".to_owned(),
            span: (0, text.len()).into(),
        }),
        1 => match text.as_bytes()[range.0] {
            b'[' => Ok((Cursor::Elements(range.0 + 1), None)),
            b'{' => match member_start(text, range.0, "data") {
                Some(start) => {
                    if text.as_bytes()[start] != b'[' {
                        let data = member(text, range.0, "data").map_or((start, start), |m| m.1);
                        let value = parse(&text[data.0..data.1]);
                        return Err(ContactsProblem::Layout {
                            found: format!("`data` holding {}", kind(Some(&value))),
                            span: range_span(range),
                        });
                    }
                    // `total` is looked for once the records are read, when
                    // where `data` ends is known and its walk can be skipped.
                    Ok((Cursor::Elements(start + 1), Some((range.0, start))))
                }
                None => Ok((Cursor::One(Some(range.0)), None)),
            },
            _ => Err(ContactsProblem::Layout {
                found: kind(Some(&parse(&text[range.0..range.1]))),
                span: range_span(range),
            }),
        },
        // Several values: JSON Lines, each value one contact.
        _ => Ok((Cursor::Values(bom), None)),
    }
}

/// One value of text known to be valid JSON.
pub(super) fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

/// The index of the record whose text holds byte `offset`, if any.
pub(super) fn record_holding(text: &str, cursor: &Cursor, offset: usize) -> Option<usize> {
    match cursor {
        // Every byte of a JSON Lines text that is not a blank is in a record.
        Cursor::Values(_) => {
            let bom = bom_len(text);
            let mut stream =
                serde_json::Deserializer::from_str(&text[bom..]).into_iter::<IgnoredAny>();
            let mut index = 0;
            while let Some(Ok(_)) = stream.next() {
                if offset < bom + stream.byte_offset() {
                    return Some(index);
                }
                index += 1;
            }
            None
        }
        // The text is the one record.
        Cursor::One(_) => Some(0),
        Cursor::Elements(at) => {
            let mut walk = Walk {
                bytes: text.as_bytes(),
                at: *at,
            };
            let mut index = 0;
            while let Some(range) = next_element(&mut walk) {
                if (range.0..range.1).contains(&offset) {
                    return Some(index);
                }
                if range.0 > offset {
                    return None;
                }
                index += 1;
            }
            None
        }
    }
}

/// The next element of the array being walked, or `None` at its end.
pub(super) fn next_element(walk: &mut Walk<'_>) -> Option<Range> {
    loop {
        walk.blanks();
        match walk.bytes.get(walk.at) {
            None | Some(b']') => return None,
            Some(b',') => walk.at += 1,
            Some(_) => {
                let start = walk.at;
                walk.value();
                return Some((start, walk.at));
            }
        }
    }
}

/// The length of a UTF-8 byte order mark at the start of `text` (as some
/// Windows tools write before JSON), which is not JSON and is skipped.
pub(crate) fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{FEFF}') { 3 } else { 0 }
}

/// The first byte at or after `at` that is not a JSON blank.
pub(super) fn skip_blanks(text: &str, at: usize) -> usize {
    let rest = &text.as_bytes()[at.min(text.len())..];
    at + rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// The byte offset of serde_json's `line` and `column` (both from 1;
/// column 0 means before the line's first byte).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
