//! The escapes of quoted strings: `\"`, `\\`, `\n`, `\r`, `\t` and
//! `\u{1F600}` (1 to 6 hex digits naming a Unicode scalar value), both
//! ways: resolving them when parsing, and writing them when printing text
//! as a string literal, so that what one writes the other reads back.

use super::error::ParseError;
use std::fmt::Write as _;

const KNOWN: &str = "a string knows the escapes `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t` and \
                     `\\u{…}`; write `\\\\` for a backslash";
const UNICODE: &str = "write 1 to 6 hex digits in braces naming a Unicode scalar value, \
                       such as `\\u{1F600}`";

/// Resolves the escapes of `literal`, a string literal with its quotes
/// that starts at byte `offset` of the source (for error spans).
pub(super) fn unescape(literal: &str, offset: usize) -> Result<String, ParseError> {
    let body = &literal[1..literal.len() - 1];
    // The common case: nothing to resolve, one allocation.
    if !body.contains('\\') {
        return Ok(body.to_owned());
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    // Byte offset of `rest` in the source.
    let mut at = offset + 1;
    while let Some(backslash) = rest.find('\\') {
        out.push_str(&rest[..backslash]);
        at += backslash;
        rest = &rest[backslash..];
        let (resolved, len) = escape(rest, at)?;
        out.push(resolved);
        at += len;
        rest = &rest[len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The character the escape at the start of `text` (a backslash) stands
/// for, and the escape's length in bytes.
fn escape(text: &str, at: usize) -> Result<(char, usize), ParseError> {
    let mut chars = text[1..].chars();
    // The grammar guarantees a character after every backslash.
    let Some(c) = chars.next() else {
        return Err(bad(text, at, 1, "a backslash must escape something", KNOWN));
    };
    let simple = match c {
        '"' => Some('"'),
        '\\' => Some('\\'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'u' => None,
        other => {
            return Err(bad(text, at, 1 + other.len_utf8(), "unknown escape", KNOWN));
        }
    };
    if let Some(resolved) = simple {
        return Ok((resolved, 2));
    }
    unicode(text, at)
}

/// `\u{…}` at the start of `text`.
fn unicode(text: &str, at: usize) -> Result<(char, usize), ParseError> {
    let after_u = &text[2..];
    let Some(inner) = after_u.strip_prefix('{') else {
        return Err(bad(text, at, 2, "`\\u` needs braces", UNICODE));
    };
    let digits = inner
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(inner.len());
    // `\u{` and the digits so far.
    let written = 3 + digits;
    if !inner[digits..].starts_with('}') {
        return Err(bad(
            text,
            at,
            written,
            "expected hex digits and `}`",
            UNICODE,
        ));
    }
    let len = written + 1;
    if digits == 0 || digits > 6 {
        return Err(bad(text, at, len, "expected 1 to 6 hex digits", UNICODE));
    }
    u32::from_str_radix(&inner[..digits], 16)
        .ok()
        .and_then(char::from_u32)
        .map(|c| (c, len))
        .ok_or_else(|| bad(text, at, len, "not a Unicode scalar value", UNICODE))
}

fn bad(text: &str, at: usize, len: usize, reason: &'static str, help: &'static str) -> ParseError {
    ParseError::BadEscape {
        escape: text[..len].to_owned(),
        span: (at, len).into(),
        reason,
        help,
    }
}

/// Appends `text` as a string literal that [`unescape`] reads back as
/// `text`.
pub(crate) fn quote_into(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        escape_into(out, c);
    }
    out.push('"');
}

/// Appends `c` as it is written inside a string literal: quotes,
/// backslashes, line feeds, carriage returns and tabs by their short
/// escapes, other control characters as `\u{…}`, anything else as is.
pub(crate) fn escape_into(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::{quote_into, unescape};

    #[test]
    fn quoting_and_unescaping_are_inverse() {
        for text in [
            "",
            "a b",
            "\"",
            "\\",
            "a\r\nb\t",
            "\u{0}\u{7f}\u{85}",
            "Київ 😀",
        ] {
            let mut quoted = String::new();
            quote_into(&mut quoted, text);
            assert_eq!(unescape(&quoted, 0).as_deref(), Ok(text), "{quoted}");
        }
        let mut quoted = String::new();
        quote_into(&mut quoted, "\r\u{1b}");
        assert_eq!(quoted, "\"\\r\\u{1b}\"");
    }
}
