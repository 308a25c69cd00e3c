//! The lexer: hcq text as tokens with byte spans, the one place that
//! says where blanks, comments, strings, words and operators begin and end.
//!
//! Every scanner of the text asks it: the error tokenizer (`error.rs`) and
//! the comment and segment finder (`lexical.rs`) read the token stream
//! ([`Lexer`]); the depth pre-scan (`scan.rs`) and the hand-written parser
//! (`fast.rs`), which run on every input and must be quick, call the
//! functions the stream is made of (`trivia_end`, `string_end`,
//! `word_end`, `keyword_at`, `compare_op`) byte by byte. Character classes
//! come from `chars.rs`.
//!
//! Tokens are context-free and maximal: a word is the longest run of word
//! characters, so `now-30d`, `and@x` and `30d` are one word each, and the
//! parser (pest, or `fast.rs` following it) may read one word as several
//! terminals where the grammar says so (`now` `-` `30d` after an operator,
//! `and` `@x` between operands). `syntax/tests/lexer.rs` holds the token
//! boundaries to pest's terminals on generated inputs.

use super::chars::{self, Class};
use crate::ast::CompareOp;

/// One token: what it is and the bytes it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: Kind,
    /// Its first byte.
    pub start: usize,
    /// The byte after it.
    pub end: usize,
}

impl Token {
    /// The token's text in `source`, the text it was read from.
    pub fn text(self, source: &str) -> &str {
        &source[self.start..self.end]
    }
}

/// The kinds of tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A byte order mark before the first token (pest's `SOI ~ BOM?`).
    Bom,
    /// Blanks: spaces, tabs, line feeds and carriage returns.
    Whitespace,
    /// `#` up to the line feed (a lone `\r` does not end it).
    Comment,
    /// `"…"`, where `\` escapes the next character; `terminated` is false
    /// for one the text never closes (see [`Strings`] for where it ends).
    String {
        /// Whether the closing quote is there.
        terminated: bool,
    },
    /// A run of digits with an optional sign and nothing else: `42`, `-7`.
    Number,
    /// Any other run of word characters: names, keywords, words, dates,
    /// `now-30d`.
    Word,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `[`.
    LBracket,
    /// `]`.
    RBracket,
    /// `,`.
    Comma,
    /// A comparison operator, the longest written (`>=` rather than `>`).
    Compare(CompareOp),
    /// Any other character, one at a time.
    Other,
}

impl Kind {
    /// Whether the grammar skips tokens of this kind between others.
    pub fn is_trivia(self) -> bool {
        matches!(self, Kind::Bom | Kind::Whitespace | Kind::Comment)
    }
}

/// How a string that reaches a line break is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strings {
    /// As the grammar does: a string may span lines, and one never closed
    /// runs to the end of the text. For text that parses, and for errors.
    Exact,
    /// As ending at the line break: when looking for segments in text that
    /// does not parse, one unterminated string must not swallow the rest of
    /// the file. A closed string is read as by [`Strings::Exact`] when it
    /// holds no line break.
    OneLine,
}

/// The tokens of a text, one at a time, without allocating.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    source: &'a str,
    pos: usize,
    strings: Strings,
    /// Whether a byte order mark would still be one: nothing but trivia so far.
    at_start: bool,
}

impl<'a> Lexer<'a> {
    /// The tokens of `source`, strings read as the grammar reads them.
    #[inline]
    pub fn new(source: &'a str) -> Self {
        Self::with_strings(source, Strings::Exact)
    }

    /// The tokens of `source`, strings read as `strings` says.
    #[inline]
    pub fn with_strings(source: &'a str, strings: Strings) -> Self {
        Lexer {
            source,
            pos: 0,
            strings,
            at_start: true,
        }
    }

    /// The tokens of `source` from byte `pos` (a character boundary) on,
    /// where a byte order mark is no longer one.
    pub fn at(source: &'a str, pos: usize) -> Self {
        Lexer {
            source,
            pos,
            strings: Strings::Exact,
            at_start: false,
        }
    }

    /// The next token that is not trivia.
    pub fn next_significant(&mut self) -> Option<Token> {
        self.find(|t| !t.kind.is_trivia())
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    #[inline]
    fn next(&mut self) -> Option<Token> {
        let start = self.pos;
        let bytes = self.source.as_bytes();
        let b = *bytes.get(start)?;
        let (kind, end) = match b {
            // Words first: most tokens are.
            _ if chars::is_word_byte(b) => {
                let end = word_end(self.source, start);
                (word_kind(&bytes[start..end]), end)
            }
            _ if chars::is_blank(b) => (Kind::Whitespace, blanks_end(bytes, start)),
            b'#' => (Kind::Comment, comment_end(bytes, start)),
            b'"' => {
                let (end, terminated) = string_end(bytes, start, self.strings);
                (Kind::String { terminated }, end)
            }
            b'(' => (Kind::LParen, start + 1),
            b')' => (Kind::RParen, start + 1),
            b'[' => (Kind::LBracket, start + 1),
            b']' => (Kind::RBracket, start + 1),
            b',' => (Kind::Comma, start + 1),
            0xEF if self.at_start && self.source[start..].starts_with(BOM) => {
                (Kind::Bom, start + BOM.len())
            }
            _ => match compare_op(bytes, start) {
                Some((op, len)) => (Kind::Compare(op), start + len),
                None => match word_end(self.source, start) {
                    end if end > start => (word_kind(&bytes[start..end]), end),
                    _ => (Kind::Other, start + class_at_len(self.source, start)),
                },
            },
        };
        if !kind.is_trivia() || kind == Kind::Bom {
            self.at_start = false;
        }
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

/// U+FEFF, the byte order mark.
pub(crate) const BOM: &str = "\u{FEFF}";

/// The length of the character at `at`.
fn class_at_len(source: &str, at: usize) -> usize {
    chars::class_at(source, at).1
}

/// [`Kind::Number`] for a word that is a signed run of digits.
#[inline]
fn word_kind(word: &[u8]) -> Kind {
    let digits = match word {
        [b'+' | b'-', rest @ ..] => rest,
        _ => word,
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        Kind::Number
    } else {
        Kind::Word
    }
}

/// The byte after the blanks that start at `at`.
#[inline]
pub(crate) fn blanks_end(bytes: &[u8], at: usize) -> usize {
    at + bytes[at..]
        .iter()
        .take_while(|&&b| chars::is_blank(b))
        .count()
}

/// The byte after the comment whose `#` is at `at`: the line feed that
/// ends it, or the end of the text.
#[inline]
pub(crate) fn comment_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| at + n)
}

/// The byte after the blanks and comments that start at `at` (pest's
/// implicit trivia).
#[inline]
pub(crate) fn trivia_end(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&b) = bytes.get(at) {
        if chars::is_blank(b) {
            at += 1;
        } else if b == b'#' {
            at = comment_end(bytes, at);
        } else {
            break;
        }
    }
    at
}

/// The byte after the string whose opening quote is at `at`, and whether
/// it is closed. The character after a backslash never ends the string
/// (what escapes mean is `escape.rs`'s business). Unclosed, it runs to the
/// end of the text, or with [`Strings::OneLine`] to the line feed (which a
/// backslash does not escape there).
#[inline]
pub(crate) fn string_end(bytes: &[u8], at: usize, strings: Strings) -> (usize, bool) {
    let one_line = strings == Strings::OneLine;
    let mut i = at + 1;
    loop {
        // Only quotes, backslashes and (in one-line mode) line feeds
        // matter: find the next at once.
        let next = bytes.get(i..).and_then(|rest| {
            rest.iter()
                .position(|&b| b == b'"' || b == b'\\' || (one_line && b == b'\n'))
        });
        let Some(n) = next else {
            return (bytes.len(), false);
        };
        i += n;
        match bytes[i] {
            b'"' => return (i + 1, true),
            b'\n' => return (i, false),
            // A backslash; in one-line mode it does not escape a line
            // feed. A multi-byte escaped character is stepped over a byte
            // at a time after its first: none of its bytes is a quote or a
            // backslash.
            _ if one_line && bytes.get(i + 1) == Some(&b'\n') => i += 1,
            _ => i += 2,
        }
    }
}

/// The byte after the run of word characters that starts at `at` (`at`
/// itself where none does).
#[inline]
pub(crate) fn word_end(source: &str, mut at: usize) -> usize {
    let bytes = source.as_bytes();
    while let Some(&b) = bytes.get(at) {
        // ASCII without decoding a character: most words are.
        if b.is_ascii() {
            if !chars::is_word_byte(b) {
                return at;
            }
            at += 1;
        } else {
            match chars::class_at(source, at) {
                (Class::Other, _) => return at,
                (_, len) => at += len,
            }
        }
    }
    at
}

/// The comparison operator written at `at`, the longest one, and its length.
#[inline]
pub(crate) fn compare_op(bytes: &[u8], at: usize) -> Option<(CompareOp, usize)> {
    let next = bytes.get(at + 1).copied();
    Some(match (*bytes.get(at)?, next) {
        (b'=', _) => (CompareOp::Eq, 1),
        (b'~', _) => (CompareOp::Contains, 1),
        (b'>', Some(b'=')) => (CompareOp::Ge, 2),
        (b'<', Some(b'=')) => (CompareOp::Le, 2),
        (b'!', Some(b'=')) => (CompareOp::Ne, 2),
        (b'!', Some(b'~')) => (CompareOp::NotContains, 2),
        (b'>', _) => (CompareOp::Gt, 1),
        (b'<', _) => (CompareOp::Lt, 1),
        _ => return None,
    })
}

/// Whether the keyword `keyword` (lower case, matched in any case) is
/// written at `at` as a whole word: the grammar's `^"…" ~ kw_end`, where
/// no name character follows (`order` is not `or`, but `or@x` starts with
/// it).
#[inline]
pub(crate) fn keyword_at(source: &str, at: usize, keyword: &str) -> bool {
    let end = at + keyword.len();
    source
        .as_bytes()
        .get(at..end)
        .is_some_and(|w| w.eq_ignore_ascii_case(keyword.as_bytes()))
        && chars::class_at(source, end).0 != Class::Ident
}

/// Whether `text` starts with `keyword` as a whole word ([`keyword_at`]).
pub(crate) fn starts_with_keyword(text: &str, keyword: &str) -> bool {
    keyword_at(text, 0, keyword)
}

#[cfg(test)]
mod tests {
    use super::{Kind, Lexer, Strings, Token};
    use crate::ast::CompareOp;

    #[test]
    fn tokens_come_one_at_a_time() {
        let kinds: Vec<Kind> = Lexer::new("a >= 1 # c").map(|t| t.kind).collect();
        assert_eq!(kinds[2], Kind::Compare(CompareOp::Ge));
        assert_eq!(kinds.last(), Some(&Kind::Comment));
    }

    fn tokens(text: &str) -> Vec<(Kind, &str)> {
        Lexer::new(text)
            .map(|t: Token| (t.kind, t.text(text)))
            .collect()
    }

    #[test]
    fn reads_every_kind_of_token() {
        use Kind::*;
        assert_eq!(
            tokens("\u{FEFF}a.b >= -7 # c\r\n(x, \"s\\\"\"]€[)"),
            [
                (Bom, "\u{FEFF}"),
                (Word, "a.b"),
                (Whitespace, " "),
                (Compare(CompareOp::Ge), ">="),
                (Whitespace, " "),
                (Number, "-7"),
                (Whitespace, " "),
                (Comment, "# c\r"),
                (Whitespace, "\n"),
                (LParen, "("),
                (Word, "x"),
                (Comma, ","),
                (Whitespace, " "),
                (String { terminated: true }, "\"s\\\"\""),
                (RBracket, "]"),
                (Other, "€"),
                (LBracket, "["),
                (RParen, ")"),
            ]
        );
    }

    #[test]
    fn words_are_maximal_runs_of_word_characters() {
        use Kind::*;
        assert_eq!(
            tokens("now-30d and@x Київ e\u{301} 2024-01-01T10:00Z +1 +"),
            [
                (Word, "now-30d"),
                (Whitespace, " "),
                (Word, "and@x"),
                (Whitespace, " "),
                (Word, "Київ"),
                (Whitespace, " "),
                (Word, "e\u{301}"),
                (Whitespace, " "),
                (Word, "2024-01-01T10:00Z"),
                (Whitespace, " "),
                (Number, "+1"),
                (Whitespace, " "),
                (Word, "+"),
            ]
        );
    }

    #[test]
    fn operators_take_the_longest_match() {
        let ops: Vec<Kind> = Lexer::new("=~>=<=!=!~><!").map(|t| t.kind).collect();
        let want = [
            CompareOp::Eq,
            CompareOp::Contains,
            CompareOp::Ge,
            CompareOp::Le,
            CompareOp::Ne,
            CompareOp::NotContains,
            CompareOp::Gt,
            CompareOp::Lt,
        ];
        let mut expected: Vec<Kind> = want.into_iter().map(Kind::Compare).collect();
        expected.push(Kind::Other);
        assert_eq!(ops, expected);
    }

    #[test]
    fn a_byte_order_mark_is_one_only_before_the_first_token() {
        let kinds = |text| Lexer::new(text).map(|t| t.kind).collect::<Vec<_>>();
        assert_eq!(kinds(" \u{FEFF}"), [Kind::Whitespace, Kind::Bom]);
        assert_eq!(kinds("a\u{FEFF}"), [Kind::Word, Kind::Other]);
        assert_eq!(kinds("\u{FEFF}\u{FEFF}"), [Kind::Bom, Kind::Other]);
        assert_eq!(Lexer::at("\u{FEFF}", 0).next().unwrap().kind, Kind::Other);
    }

    #[test]
    fn unclosed_strings_end_where_their_mode_says() {
        let text = "\"a\\\nb\" \"c\nd";
        let exact: Vec<_> = Lexer::new(text).map(|t| (t.kind, t.text(text))).collect();
        assert_eq!(
            exact,
            [
                (Kind::String { terminated: true }, "\"a\\\nb\""),
                (Kind::Whitespace, " "),
                (Kind::String { terminated: false }, "\"c\nd"),
            ]
        );
        let lines: Vec<_> = Lexer::with_strings(text, Strings::OneLine)
            .map(|t| (t.kind, t.text(text)))
            .collect();
        // The first string stops at the line break; the quote that closed
        // it opens another.
        assert_eq!(lines[0], (Kind::String { terminated: false }, "\"a\\"));
        assert_eq!(lines[3], (Kind::String { terminated: true }, "\" \""));
        assert_eq!(lines[4], (Kind::Word, "c"));
    }

    #[test]
    fn comments_end_at_a_line_feed_only() {
        assert_eq!(
            tokens("# a\rb\nc"),
            [
                (Kind::Comment, "# a\rb"),
                (Kind::Whitespace, "\n"),
                (Kind::Word, "c")
            ]
        );
    }

    #[test]
    fn keywords_end_where_no_name_character_follows() {
        use super::keyword_at;
        assert!(keyword_at("OR@x", 0, "or"));
        assert!(keyword_at("x not", 2, "not"));
        assert!(!keyword_at("order", 0, "or"));
        assert!(!keyword_at("noté", 0, "not"));
        assert!(!keyword_at("not\u{301}", 0, "not"));
        assert!(!keyword_at("no", 0, "not"));
    }
}
