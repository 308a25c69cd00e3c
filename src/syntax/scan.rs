//! One linear pass over the input before pest sees it.
//!
//! pest and the Pratt parser recurse once per level of nesting, so the depth
//! must be known to be small before they run: 1 MiB of `(` would otherwise
//! overflow the stack. The same pass finds unbalanced delimiters and
//! unclosed strings, whose precise positions pest could only guess, and
//! whether there is anything besides blanks and comments at all.

use super::chars;
use super::error::ParseError;
use super::token::{self, Strings};

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

/// Closes the innermost open delimiter with `close` at `at`, giving back
/// the levels it added, or fails where `close` closes nothing or does not
/// match it.
fn close(open: &mut Vec<Open>, close: u8, at: usize) -> Result<usize, ParseError> {
    match open.pop() {
        None => Err(ParseError::UnexpectedClose {
            close: close as char,
            open: opener(close) as char,
            span: (at, 1).into(),
        }),
        Some(o) if closer(o.byte) != close => Err(ParseError::MismatchedClose {
            close: close as char,
            open: o.byte as char,
            expected: closer(o.byte) as char,
            span: (at, 1).into(),
            open_span: (o.at, 1).into(),
        }),
        Some(o) => Ok(o.levels),
    }
}

/// Scans `source`, skipping strings and comments, and fails at the first
/// place nesting passes `max_depth`, at a closing character that does not
/// match, at an unclosed string, or at the innermost delimiter left open.
///
/// Depth counts open `(` and `[` plus the run of `not` keywords in front of
/// each operand: `not not (not (a = 1))` nests 5 levels (the `not`s before a
/// comparison end with it, so `not a = 1 and not b = 2` nests only 1).
pub(super) fn scan(source: &str, max_depth: usize) -> Result<Scan, ParseError> {
    // The lexer's rules, at the byte level rather than token by token: this
    // runs on every input before anything else, and the token stream, for
    // all it does not allocate, costs twice the time here.
    let bytes = source.as_bytes();
    // Never longer than `max_depth + 1`: the scan stops when depth passes it.
    let mut open: Vec<Open> = Vec::new();
    let mut depth = 0;
    let mut nots = 0;
    let mut has_tokens = false;
    let mut at = token::trivia_end(bytes, 0);
    if source[at..].starts_with(token::BOM) {
        at += token::BOM.len();
    }
    loop {
        at = token::trivia_end(bytes, at);
        let Some(&b) = bytes.get(at) else { break };
        has_tokens = true;
        match b {
            b'"' => {
                let (end, terminated) = token::string_end(bytes, at, Strings::Exact);
                if !terminated {
                    return Err(ParseError::UnclosedString {
                        span: (at, 1).into(),
                    });
                }
                nots = 0;
                at = end;
            }
            b'(' | b'[' => {
                let levels = nots + 1;
                if depth + levels > max_depth {
                    return Err(ParseError::TooDeep {
                        max: max_depth,
                        span: (at, 1).into(),
                    });
                }
                open.push(Open {
                    byte: b,
                    at,
                    levels,
                });
                depth += levels;
                nots = 0;
                at += 1;
            }
            b')' | b']' => {
                nots = 0;
                depth -= close(&mut open, b, at)?;
                at += 1;
            }
            _ => {
                let end = token::word_end(source, at);
                if end == at {
                    // Operators and other characters end a run of `not`s.
                    nots = 0;
                    at += chars::class_at(source, at).1;
                    continue;
                }
                let is_not = token::keyword_at(source, at, "not");
                if is_not {
                    nots += 1;
                    if depth + nots > max_depth {
                        return Err(ParseError::TooDeep {
                            max: max_depth,
                            span: (at, 3).into(),
                        });
                    }
                }
                // `not@x`, `not-x`: what follows the keyword in the same
                // word is an operand's start, which ends the run.
                if !is_not || end > at + 3 {
                    nots = 0;
                }
                at = end;
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
