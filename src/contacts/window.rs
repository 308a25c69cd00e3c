//! Reading a good export from a reader through a window of its bytes,
//! without ever holding the whole text: for `hcq eval` over a file, whose
//! memory should follow the matches, not the export (issue 15).
//!
//! Only the common case is read this way: JSON that is an array of
//! contacts, an API response that opens with `data` (`{"data": [...], …}`)
//! and whose `total` counts no more contacts than it holds, or JSON Lines
//! of objects; every record a contact; no key written twice, no id twice;
//! UTF-8; within the size bound. Anything else — an error, a warning, a
//! rarer layout — makes [`read`] give up ([`Outcome::Reread`]), and the
//! caller reads the whole text with [`super::stream`], which says what is
//! wrong exactly as it always has, pointing into the text. Errors are rare
//! and the text is then needed anyway, for the report.

use super::layout::{Checked, bom_len};
use super::records;
use crate::eval::Contact;
use std::collections::HashSet;
use std::io::{self, Read};

/// How much is read at a time.
const CHUNK: usize = 1 << 20;

/// How [`read`] ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every record was read and handed over: the export is good.
    Read,
    /// Something is not the common case (or is wrong): read the whole text
    /// with [`super::stream`] and start again. Nothing handed over counts.
    Reread,
}

/// A record handed over: the contact, its text as written, and the
/// column (in characters) its first byte is at on its line.
pub(crate) struct Record<'a> {
    pub(crate) contact: Contact,
    pub(crate) text: &'a str,
    pub(crate) column: usize,
}

/// Reads the records of `reader`, at most `max_bytes` of it, handing each
/// to `each` in order; see the module docs for what makes it give up.
///
/// # Errors
///
/// What reading the reader fails with.
pub(crate) fn read(
    reader: &mut dyn Read,
    max_bytes: usize,
    each: &mut dyn FnMut(Record<'_>),
) -> io::Result<Outcome> {
    let mut window = Window {
        reader,
        bytes: Vec::with_capacity(CHUNK * 2),
        at: 0,
        total: 0,
        max_bytes,
        eof: false,
        column: 0,
        pin: usize::MAX,
    };
    Ok(match records(&mut window, each)? {
        // Past the bound, the whole-text reading says so.
        Some(()) if window.total <= max_bytes => Outcome::Read,
        _ => Outcome::Reread,
    })
}

/// The bytes read and not yet let go, and where the reading is.
struct Window<'r> {
    reader: &'r mut dyn Read,
    bytes: Vec<u8>,
    /// The first byte not yet read through, in `bytes`.
    at: usize,
    /// Bytes read from the reader so far.
    total: usize,
    max_bytes: usize,
    eof: bool,
    /// The column (in characters) of `bytes[0]` on its line.
    column: usize,
    /// A byte not to let go of yet (`usize::MAX` for none), to come back to.
    pin: usize,
}

impl Window<'_> {
    /// Reads another chunk; `false` at the end, or past the bound (which
    /// the whole-text reading reports).
    fn more(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Let go of what was read through, keeping the column it ends at.
        let done = self.at.min(self.pin);
        if done > 0 {
            let gone = &self.bytes[..done];
            self.column = match gone.iter().rposition(|&b| b == b'\n') {
                Some(newline) => count_chars(&gone[newline + 1..]),
                None => self.column + count_chars(gone),
            };
            self.bytes.drain(..done);
            self.at -= done;
            if self.pin != usize::MAX {
                self.pin -= done;
            }
        }
        // Up to a chunk, however little each read of the reader gives;
        // less than a chunk means its end.
        let got = (&mut *self.reader)
            .take(CHUNK as u64)
            .read_to_end(&mut self.bytes)?;
        self.total += got;
        if got < CHUNK || self.total > self.max_bytes {
            self.eof = true;
        }
        Ok(got > 0 && self.total <= self.max_bytes)
    }

    /// The next byte that is not a JSON blank, without taking it; `None`
    /// at the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            while let Some(&b) = self.bytes.get(self.at) {
                if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                    self.at += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// Takes `literal` (after blanks), or says it is not there.
    fn expect(&mut self, literal: &[u8]) -> io::Result<bool> {
        if self.peek()?.is_none() {
            return Ok(false);
        }
        while self.bytes.len() < self.at + literal.len() {
            if !self.more()? {
                return Ok(false);
            }
        }
        if self.bytes[self.at..].starts_with(literal) {
            self.at += literal.len();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The JSON value that starts at `at` (not a blank), checked as the
    /// whole-text reading checks it: its length, or `None` when it is not
    /// JSON or has a key twice.
    fn value(&mut self) -> io::Result<Option<usize>> {
        loop {
            let mut values =
                serde_json::Deserializer::from_slice(&self.bytes[self.at..]).into_iter::<Checked>();
            match values.next() {
                Some(Ok(checked)) if !checked.duplicate_key => {
                    let len = values.byte_offset();
                    // A number or literal that the window cuts short reads
                    // as a shorter one: only one followed by a byte is whole.
                    if self.at + len < self.bytes.len() || self.eof {
                        return Ok(Some(len));
                    }
                }
                Some(Ok(_)) => return Ok(None),
                Some(Err(e)) if e.is_eof() => {}
                Some(Err(_)) | None => return Ok(None),
            }
            if !self.more()? {
                return Ok(None);
            }
        }
    }
}

fn count_chars(bytes: &[u8]) -> usize {
    // Continuation bytes (10xxxxxx) start no character.
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// The layout, then every record; `None` to give up.
fn records(window: &mut Window<'_>, each: &mut dyn FnMut(Record<'_>)) -> io::Result<Option<()>> {
    // A byte order mark, which `bom_len` knows.
    while window.bytes.len() < 3 && window.more()? {}
    let bom = std::str::from_utf8(&window.bytes[..window.bytes.len().min(3)]).map_or(0, bom_len);
    window.at = bom;
    let mut ids = HashSet::new();
    let mut record = |window: &mut Window<'_>| -> io::Result<Option<()>> {
        if window.peek()? != Some(b'{') {
            return Ok(None);
        }
        let Some(len) = window.value()? else {
            return Ok(None);
        };
        let start = window.at;
        let Ok(text) = std::str::from_utf8(&window.bytes[start..start + len]) else {
            return Ok(None);
        };
        let Some((contact, read)) = records::fast(text) else {
            return Ok(None);
        };
        if read != len || !ids.insert(contact.id) {
            return Ok(None);
        }
        // Only a record of several lines is realigned by its column;
        // looking back for the line's start of every record of a one-line
        // export would be quadratic.
        let column = if text.contains('\n') {
            let before = &window.bytes[..start];
            match before.iter().rposition(|&b| b == b'\n') {
                Some(newline) => count_chars(&before[newline + 1..]),
                None => window.column + count_chars(before),
            }
        } else {
            0
        };
        each(Record {
            contact,
            text,
            column,
        });
        window.at += len;
        Ok(Some(()))
    };
    match window.peek()? {
        Some(b'[') => {
            window.at += 1;
            if elements(window, &mut record)?.is_none() {
                return Ok(None);
            }
        }
        Some(b'{') => {
            // Kept until it is known whether this object is a response.
            window.pin = window.at;
            let response =
                window.expect(b"{")? && window.expect(b"\"data\"")? && window.expect(b":")?;
            let opening = window.pin;
            window.pin = usize::MAX;
            if response {
                if !window.expect(b"[")? || elements(window, &mut record)?.is_none() {
                    return Ok(None);
                }
                // The members after `data`: no other `data`, and a `total`
                // no larger than the records read (else a warning, which
                // the whole-text reading gives).
                return tail(window, ids.len());
            }
            // JSON Lines: objects one after another.
            window.at = opening;
            let mut count = 0;
            while window.peek()?.is_some() {
                if record(window)?.is_none() {
                    return Ok(None);
                }
                count += 1;
            }
            // One object alone may be a response whose `data` is not its
            // first key, or not an array: the whole-text reading knows.
            // Two or more are JSON Lines whatever their keys.
            return Ok((count >= 2).then_some(()));
        }
        _ => return Ok(None),
    }
    // After the array, only blanks.
    Ok(window.peek()?.is_none().then_some(()))
}

/// The elements of an array whose `[` was taken, each a record, and its `]`.
fn elements(
    window: &mut Window<'_>,
    record: &mut dyn FnMut(&mut Window<'_>) -> io::Result<Option<()>>,
) -> io::Result<Option<()>> {
    if window.peek()? == Some(b']') {
        window.at += 1;
        return Ok(Some(()));
    }
    loop {
        if record(window)?.is_none() {
            return Ok(None);
        }
        match window.peek()? {
            Some(b',') => window.at += 1,
            Some(b']') => {
                window.at += 1;
                return Ok(Some(()));
            }
            _ => return Ok(None),
        }
    }
}

/// The rest of an API response after its `data` array: members other than
/// `data`, its `}`, nothing after; a `total` that counts no more than
/// `records`.
fn tail(window: &mut Window<'_>, records: usize) -> io::Result<Option<()>> {
    // The rest is small: read it whole and look at it as `{` + rest.
    while window.more()? {}
    if window.total > window.max_bytes {
        return Ok(None);
    }
    let Ok(rest) = std::str::from_utf8(&window.bytes[window.at..]) else {
        return Ok(None);
    };
    let object = format!("{{\"data\": []{rest}");
    let mut values = serde_json::Deserializer::from_str(&object).into_iter::<Checked>();
    match values.next() {
        Some(Ok(checked)) if !checked.duplicate_key => {}
        _ => return Ok(None),
    }
    if !object[values.byte_offset()..]
        .trim_matches([' ', '\t', '\r', '\n'])
        .is_empty()
    {
        return Ok(None);
    }
    let Ok(serde_json::Value::Object(members)) = serde_json::from_str(&object) else {
        return Ok(None);
    };
    let total = members.get("total").and_then(super::scan::count);
    Ok(total
        .is_none_or(|total| total <= records as u64)
        .then_some(()))
}
