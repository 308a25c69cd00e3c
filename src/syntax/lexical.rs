//! What a lexical look finds in text that may not parse: whether it is a
//! segment file, where its comments are, and which lines start a segment.
//!
//! The formatter puts comments back by these spans, and segment chunking
//! cuts a broken file at these lines; both read the text with the lexer
//! (`token.rs`), so a `#` or `segment` inside a string is neither.

use super::token::{self, Kind, Lexer, starts_with_keyword};
use crate::ast::Span;

pub use super::token::Strings;

/// Whether `text` holds segments rather than one expression: its first
/// token, after a byte-order mark, blanks and `#` comments, is the keyword
/// `segment` (in any case).
pub fn is_segment_file(text: &str) -> bool {
    Lexer::new(text)
        .next_significant()
        .is_some_and(|t| starts_with_keyword(&text[t.start..], "segment"))
}

/// Whether `text` holds nothing but a byte-order mark, blanks and
/// comments: an empty segment file.
pub fn is_blank(text: &str) -> bool {
    Lexer::new(text).next_significant().is_none()
}

/// Whether `text` is a name the grammar reads after `segment` and `@`
/// (rule `name`): a letter or `_`, then letters, digits and `_`, and not a
/// keyword in any case. `hcq lsp` checks a new name with it before a rename.
#[cfg(feature = "cli")]
pub fn is_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(super::chars::is_ident_byte)
        && !super::KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text))
}

/// What a lexical scan finds outside string literals: where `#` comments
/// are and which lines begin with the keyword `segment`.
#[derive(Debug, Default)]
pub struct Scan {
    /// Each comment's span, from `#` to the end of its line (without the
    /// line break or trailing whitespace).
    pub comments: Vec<Span>,
    /// The offset of `segment` on each line whose first token it is.
    pub segment_starts: Vec<usize>,
}

/// [`scan`]'s `segment_starts` with [`Strings::Exact`], found without
/// the rest of the scan: a large file is cut at these lines before
/// anything else, on one core (`segment::stream`). Outside strings and
/// comments only a line's first token matters, and no other token holds a
/// `"`, a `#` or a line feed, so the text in between is skipped to the
/// next of those three at once (`memchr`).
pub(crate) fn segment_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut at = 0;
    // Whether only blanks stand between the last line feed (or the start
    // of the text) and `at`.
    let mut line_start = true;
    while at < bytes.len() {
        if line_start {
            at = token::blanks_end(bytes, at);
            if starts_with_keyword(&text[at..], "segment") {
                starts.push(at);
            }
            line_start = false;
        }
        let Some(next) = memchr::memchr3(b'"', b'#', b'\n', &bytes[at..]) else {
            break;
        };
        at += next;
        match bytes[at] {
            b'\n' => {
                at += 1;
                line_start = true;
            }
            b'#' => at = token::comment_end(bytes, at),
            _ => at = token::string_end(bytes, at, Strings::Exact).0,
        }
    }
    starts
}

/// Scans `text` for comments and segment starts, outside `"…"` strings,
/// which are read as `strings` says.
pub fn scan(text: &str, strings: Strings) -> Scan {
    let mut result = Scan::default();
    // Whether only spaces, tabs and carriage returns stand between the
    // last line feed (or the start of the text) and the next token.
    let mut line_start = true;
    for token in Lexer::with_strings(text, strings) {
        match token.kind {
            Kind::Comment => {
                let comment = token.text(text).trim_end();
                result
                    .comments
                    .push(Span::new(token.start, token.start + comment.len()));
            }
            Kind::Word if line_start && starts_with_keyword(&text[token.start..], "segment") => {
                result.segment_starts.push(token.start);
            }
            _ => {}
        }
        line_start = match token.kind {
            Kind::Whitespace => line_start || token.text(text).contains('\n'),
            _ => false,
        };
    }
    result
}

#[cfg(test)]
mod tests {
    use super::{Strings, is_blank, is_segment_file, scan, segment_starts};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        /// The finder agrees with the lexer's scan on any text
        /// made of the pieces that matter: words (`segment` among them, in
        /// any case and glued to others), blanks and line breaks, comments,
        /// strings with escapes and line breaks, operators, a byte order
        /// mark and letters outside ASCII.
        #[test]
        fn segment_starts_are_the_scans(
            pieces in prop::collection::vec(
                prop::sample::select(vec![
                    "segment", "SEGMENT", "Segment", "segments", "segment_", "xsegment", "@segment",
                    "-segment", "a", "id", "=", "!=", "~", ">=", "(", ")", ",", "[", "]",
                    " ", "  ", "\t", "\r", "\n", "\r\n", "\n\n", "#", "# c", "\"", "\\",
                    "\\\"", "\"x\"", "\u{feff}", "é", "сегмент", "\u{2028}", "1", "+5",
                ]),
                0..40,
            )
        ) {
            let text: String = pieces.concat();
            prop_assert_eq!(segment_starts(&text), scan(&text, Strings::Exact).segment_starts);
        }
    }

    #[cfg(feature = "cli")]
    #[test]
    fn names_are_the_grammars() {
        use super::is_name;
        for name in ["a", "_x1", "gmail_leads", "and_more", "all", "now"] {
            assert!(is_name(name), "{name}");
        }
        for name in ["", "1a", "a-b", "a.b", "é", "and", "SEGMENT", "Desc", "a b"] {
            assert!(!is_name(name), "{name}");
        }
    }

    #[test]
    fn a_segment_file_starts_with_the_keyword() {
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
    fn the_first_token_is_the_grammars() {
        // pest allows blanks before the byte order mark; `segment` with a
        // combining mark is no keyword; a no-break space is no blank.
        assert!(is_segment_file(" \u{feff}segment a"));
        assert!(!is_segment_file("segment\u{301} a"));
        assert!(!is_segment_file("\u{a0}segment a"));
        assert!(is_blank(" \u{feff}"));
    }

    #[test]
    fn one_line_strings_stop_at_the_line_break() {
        let text = "segment a x = \"oops\n# c1\nsegment b y = 1 # c2\n  segment c";
        let found = scan(text, Strings::OneLine);
        let starts: Vec<&str> = found
            .segment_starts
            .iter()
            .map(|&i| &text[i..i + 9])
            .collect();
        assert_eq!(starts, ["segment a", "segment b", "segment c"]);
        let comments: Vec<&str> = found.comments.iter().map(|s| s.slice(text)).collect();
        assert_eq!(comments, ["# c1", "# c2"]);
    }

    #[test]
    fn exact_strings_hide_what_they_hold() {
        let text = "x = \"a\n# not\nsegment b\\\"\" # yes  \r\nsegment c";
        let found = scan(text, Strings::Exact);
        assert_eq!(found.segment_starts, [text.rfind("segment").unwrap()]);
        let comments: Vec<&str> = found.comments.iter().map(|s| s.slice(text)).collect();
        assert_eq!(comments, ["# yes"]);
    }

    #[test]
    fn scanning_skips_strings() {
        let text =
            "segment a # one\n  name = \"# not\" # two\n  segment_x = 1\n SEGMENT b\n\"un#\n#three";
        let found = scan(text, Strings::OneLine);
        let comments: Vec<&str> = found.comments.iter().map(|c| c.slice(text)).collect();
        assert_eq!(comments, ["# one", "# two", "#three"]);
        let starts: Vec<&str> = found
            .segment_starts
            .iter()
            .map(|&s| &text[s..s + 9])
            .collect();
        assert_eq!(starts, ["segment a", "SEGMENT b"]);
    }
}
