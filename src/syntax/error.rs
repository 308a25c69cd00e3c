//! [`ParseError`], and the translation of pest's errors into words.
//!
//! pest reports the furthest byte it reached and the rules it tried there.
//! We turn that set of rules into one phrase a user understands ("expected
//! a value") and label the token found at that byte, never a rule name.

use super::Rule;
use super::chars::{self, is_word_char};
use super::token::{Kind, Lexer, Token};
use miette::{Diagnostic, SourceSpan};
use pest::error::{ErrorVariant, InputLocation};
use thiserror::Error;

/// What the parser can say about text that does not follow the grammar, or
/// that breaks a bound checked while parsing.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is larger than [`Limits::max_input_bytes`](crate::Limits)
    /// (for a segment file, `max_file_bytes`); checked before anything else.
    /// Triggered by, e.g., a 2 MiB expression under the default 1 MiB bound.
    #[error("the input is {size} bytes, more than the {max} bytes allowed")]
    #[diagnostic(
        code(hcq::parse::too_large),
        help(
            "split the input into smaller ones, or raise the bound ({max} bytes: `max_input_bytes` for an expression, `max_file_bytes` for a segment file)"
        )
    )]
    TooLarge {
        /// The input's size in bytes.
        size: usize,
        /// The bound.
        max: usize,
        /// Where the input passes the bound.
        #[label("the input passes the bound here")]
        span: SourceSpan,
    },

    /// Parentheses, brackets and consecutive `not`s nest deeper than
    /// [`Limits::max_depth`](crate::Limits), e.g. `((((… a = 1 …))))` with 65
    /// parentheses, or `not not not … a = 1` with 65 `not`s. Checked by a
    /// linear scan before the (recursive) parser runs.
    #[error("the expression nests deeper than {max} levels")]
    #[diagnostic(
        code(hcq::parse::too_deep),
        help(
            "parentheses, brackets and repeated `not` may nest at most {max} levels \
             (the bound `max_depth`); remove redundant parentheses or double negations, \
             or split the expression into segments"
        )
    )]
    TooDeep {
        /// The bound.
        max: usize,
        /// The `(`, `[` or `not` that crosses the bound.
        #[label("this passes {max} levels")]
        span: SourceSpan,
    },

    /// Nothing but blanks and comments: `# just a comment`.
    #[error("expected an expression")]
    #[diagnostic(
        code(hcq::parse::empty),
        help("write a condition such as `email ~ \"gmail\"`")
    )]
    Empty {
        /// The whole input.
        #[label("only blanks and comments")]
        span: SourceSpan,
    },

    /// A string without its closing quote: `email ~ "gmail`.
    #[error("this string is never closed")]
    #[diagnostic(
        code(hcq::parse::unclosed_string),
        help("end the string with `\"`; write `\\\"` for a quote inside it")
    )]
    UnclosedString {
        /// The opening quote.
        #[label("the string starts here")]
        span: SourceSpan,
    },

    /// An escape a string does not know, or a malformed `\u{…}`:
    /// `name = "a\qb"`, `name = "\u{D800}"`.
    #[error("`{escape}` is not a valid escape")]
    #[diagnostic(code(hcq::parse::bad_escape))]
    BadEscape {
        /// The escape as written.
        escape: String,
        /// The escape.
        #[label("{reason}")]
        span: SourceSpan,
        /// Why it is not valid.
        reason: &'static str,
        /// What to write instead.
        #[help]
        help: &'static str,
    },

    /// A `(` or `[` without its closing partner: `(a = 1 or b = 2`.
    #[error("`{open}` opened here is never closed")]
    #[diagnostic(
        code(hcq::parse::unclosed_delimiter),
        help("add the missing `{close}`, or remove this `{open}`")
    )]
    UnclosedDelimiter {
        /// `(` or `[`.
        open: char,
        /// The character that would close it.
        close: char,
        /// The opening character.
        #[label("opened here")]
        span: SourceSpan,
    },

    /// A `)` or `]` that closes nothing: `a = 1)`.
    #[error("`{close}` has no matching `{open}`")]
    #[diagnostic(
        code(hcq::parse::unexpected_close),
        help("remove this `{close}`, or add the missing `{open}` before it")
    )]
    UnexpectedClose {
        /// `)` or `]`.
        close: char,
        /// The character it would close.
        open: char,
        /// The closing character.
        #[label("nothing is open here")]
        span: SourceSpan,
    },

    /// A closing character that does not match the innermost open one:
    /// `tags = [Lead, Paid)`.
    #[error("`{close}` does not close the `{open}` opened before it")]
    #[diagnostic(
        code(hcq::parse::mismatched_close),
        help("close the `{open}` with `{expected}` first")
    )]
    MismatchedClose {
        /// What was written.
        close: char,
        /// The innermost open character.
        open: char,
        /// The character that closes `open`.
        expected: char,
        /// The closing character.
        #[label("expected `{expected}` here")]
        span: SourceSpan,
        /// The innermost open character.
        #[label("`{open}` opened here")]
        open_span: SourceSpan,
    },

    /// The text stops following the grammar: `email gmail` ("expected an
    /// operator such as `=` or `~`"), `email =` ("expected a value"),
    /// `a = 1 b = 2` ("expected `and`, `or`, or the end of the expression").
    #[error("expected {expected}")]
    #[diagnostic(code(hcq::parse::expected))]
    Expected {
        /// What the grammar allows here, in words.
        expected: &'static str,
        /// What is here instead, in words (`found `gmail``).
        found: String,
        /// The offending token, or the end of the input.
        #[label("{found}")]
        span: SourceSpan,
        /// What to write instead.
        #[help]
        help: String,
    },

    /// A character nobody can see, where the grammar allows none: a
    /// no-break space pasted from a web page (`city\u{A0}= Kyiv`), a
    /// zero-width space, a NUL, a byte order mark past the start. It is
    /// named by code point, since the label alone would show a blank. It
    /// keeps the code of [`ParseError::Expected`], which such input always
    /// had: the mistake is the same, text that does not follow the
    /// grammar, only told better.
    #[error("unexpected character {code_point} {name}")]
    #[diagnostic(code(hcq::parse::expected))]
    InvisibleCharacter {
        /// `U+00A0`.
        code_point: String,
        /// `NO-BREAK SPACE`, or what kind of character it is.
        name: &'static str,
        /// What the grammar allows here, in words.
        expected: &'static str,
        /// The character.
        #[label("invisible; expected {expected}")]
        span: SourceSpan,
        /// What to do with it.
        #[help]
        help: &'static str,
    },

    /// An `in (…)` list or a tag list longer than
    /// [`Limits::max_list_len`](crate::Limits), e.g. `id in (1, 2, …)` with
    /// 1001 values under the default bound.
    #[error("a list may hold at most {max} values")]
    #[diagnostic(
        code(hcq::parse::list_too_long),
        help(
            "split it into several shorter lists (`x in (…) or x in (…)`), \
             or raise the bound `max_list_len` ({max})"
        )
    )]
    ListTooLong {
        /// The bound.
        max: usize,
        /// The first value past the bound.
        #[label("this value passes the bound")]
        span: SourceSpan,
    },
}

/// The kinds of things pest can have expected, in the order we prefer to
/// name them when it tried several at the same byte.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    Expression,
    Operator,
    Value,
    Amount,
    Unit,
    /// After `limit`: digits or `all` (pest tries both there).
    CountOrAll,
    Count,
    Field,
    Name,
    By,
    InList,
    Continuation,
}

fn want(rule: Rule) -> Want {
    match rule {
        // pest names a rule instead of its children when several of them
        // failed where it starts, hence `expr` and `comparison` here.
        Rule::expr
        | Rule::comparison
        | Rule::not_op
        | Rule::group
        | Rule::reference
        | Rule::every => Want::Expression,
        Rule::compare_op | Rule::in_op => Want::Operator,
        Rule::string
        | Rule::list
        | Rule::now
        | Rule::kw_now
        | Rule::datetime
        | Rule::date
        | Rule::integer
        | Rule::word => Want::Value,
        Rule::relative | Rule::amount => Want::Amount,
        Rule::unit => Want::Unit,
        Rule::count => Want::Count,
        Rule::all => Want::CountOrAll,
        Rule::field => Want::Field,
        Rule::name => Want::Name,
        Rule::kw_by => Want::By,
        Rule::in_list => Want::InList,
        // What may follow a complete construct (`and`, clauses, `)`, the
        // end…); silent rules are never reported.
        _ => Want::Continuation,
    }
}

/// Which of the rules that may end or continue a construct pest tried.
#[derive(Default)]
struct Followers {
    and_or: bool,
    close_paren: bool,
    close_bracket: bool,
    comma: bool,
    order: bool,
    clause: bool,
    segment: bool,
    end: bool,
}

impl Followers {
    fn of(rules: &[Rule]) -> Self {
        let mut f = Followers::default();
        for rule in rules {
            match rule {
                Rule::and_op | Rule::or_op => f.and_or = true,
                Rule::close_paren => f.close_paren = true,
                Rule::close_bracket => f.close_bracket = true,
                Rule::comma => f.comma = true,
                Rule::asc | Rule::desc => f.order = true,
                Rule::kw_sort
                | Rule::kw_limit
                | Rule::kw_offset
                | Rule::sort_clause
                | Rule::limit_clause
                | Rule::offset_clause => f.clause = true,
                // pest names `file` itself when nothing at all fits at its start.
                Rule::kw_segment | Rule::segment | Rule::file => f.segment = true,
                Rule::EOI | Rule::query => f.end = true,
                _ => {}
            }
        }
        f
    }

    fn phrase(&self) -> (&'static str, &'static str) {
        const JOIN: &str = "join conditions with `and` or `or`; `sort by`, `limit` and `offset` \
                            go after the whole expression";
        const LIST: &str = "separate the values with `,` and close the list; quote a value \
                            that holds blanks or operators";
        if self.and_or && self.close_paren {
            ("`and`, `or`, or `)`", JOIN)
        } else if self.and_or {
            ("`and`, `or`, or the end of the expression", JOIN)
        } else if self.comma && self.close_paren {
            ("`,` or `)`", LIST)
        } else if self.comma && self.close_bracket {
            ("`,` or `]`", LIST)
        } else if self.close_paren {
            ("`)`", "close the parenthesis")
        } else if self.close_bracket {
            ("`]`", "close the list")
        } else if self.order {
            (
                "`asc`, `desc`, another clause, or the end of the query",
                "write `sort by FIELD asc` or `sort by FIELD desc`",
            )
        } else if self.clause {
            (
                "another clause or the end of the query",
                "after the expression come only `sort by FIELD [asc|desc]`, `limit N` \
                 (or `limit all`) and `offset N`",
            )
        } else if self.segment {
            (
                "`segment NAME` or the end of the file",
                "a segment file holds definitions such as `segment leads` followed by \
                 an expression",
            )
        } else if self.end {
            ("the end of the input", "remove what follows")
        } else {
            (
                "valid syntax",
                "see the language description in the crate documentation",
            )
        }
    }
}

/// Translates pest's error into a [`ParseError`] pointing into `source`.
pub(super) fn from_pest(error: pest::error::Error<Rule>, source: &str) -> ParseError {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let rules = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            if positives.is_empty() {
                negatives.as_slice()
            } else {
                positives.as_slice()
            }
        }
        ErrorVariant::CustomError { .. } => &[],
    };
    let (span, token) = token_at(source, pos);
    let found = describe(token);
    let (expected, help) = expectation(rules, token, source, pos);
    if let Found::Text(text) = token {
        let first = text.chars().next().unwrap_or_default();
        if let Some((code_point, name, kind)) = chars::invisible(first) {
            return ParseError::InvisibleCharacter {
                code_point,
                name,
                expected,
                span,
                help: kind.help(),
            };
        }
        if let Some(name) = chars::typographic_quote(first) {
            return ParseError::Expected {
                expected,
                found: format!("found `{first}` ({} {name})", chars::code_point(first)),
                span,
                help: chars::typographic_quote_help(source, pos),
            };
        }
    }
    ParseError::Expected {
        expected,
        found,
        span,
        help,
    }
}

/// What pest expected at `pos`, in words, and the help that goes with it,
/// from the rules it tried there and the token found.
fn expectation(
    rules: &[Rule],
    token: Found<'_>,
    source: &str,
    pos: usize,
) -> (&'static str, String) {
    match rules.iter().map(|&r| want(r)).min() {
        Some(Want::Expression) => (
            "an expression",
            "write a condition such as `email ~ \"gmail\"`, or `all` for every contact, or \
             start with `not`, `(` or a segment reference such as `@leads`"
                .into(),
        ),
        // Only after `all` may both an operator (`all` a field) and `and`
        // or `or` (`all` every contact) come: it is likelier the latter.
        Some(Want::Operator) if Followers::of(rules).and_or => (
            Followers::of(rules).phrase().0,
            "`all` alone matches every contact; join it to other conditions with `and` or \
             `or`, and put `sort by`, `limit` and `offset` after the whole expression"
                .into(),
        ),
        Some(Want::Operator) => (
            "an operator such as `=` or `~`",
            "compare the field with one of `= != > < >= <= ~ !~` and a value, or list values \
             with `in (…)` or `not in (…)`"
                .into(),
        ),
        Some(Want::Value) => ("a value", value_help(token)),
        Some(Want::Amount) => (
            "an amount of time such as `30d`",
            with_now_word(
                "write a relative time as digits and a unit: `now - 30d`, `now + 2h`",
                source,
                pos,
            ),
        ),
        Some(Want::Unit) => (
            "a unit of time such as `d` or `h`",
            with_now_word(
                "write the unit right after the digits: `30d` (s, m, h, d or w)",
                source,
                pos,
            ),
        ),
        Some(Want::CountOrAll) => (
            "a whole number or `all`",
            "write digits, such as `limit 50`, or `limit all` for every matching contact".into(),
        ),
        Some(Want::Count) => (
            "a whole number",
            "write digits only, such as `limit 50` or `offset 100`".into(),
        ),
        Some(Want::Field) => (
            "a field name",
            "write a field such as `email` or `customers.lastSeen`; a keyword cannot be a field"
                .into(),
        ),
        Some(Want::Name) => (
            "a segment name",
            "a name starts with a letter or `_` and holds letters, digits and `_`, such as \
             `gmail_leads`; a keyword cannot be a name"
                .into(),
        ),
        Some(Want::By) => (
            "`by`",
            "write `sort by FIELD`, such as `sort by lastSeen desc`".into(),
        ),
        Some(Want::InList) => (
            "a list in parentheses",
            "list the values after `in` in parentheses, such as `countryCode in (UA, PL)`".into(),
        ),
        Some(Want::Continuation) | None => {
            let (expected, help) = Followers::of(rules).phrase();
            (expected, help.into())
        }
    }
}

/// The help for a missing value; a keyword where a value belongs is the
/// likeliest mistake, so it gets its own advice.
fn value_help(token: Found<'_>) -> String {
    if let Found::Text(text) = token {
        if super::KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text)) {
            return format!(
                "`{text}` is a keyword; to compare with the word itself, quote it: `\"{text}\"`"
            );
        }
    }
    "write a word, a number, a date such as `2024-01-01`, `now - 30d`, a \"quoted string\" \
     or a list such as `[Lead, Paid]`; quote text that holds blanks, operators or keywords"
        .into()
}

/// `help`, and when the relative time is one word that starts with `now`
/// (`now-ish`, `NOW+1`), how to write that word as text instead: it is
/// likelier a value than a time missing its amount.
fn with_now_word(help: &str, source: &str, pos: usize) -> String {
    let pos = pos.min(source.len());
    // The run of word characters around `pos`: `now-ish` has none of the
    // blanks `now - 30d` may hold.
    let start = source[..pos]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(pos, |(i, _)| i);
    let end = source[pos..]
        .find(|c: char| !is_word_char(c))
        .map_or(source.len(), |n| pos + n);
    let word = &source[start..end];
    let starts_with_now = word.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("now"));
    if starts_with_now && word.len() > 3 {
        format!("{help}; to compare with the text `{word}`, quote it: `\"{word}\"`")
    } else {
        help.to_owned()
    }
}

/// What stands at an error's byte.
#[derive(Clone, Copy)]
enum Found<'s> {
    /// The end of the input; the span is the last token, if any.
    End,
    /// A blank where something else had to follow at once (`30 d`).
    Blank,
    Text(&'s str),
}

fn describe(token: Found<'_>) -> String {
    match token {
        Found::End => "the input ends after this".into(),
        Found::Blank => "expected here".into(),
        // Long tokens (a whole string, a long word) would only repeat what
        // the label underlines.
        Found::Text(text) if text.chars().count() > 24 || text.contains('\n') => {
            "found this".into()
        }
        Found::Text(text) => format!("found `{text}`"),
    }
}

/// The token starting at byte `pos` and its span: a word, a string, an
/// operator, or one character. At the end of the input, the span is the
/// last token instead: a terminal cannot show a label past the last
/// character, and "the input ends after this" is what the user must fix.
fn token_at(source: &str, pos: usize) -> (SourceSpan, Found<'_>) {
    let pos = pos.min(source.len());
    let rest = source.get(pos..).unwrap_or_default();
    let Some(first) = rest.chars().next() else {
        let (start, len) = last_token(source).unwrap_or((pos, 0));
        return ((start, len).into(), Found::End);
    };
    if first.is_ascii() && chars::is_blank(first as u8) {
        return ((pos, 0).into(), Found::Blank);
    }
    let len = token_len(source, pos);
    ((pos, len).into(), Found::Text(&rest[..len]))
}

/// The length of the token at `pos`, which is not at the end and not a
/// blank: the lexer's token there, but a `#` alone (the label is on what
/// the grammar did not expect, not on the comment it starts).
fn token_len(source: &str, pos: usize) -> usize {
    match Lexer::at(source, pos).next() {
        Some(Token {
            kind: Kind::Comment,
            ..
        }) => 1,
        Some(token) => token.end - token.start,
        None => 0,
    }
}

/// Start and length of the last token of `source`, skipping blanks and
/// comments. One pass, run only when an error is at the very end.
fn last_token(source: &str) -> Option<(usize, usize)> {
    Lexer::new(source)
        .filter(|t| !t.kind.is_trivia())
        .last()
        .map(|t| (t.start, t.end - t.start))
}

#[cfg(test)]
mod tests {
    //! The token a message labels is the lexer's, whose word characters
    //! are the grammar's (before the lexer, this file had its own: Rust's
    //! alphanumerics, which leave out combining marks and take in symbols
    //! such as `Ⓐ`).

    use super::ParseError;
    use crate::Limits;

    fn found(text: &str) -> String {
        match super::super::parse_query(text, &Limits::default()) {
            Err(ParseError::Expected { found, .. }) => found,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn labels_cover_the_grammars_words() {
        assert_eq!(found("a = 1 b\u{301} = 2"), "found `b\u{301}`");
        assert_eq!(found("a = Ⓐb"), "found `Ⓐ`");
        assert_eq!(found("a = 1 x.y@z ="), "found `x.y@z`");
        assert_eq!(found("a = # c\n"), "the input ends after this");
    }

    #[test]
    fn a_byte_order_mark_after_blanks_is_no_token() {
        // As pest reads it (`SOI ~ BOM?` skips blanks first), and as a mark
        // at the very start always was.
        let empty = super::super::parse_query(" \u{FEFF} # c", &Limits::default());
        assert!(matches!(empty, Err(ParseError::Empty { .. })), "{empty:?}");
    }
}
