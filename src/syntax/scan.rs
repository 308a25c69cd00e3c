//! One linear pass over the input before pest sees it.
//!
//! pest and the Pratt parser recurse once per level of nesting, so the depth
//! must be known to be small before they run: 1 MiB of `(` would otherwise
//! overflow the stack. The same pass finds unbalanced delimiters and
//! unclosed strings, whose precise positions pest could only guess, and
//! whether there is anything besides blanks and comments at all.

use super::error::ParseError;
use super::token::{self, Kind, Lexer};

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

/// Scans `source`, skipping strings and comments, and fails at the first
/// place nesting passes `max_depth`, at a closing character that does not
/// match, at an unclosed string, or at the innermost delimiter left open.
///
/// Depth counts open `(` and `[` plus the run of `not` keywords in front of
/// each operand: `not not (not (a = 1))` nests 5 levels (the `not`s before a
/// comparison end with it, so `not a = 1 and not b = 2` nests only 1).
pub(super) fn scan(source: &str, max_depth: usize) -> Result<Scan, ParseError> {
    // Never longer than `max_depth + 1`: the scan stops when depth passes it.
    let mut open: Vec<Open> = Vec::new();
    let mut depth = 0;
    let mut nots = 0;
    let mut has_tokens = false;
    for token in Lexer::new(source) {
        let at = token.start;
        match token.kind {
            kind if kind.is_trivia() => continue,
            Kind::String { terminated: false } => {
                return Err(ParseError::UnclosedString {
                    span: (at, 1).into(),
                });
            }
            Kind::LParen | Kind::LBracket => {
                let levels = nots + 1;
                if depth + levels > max_depth {
                    return Err(ParseError::TooDeep {
                        max: max_depth,
                        span: (at, 1).into(),
                    });
                }
                open.push(Open {
                    byte: source.as_bytes()[at],
                    at,
                    levels,
                });
                depth += levels;
                nots = 0;
            }
            Kind::RParen | Kind::RBracket => {
                nots = 0;
                let close = source.as_bytes()[at];
                match open.pop() {
                    None => {
                        return Err(ParseError::UnexpectedClose {
                            close: close as char,
                            open: opener(close) as char,
                            span: (at, 1).into(),
                        });
                    }
                    Some(o) if closer(o.byte) != close => {
                        return Err(ParseError::MismatchedClose {
                            close: close as char,
                            open: o.byte as char,
                            expected: closer(o.byte) as char,
                            span: (at, 1).into(),
                            open_span: (o.at, 1).into(),
                        });
                    }
                    Some(o) => depth -= o.levels,
                }
            }
            Kind::Word if token::keyword_at(source, at, "not") => {
                nots += 1;
                if depth + nots > max_depth {
                    return Err(ParseError::TooDeep {
                        max: max_depth,
                        span: (at, 3).into(),
                    });
                }
                // `not@x`, `not-x`: what follows the keyword in the same
                // word is an operand's start, which ends the run.
                if token.end > at + 3 {
                    nots = 0;
                }
            }
            // Anything else ends a run of `not`s.
            _ => nots = 0,
        }
        has_tokens = true;
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
