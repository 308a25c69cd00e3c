//! Telling the layouts apart (a JSON array, an API response, JSON Lines)
//! and finding the records in them, each with where it is written.

use super::records::kind;
use super::scan::{count, elements, member};
use super::{ContactsProblem, Range, range_span};
use serde_json::Value;

pub(super) struct Reader<'t> {
    pub(super) text: &'t str,
}

/// The records of a text and, for an API response, its `total`.
pub(super) struct Layout {
    /// Each record with where it was written, in the text's order.
    pub(super) records: Vec<(Value, Range)>,
    /// The `total` of an API response, and where its member is written.
    pub(super) total: Option<(u64, Range)>,
}

impl Layout {
    /// The index of the record whose text holds byte `offset`.
    pub(super) fn record_holding(&self, offset: usize) -> Option<usize> {
        let after = self.records.partition_point(|(_, range)| range.0 <= offset);
        let index = after.checked_sub(1)?;
        (offset < self.records[index].1.1).then_some(index)
    }
}

impl Reader<'_> {
    /// The JSON values of the text, each with where it was written: one for
    /// an array or an API response, one per line for JSON Lines.
    pub(super) fn values(&self) -> Result<Vec<(Value, Range)>, ContactsProblem> {
        let text = self.text;
        let bom = bom_len(text);
        let mut values = Vec::new();
        let mut stream = serde_json::Deserializer::from_str(&text[bom..]).into_iter::<Value>();
        let mut end = bom;
        loop {
            let start = skip_blanks(text, end);
            match stream.next() {
                None => return Ok(values),
                Some(Ok(value)) => {
                    end = bom + stream.byte_offset();
                    values.push((value, (start, end)));
                }
                Some(Err(error)) => return Err(self.syntax(&error)),
            }
        }
    }

    /// The records among `values`, by the layout they make.
    pub(super) fn layout(
        &self,
        mut values: Vec<(Value, Range)>,
    ) -> Result<Layout, ContactsProblem> {
        let text = self.text;
        let records = |records| Layout {
            records,
            total: None,
        };
        match values.len() {
            0 => Err(ContactsProblem::Layout {
                found: "nothing".to_owned(),
                span: (0, text.len()).into(),
            }),
            // One value: an array, an API response, or one line of JSON Lines.
            1 => {
                let (value, range) = values.pop().expect("one value");
                match value {
                    Value::Array(items) => Ok(records(
                        items.into_iter().zip(elements(text, range.0)).collect(),
                    )),
                    Value::Object(mut object) if object.contains_key("data") => {
                        let total = object.get("total").and_then(count).and_then(|total| {
                            let (key, value) = member(text, range.0, "total")?;
                            Some((total, (key.0, value.1)))
                        });
                        match object.remove("data") {
                            Some(Value::Array(items)) => {
                                let at = member(text, range.0, "data")
                                    .map_or(range.0, |(_, value)| value.0);
                                Ok(Layout {
                                    records: items.into_iter().zip(elements(text, at)).collect(),
                                    total,
                                })
                            }
                            other => Err(ContactsProblem::Layout {
                                found: format!("`data` holding {}", kind(other.as_ref())),
                                span: range_span(range),
                            }),
                        }
                    }
                    value @ Value::Object(_) => Ok(records(vec![(value, range)])),
                    other => Err(ContactsProblem::Layout {
                        found: kind(Some(&other)),
                        span: range_span(range),
                    }),
                }
            }
            // Several values: JSON Lines, each value one contact.
            _ => Ok(records(values)),
        }
    }

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
