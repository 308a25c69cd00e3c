//! Reading records one at a time: the text is checked whole first (its
//! JSON, and whether a key is written twice), without building it; each
//! record is then read straight into a contact, or, when that fails, built
//! as a `Value` and checked field by field to say what is wrong, and let go
//! before the next. Reading holds one record at a time, not the export's.

use super::layout::{Cursor, Reader, bom_len, layout, next_start, record_holding, total, values};
use super::records::{self, short};
use super::scan::{Duplicate, duplicate_key};
use super::{Contact, range_span};
use super::{ContactsError, ContactsProblem, ContactsWarning, ContactsWarningKind, Range, Record};
use miette::NamedSource;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// Contacts read one at a time from the text of an export, each with the
/// byte range its record is written at: what [`stream`](super::stream)
/// returns.
///
/// The first error ends the stream (every later `next` is `None`); the
/// warnings about the whole export are known once the stream has ended
/// ([`Stream::warnings`]).
pub struct Stream<'t> {
    name: String,
    text: &'t str,
    cursor: Cursor,
    /// For an API response: where it starts, and where its `data` does.
    response: Option<(usize, usize)>,
    /// Its `total` and where that is written, once the records are read.
    total: Option<(u64, Range)>,
    /// A key written twice inside a record: the record's index, and where.
    duplicate: Option<(usize, Duplicate)>,
    /// Records read so far.
    index: usize,
    /// The line of byte `line_at`, from 0, counted on as records are read.
    line: usize,
    line_at: usize,
    /// Every id read so far: results are unions by id, so an id two
    /// records share is refused. The first record with it is found again
    /// by reading from the start, when it happens.
    ids: HashSet<i64>,
    done: bool,
    /// Whether the stream ended with an error (then it has no warnings).
    failed: bool,
}

/// A stream over the records of `text`, or the first problem found before
/// any record is read: its JSON, its layout, a key written twice outside
/// every record.
pub(super) fn open<'t>(name: &str, text: &'t str) -> Result<Stream<'t>, ContactsError> {
    let fail = |problem| ContactsError {
        problem: Box::new(problem),
        source_code: NamedSource::new(name, Arc::from(text)),
    };
    let bom = bom_len(text);
    let (values, first, twice) = values(text).map_err(fail)?;
    // Found on the whole text before the layout is read, because a key
    // written twice outside the records (`data`, `total`) changes what the
    // layout is.
    let duplicate = if twice {
        duplicate_key(text, bom)
    } else {
        None
    };
    let layout = match (layout(text, values, first), &duplicate) {
        (Ok(layout), _) => layout,
        (Err(_), Some(duplicate)) => return Err(fail(duplicate.problem(None))),
        (Err(problem), None) => return Err(fail(problem)),
    };
    let (cursor, response) = layout;
    let duplicate = match duplicate {
        None => None,
        Some(duplicate) => match record_holding(text, &cursor, duplicate.second.0) {
            Some(index) => Some((index, duplicate)),
            None => return Err(fail(duplicate.problem(None))),
        },
    };
    Ok(Stream {
        name: name.to_owned(),
        text,
        cursor,
        response,
        total: None,
        duplicate,
        index: 0,
        line: 0,
        line_at: 0,
        ids: HashSet::new(),
        done: false,
        failed: false,
    })
}

impl std::fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.name)
            .field("records_read", &self.index)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream<'_> {
    /// The next record, read, and its range, if any.
    fn next_record(&mut self) -> Option<Result<(Read, Range), ContactsProblem>> {
        let text = self.text;
        let start = next_start(text, &mut self.cursor)?;
        // A key written twice in this record is reported from its value.
        let duplicate = self
            .duplicate
            .as_ref()
            .is_some_and(|(at, _)| *at == self.index);
        let read = match text.as_bytes()[start] {
            b'{' if !duplicate => fast(text, start).map_or_else(|| slow(text, start), Ok),
            _ => slow(text, start),
        };
        Some(read.map(|(read, end)| {
            self.cursor.moved_to(end);
            (read, (start, end))
        }))
    }

    /// The line (from 1) byte `at` is on; `at` never goes back.
    fn line_of(&mut self, at: usize) -> usize {
        let gap = &self.text.as_bytes()[self.line_at..at];
        self.line += gap.iter().filter(|&&b| b == b'\n').count();
        self.line_at = at;
        self.line + 1
    }

    /// The next contact; `check_ids` refuses an id read before.
    fn read_one(
        &mut self,
        check_ids: bool,
    ) -> Option<Result<(Contact, std::ops::Range<usize>), ContactsProblem>> {
        let (read, range) = match self.next_record()? {
            Ok(read) => read,
            Err(problem) => return Some(Err(problem)),
        };
        let index = self.index;
        self.index += 1;
        let contact = match read {
            Read::Contact(contact) => contact,
            Read::Value(json) => {
                let record = Record {
                    index,
                    line: self.line_of(range.0),
                    id: json.get("id").map(short),
                };
                if let Some((_, duplicate)) = self.duplicate.as_ref().filter(|(at, _)| *at == index)
                {
                    return Some(Err(duplicate.problem(Some(record))));
                }
                match records::contact(&json, &record, range) {
                    Ok(contact) => contact,
                    Err(problem) => return Some(Err(problem)),
                }
            }
        };
        // Results are unions by id: two records with one id would make
        // the expression and its plan disagree about what matches.
        if check_ids && !self.ids.insert(contact.id) {
            let record = Record {
                index,
                line: self.line_of(range.0),
                id: Some(contact.id.to_string()),
            };
            let (first, first_range) = self.first_with(contact.id);
            return Some(Err(ContactsProblem::DuplicateId {
                id: contact.id,
                first,
                record,
                span: range_span(range),
                first_span: range_span(first_range),
            }));
        }
        Some(Ok((contact, range.0..range.1)))
    }

    /// The first record with `id`, read again from the start of the text
    /// (which reads, up to the record that repeats it).
    fn first_with(&self, id: i64) -> (Record, Range) {
        let mut again = open(&self.name, self.text).expect("the text read once reads again");
        while let Some(Ok((contact, range))) = again.read_one(false) {
            if contact.id == id {
                let record = Record {
                    index: again.index - 1,
                    line: again.line_of(range.start),
                    id: Some(id.to_string()),
                };
                return (record, (range.start, range.end));
            }
        }
        unreachable!("an id seen before is found again")
    }

    /// The warnings about the export as a whole (an API response whose
    /// `total` counts more contacts than it holds), once every record has
    /// been read; none before, or after an error.
    pub fn warnings(&self) -> Vec<ContactsWarning> {
        let Some((total, range)) = self.total else {
            return Vec::new();
        };
        if !self.done || self.failed || total <= self.index as u64 {
            return Vec::new();
        }
        vec![ContactsWarning {
            warning: Box::new(ContactsWarningKind::PartialExport {
                records: self.index,
                total,
                span: range_span(range),
            }),
            source_code: NamedSource::new(&self.name, Arc::from(self.text)),
        }]
    }

    /// How many records have been read so far.
    pub fn records_read(&self) -> usize {
        self.index
    }
}

/// A record as read: a contact at once, or a value to check field by field.
// Not boxed: a `Read` lives only until its record is read, and boxing the
// contact would cost an allocation a record on the common path.
#[allow(clippy::large_enum_variant)]
enum Read {
    Contact(Contact),
    Value(Value),
}

/// A record read straight into a contact ([`records::fast`]), with its
/// end; `None` for a record [`slow`] has to say something about.
fn fast(text: &str, start: usize) -> Option<(Read, usize)> {
    let (contact, len) = records::fast(&text[start..])?;
    Some((Read::Contact(contact), start + len))
}

/// A record of text known to be JSON (it was read whole without building
/// it), built as a value, with its end. serde_json checks a little more
/// when it builds a value than when it skips one (a lone surrogate escape,
/// `"\\ud800"`, say): then the whole text is read as before streaming, for
/// the same error at the same place.
fn slow(text: &str, start: usize) -> Result<(Read, usize), ContactsProblem> {
    let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
    let error = match stream.next() {
        Some(Ok(value)) => return Ok((Read::Value(value), start + stream.byte_offset())),
        Some(Err(error)) => error.to_string(),
        None => "EOF while parsing a value".to_owned(),
    };
    let bom = bom_len(text);
    let mut whole = serde_json::Deserializer::from_str(&text[bom..]).into_iter::<Value>();
    loop {
        match whole.next() {
            Some(Ok(_)) => {}
            Some(Err(whole)) => return Err(Reader { text }.syntax(&whole)),
            // Only this record fails: say so, at its start.
            None => {
                return Err(ContactsProblem::Syntax {
                    message: error,
                    line: text[..start].matches('\n').count() + 1,
                    column: 1,
                    span: (start, 0).into(),
                });
            }
        }
    }
}

impl Iterator for Stream<'_> {
    type Item = Result<(Contact, std::ops::Range<usize>), ContactsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_one(true) {
            None => {
                self.done = true;
                if let (Some((object, data)), Cursor::Elements(end)) = (self.response, &self.cursor)
                {
                    // The cursor stopped at the `]` that closes `data`.
                    self.total = total(self.text, object, (data, end + 1));
                }
                None
            }
            Some(Ok(read)) => Some(Ok(read)),
            Some(Err(problem)) => {
                self.done = true;
                // No warnings after an error: the export did not read.
                self.failed = true;
                Some(Err(ContactsError {
                    problem: Box::new(problem),
                    source_code: NamedSource::new(&self.name, Arc::from(self.text)),
                }))
            }
        }
    }
}
