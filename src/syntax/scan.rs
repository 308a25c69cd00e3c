//! One linear pass over the input before pest sees it.
//!
//! pest and the Pratt parser recurse once per level of nesting, so the depth
//! must be known to be small before they run: 1 MiB of `(` would otherwise
//! overflow the stack. The same pass finds unbalanced delimiters and
//! unclosed strings, whose precise positions pest could only guess, and
//! whether there is anything besides blanks and comments at all.

use super::error::ParseError;

/// What the scan learnt about an input that passed it.
pub(super) struct Scan {
    /// Whether anything besides blanks, comments and a byte order mark is there.
    pub(super) has_tokens: bool,
}

/// An open `(` or `[`.
struct Open {
    byte: u8,
    at: usize,
    /// The levels it adds: itself and the `not`s right before it.
    levels: usize,
}

fn closer(open: u8) -> u8 {
    if open == b'(' { b')' } else { b']' }
}

fn opener(close: u8) -> u8 {
    if close == b')' { b'(' } else { b'[' }
}

/// Bytes that continue a name or keyword: ASCII letters, digits, `_`, and
/// anything non-ASCII (so that `noté` is not the keyword `not`).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Scans `source`, skipping strings and comments, and fails at the first
/// place nesting passes `max_depth`, at a closing character that does not
/// match, at an unclosed string, or at the innermost delimiter left open.
///
/// Depth counts open `(` and `[` plus the run of `not` keywords in front of
/// each operand: `not not (not (a = 1))` nests 5 levels (the `not`s before a
/// comparison end with it, so `not a = 1 and not b = 2` nests only 1).
pub(super) fn scan(source: &str, max_depth: usize) -> Result<Scan, ParseError> {
    let bytes = source.as_bytes();
    let mut i = if source.starts_with('\u{FEFF}') { 3 } else { 0 };
    // Never longer than `max_depth + 1`: the scan stops when depth passes it.
    let mut open: Vec<Open> = Vec::new();
    let mut depth = 0;
    let mut nots = 0;
    let mut has_tokens = false;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                i = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |n| i + n);
            }
            b'"' => {
                has_tokens = true;
                nots = 0;
                i = string_end(bytes, i)?;
            }
            b'(' | b'[' => {
                has_tokens = true;
                let levels = nots + 1;
                if depth + levels > max_depth {
                    return Err(ParseError::TooDeep {
                        max: max_depth,
                        span: (i, 1).into(),
                    });
                }
                open.push(Open {
                    byte: b,
                    at: i,
                    levels,
                });
                depth += levels;
                nots = 0;
                i += 1;
            }
            b')' | b']' => {
                has_tokens = true;
                nots = 0;
                match open.pop() {
                    None => {
                        return Err(ParseError::UnexpectedClose {
                            close: b as char,
                            open: opener(b) as char,
                            span: (i, 1).into(),
                        });
                    }
                    Some(o) if closer(o.byte) != b => {
                        return Err(ParseError::MismatchedClose {
                            close: b as char,
                            open: o.byte as char,
                            expected: closer(o.byte) as char,
                            span: (i, 1).into(),
                            open_span: (o.at, 1).into(),
                        });
                    }
                    Some(o) => depth -= o.levels,
                }
                i += 1;
            }
            _ if is_name_byte(b) => {
                has_tokens = true;
                let start = i;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
                if bytes[start..i].eq_ignore_ascii_case(b"not") {
                    nots += 1;
                    if depth + nots > max_depth {
                        return Err(ParseError::TooDeep {
                            max: max_depth,
                            span: (start, 3).into(),
                        });
                    }
                } else {
                    nots = 0;
                }
            }
            _ => {
                // Operators and other punctuation: they end a run of `not`s.
                has_tokens = true;
                nots = 0;
                i += 1;
            }
        }
    }
    if let Some(o) = open.pop() {
        return Err(ParseError::UnclosedDelimiter {
            open: o.byte as char,
            close: closer(o.byte) as char,
            span: (o.at, 1).into(),
        });
    }
    Ok(Scan { has_tokens })
}

/// The byte after the string that opens at `start`.
fn string_end(bytes: &[u8], start: usize) -> Result<usize, ParseError> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            // The escaped byte is never a quote that ends the string; what
            // escapes mean is decided later.
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(ParseError::UnclosedString {
        span: (start, 1).into(),
    })
}
