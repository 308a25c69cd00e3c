//! Telling the layouts apart (a JSON array, an API response, JSON Lines)
//! and finding the records in them, each with where it is written, one
//! record at a time.

use super::records::kind;
use super::scan::{Walk, count, member};
use super::{ContactsProblem, Range, range_span};
use serde::de::IgnoredAny;
use serde_json::Value;

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

/// Where the next record is.
pub(super) enum Cursor<'t> {
    /// The elements of an array, walked from here (the text is valid JSON).
    Elements(Walk<'t>),
    /// JSON Lines: every top-level value is a record.
    Values {
        stream: serde_json::StreamDeserializer<'t, serde_json::de::StrRead<'t>, Value>,
        end: usize,
    },
    /// A single object, the one record of a one-line JSON Lines text.
    One(Option<Range>),
}

/// How many JSON values the text holds (0, 1, or 2 for "several") and
/// where the first is written, checking that all of it is JSON without
/// building any of it.
pub(super) fn values(text: &str) -> Result<(usize, Range), ContactsProblem> {
    let bom = bom_len(text);
    let mut stream = serde_json::Deserializer::from_str(&text[bom..]).into_iter::<IgnoredAny>();
    let mut count = 0;
    let mut first = (bom, bom);
    let mut end = bom;
    loop {
        let start = skip_blanks(text, end);
        match stream.next() {
            None => return Ok((count.min(2), first)),
            Some(Ok(IgnoredAny)) => {
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

/// The records' cursor and the `total` of an API response, by the layout
/// the values make (see the module docs of [`super`]).
pub(super) type Layout<'t> = (Cursor<'t>, Option<(u64, Range)>);

pub(super) fn layout(
    text: &str,
    values: usize,
    range: Range,
) -> Result<Layout<'_>, ContactsProblem> {
    let bom = bom_len(text);
    let walk = |at| Walk {
        bytes: text.as_bytes(),
        at,
    };
    match values {
        0 => Err(ContactsProblem::Layout {
            found: "nothing".to_owned(),
            span: (0, text.len()).into(),
        }),
        1 => match text.as_bytes()[range.0] {
            b'[' => Ok((Cursor::Elements(walk(range.0 + 1)), None)),
            b'{' => match member(text, range.0, "data") {
                Some((_, data)) => {
                    if text.as_bytes()[data.0] != b'[' {
                        let value = parse(&text[data.0..data.1]);
                        return Err(ContactsProblem::Layout {
                            found: format!("`data` holding {}", kind(Some(&value))),
                            span: range_span(range),
                        });
                    }
                    let total = member(text, range.0, "total").and_then(|(key, value)| {
                        let total = count(&parse(&text[value.0..value.1]))?;
                        Some((total, (key.0, value.1)))
                    });
                    Ok((Cursor::Elements(walk(data.0 + 1)), total))
                }
                None => Ok((Cursor::One(Some(range)), None)),
            },
            _ => Err(ContactsProblem::Layout {
                found: kind(Some(&parse(&text[range.0..range.1]))),
                span: range_span(range),
            }),
        },
        // Several values: JSON Lines, each value one contact.
        _ => Ok((
            Cursor::Values {
                stream: serde_json::Deserializer::from_str(&text[bom..]).into_iter(),
                end: bom,
            },
            None,
        )),
    }
}

/// One value of text known to be valid JSON.
pub(super) fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

/// The index of the record whose text holds byte `offset`, if any.
pub(super) fn record_holding(text: &str, cursor: &Cursor<'_>, offset: usize) -> Option<usize> {
    match cursor {
        // Every byte of a JSON Lines text that is not a blank is in a record.
        Cursor::Values { .. } => {
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
        Cursor::One(range) => range.filter(|r| (r.0..r.1).contains(&offset)).map(|_| 0),
        Cursor::Elements(walk) => {
            let mut walk = Walk {
                bytes: walk.bytes,
                at: walk.at,
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
