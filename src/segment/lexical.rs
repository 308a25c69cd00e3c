//! A lexical look at segment files, without parsing: whether a text is a
//! segment file at all, and where its comments and `segment` lines are
//! (for recovering from parse errors, and for `hcq fmt` to put comments
//! back).

use crate::ast::Span;

/// Whether `text` holds segments rather than one expression: its first
/// token, after a byte-order mark, whitespace and `#` comments, is the
/// keyword `segment` (in any case).
pub fn is_segment_file(text: &str) -> bool {
    starts_with_keyword(after_trivia(text), "segment")
}

/// Whether `text` holds nothing but a byte-order mark, whitespace and
/// comments: an empty segment file.
pub fn is_blank(text: &str) -> bool {
    after_trivia(text).is_empty()
}

/// `text` from its first token on.
fn after_trivia(text: &str) -> &str {
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix('#') {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, after)| after),
            None => return rest,
        }
    }
}

/// Whether `text` starts with `keyword` (ASCII, any case) followed by
/// something that cannot continue a name (the grammar's `kw_end`).
pub(super) fn starts_with_keyword(text: &str, keyword: &str) -> bool {
    let Some(head) = text.get(..keyword.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(keyword)
        && !text[keyword.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// What a lexical scan finds outside string literals: where `#` comments
/// are and which lines begin with the keyword `segment`.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Each comment's span, from `#` to the end of its line (without the
    /// line break or trailing whitespace).
    pub comments: Vec<Span>,
    /// The offset of `segment` on each line whose first token it is.
    pub segment_starts: Vec<usize>,
}

/// How [`scan`] reads a string literal that reaches a line break.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strings {
    /// As the grammar does: a string may span lines. For text that parses.
    Exact,
    /// As ending at the line break: when looking for segments in text that
    /// does not parse, one unterminated string must not swallow the rest of
    /// the file.
    OneLine,
}

/// Scans `text` for comments and segment starts, outside `"…"` strings
/// (where `\` escapes the next character).
pub(crate) fn scan(text: &str, strings: Strings) -> Scan {
    let mut result = Scan::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        if line_start {
            line_start = false;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r') {
                i += 1;
            }
            if starts_with_keyword(&text[i..], "segment") {
                result.segment_starts.push(i);
            }
            continue;
        }
        match bytes[i] {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let trimmed = i + text[i..end].trim_end().len();
                result.comments.push(Span::new(i, trimmed));
                i = end;
            }
            b'"' => {
                i += 1;
                let one_line = strings == Strings::OneLine;
                while i < bytes.len() && bytes[i] != b'"' && !(one_line && bytes[i] == b'\n') {
                    i += if bytes[i] == b'\\' && !(one_line && bytes.get(i + 1) == Some(&b'\n')) {
                        2
                    } else {
                        1
                    };
                }
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_files_are_recognised_by_their_first_token() {
        assert!(is_segment_file("segment a\n  tag = Lead"));
        assert!(is_segment_file("\u{feff}# a comment\n\n  SEGMENT a"));
        assert!(is_segment_file("# only\nSegment"));
        assert!(!is_segment_file("segments = 1"));
        assert!(!is_segment_file("email ~ gmail # segment"));
        assert!(!is_segment_file("# segment a"));
        assert!(!is_segment_file(""));
        assert!(is_blank("\u{feff} # a\n\n# b"));
        assert!(!is_blank("# a\nx"));
    }

    #[test]
    fn scanning_skips_strings() {
        let text =
            "segment a # one\n  name = \"# not\" # two\n  segment_x = 1\n SEGMENT b\n\"un#\n#three";
        let scan = scan(text, Strings::OneLine);
        let comments: Vec<&str> = scan.comments.iter().map(|c| c.slice(text)).collect();
        assert_eq!(comments, ["# one", "# two", "#three"]);
        let starts: Vec<&str> = scan
            .segment_starts
            .iter()
            .map(|&s| &text[s..s + 9])
            .collect();
        assert_eq!(starts, ["segment a", "SEGMENT b"]);
        // Exactly as the grammar reads it, the string spans lines.
        let text = "x = \"a\n# not\nsegment b\\\"\" # yes\nsegment c";
        let scan = super::scan(text, Strings::Exact);
        let comments: Vec<&str> = scan.comments.iter().map(|c| c.slice(text)).collect();
        assert_eq!(comments, ["# yes"]);
        assert_eq!(scan.segment_starts, [text.len() - 9]);
    }
}
