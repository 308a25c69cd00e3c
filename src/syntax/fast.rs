//! A hand-written recursive-descent parser for the inputs people usually
//! write, tried before pest.
//!
//! pest's matching is three quarters of the time a typical expression
//! takes to parse (BENCHMARKS.md), and most of that time goes to the
//! generality an error message needs: every attempt is a closure call,
//! and every token a queue entry turned into a pair. This parser reads
//! the same grammar, `grammar/hcq.pest`, byte by byte and builds the tree
//! directly, exactly as `Builder` builds it from pest's pairs, spans
//! included.
//!
//! It gives up ([`Bail`]) on everything it is not sure of, and pest then
//! parses the input again:
//!
//! - any syntax error, so that every message still comes from pest's
//!   attempts and `syntax/error.rs`;
//! - a string whose escapes are invalid, an `in` or tag list past the
//!   bound: the pest path reports them.
//!
//! Giving up is always safe; accepting is safe because the tree must be
//! the one pest's path builds, which `syntax/tests/fast_parser.rs` checks on
//! every fixture and on generated inputs, spans compared.
//!
//! An expression is parsed before the scan (`syntax/scan.rs`) runs, which
//! then runs only when this parser gives up: a second pass over every
//! input cost as much as a tenth of compiling a typical one. So this
//! parser bounds its own recursion: it counts the levels the scan counts
//! (each `(` and `[`, and each `not` in front of an operand; the `not` of
//! `not in` counts with its list, as in the scan) and gives up past
//! `max_depth`, where the scan would have failed. It never counts fewer
//! levels than the scan on an input it accepts, so whatever it accepts
//! passes the scan too.

use super::chars::{self, Class};
use super::token::{self, Strings};
use super::{KEYWORDS, Operand, escape, join};
use crate::ast::{
    self, Clause, ClauseKind, CompareOp, Expr, ExprKind, Ident, Order, RelativeOffset, Span, Value,
    ValueKind,
};

/// The first letters of [`KEYWORDS`], one bit per letter from `a`: most
/// names and words start with none of them.
const KEYWORD_INITIALS: u32 = {
    let mut bits = 0;
    let mut i = 0;
    while i < KEYWORDS.len() {
        bits |= 1 << (KEYWORDS[i].as_bytes()[0] - b'a');
        i += 1;
    }
    bits
};

/// This parser is not sure; pest decides.
pub(super) struct Bail;

type Parsed<T> = Result<T, Bail>;

/// Parses one expression with its clauses, as `parse_query` does, after
/// the scan has bounded the input.
pub(super) fn query(source: &str, max_list_len: usize, max_depth: usize) -> Parsed<ast::Query> {
    let mut parser = Parser::new(source, max_list_len, max_depth);
    parser.start();
    let query = parser.query()?;
    parser.end()?;
    Ok(query)
}

/// Parses a segment file, as `parse_file` does, after the scan.
pub(super) fn file(source: &str, max_list_len: usize, max_depth: usize) -> Parsed<ast::File> {
    let mut parser = Parser::new(source, max_list_len, max_depth);
    parser.start();
    let mut segments = Vec::new();
    loop {
        parser.skip();
        if parser.at_end() {
            return Ok(ast::File { segments });
        }
        segments.push(parser.segment()?);
    }
}

struct Parser<'a> {
    source: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_list_len: usize,
    /// Levels of nesting open here, as the scan counts them.
    depth: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, max_list_len: usize, max_depth: usize) -> Self {
        Parser {
            source,
            bytes: source.as_bytes(),
            pos: 0,
            max_list_len,
            depth: 0,
            max_depth,
        }
    }

    /// One level deeper; gives up past `max_depth`, where the scan fails.
    /// A parser that gave up is dropped, so only success calls [`Parser::leave`].
    fn enter(&mut self) -> Parsed<()> {
        if self.depth >= self.max_depth {
            return Err(Bail);
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ------------------------------------------------------------ bytes

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// The class of the character at `at` (`chars.rs`, the grammar's).
    fn class(&self, at: usize) -> Class {
        chars::class_at(self.source, at).0
    }

    /// Whether the character at `at` continues a name or keyword (`ident_char`).
    fn is_ident_char(&self, at: usize) -> bool {
        self.class(at) == Class::Ident
    }

    /// Whether the character at `at` continues a bare word (`word_char`).
    fn is_word_char(&self, at: usize) -> bool {
        self.class(at) != Class::Other
    }

    /// pest's implicit blanks: whitespace and `#` comments, as the lexer
    /// reads them.
    fn skip(&mut self) {
        self.pos = token::trivia_end(self.bytes, self.pos);
    }

    /// `SOI ~ BOM?` with the blanks pest allows around the mark.
    fn start(&mut self) {
        self.skip();
        if self.bytes[self.pos..].starts_with("\u{FEFF}".as_bytes()) {
            self.pos += 3;
        }
    }

    /// `EOI`, after the blanks.
    fn end(&mut self) -> Parsed<()> {
        self.skip();
        if self.at_end() { Ok(()) } else { Err(Bail) }
    }

    fn digits(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.source[start..end].to_owned()
    }

    // ------------------------------------------------------------ keywords

    /// The length of the keyword written at `at` (any case), if one is.
    fn keyword_at(&self, at: usize) -> Option<usize> {
        // None is a prefix of another, so at most one matches.
        let rest = &self.bytes[at..];
        // Every name and word is tested: comparing the first byte alone
        // rules out most keywords (and all, for most names) cheaply.
        let first = rest.first()?.to_ascii_lowercase();
        if !first.is_ascii_lowercase() || KEYWORD_INITIALS & (1 << (first - b'a')) == 0 {
            return None;
        }
        KEYWORDS
            .iter()
            .filter(|kw| kw.as_bytes()[0] == first)
            .find(|kw| {
                rest.len() >= kw.len() && rest[..kw.len()].eq_ignore_ascii_case(kw.as_bytes())
            })
            .map(|kw| kw.len())
    }

    /// Consumes `kw` (lower case; matched in any case) if it is written
    /// here as a whole word (`kw_end`), and returns its span.
    fn keyword(&mut self, kw: &str) -> Option<Span> {
        if !token::keyword_at(self.source, self.pos, kw) {
            return None;
        }
        let span = Span::new(self.pos, self.pos + kw.len());
        self.pos = span.end;
        Some(span)
    }

    /// Fails where a keyword stands as a whole word at `at`: the grammar's
    /// `!(keyword ~ !…)` in front of names and words, where `continues`
    /// says whether the character after the keyword (its class, and the
    /// byte it starts with) makes it part of a longer word.
    fn not_keyword(&self, at: usize, continues: fn(Class, Option<u8>) -> bool) -> Parsed<()> {
        match self.keyword_at(at) {
            Some(len) if !continues(self.class(at + len), self.byte(at + len)) => Err(Bail),
            _ => Ok(()),
        }
    }

    // ------------------------------------------------------------ names

    /// `ident_part`: `[A-Za-z_][A-Za-z0-9_]*`, ending at `from` if absent.
    fn ident_part(&self, from: usize) -> usize {
        match self.byte(from) {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                from + 1
                    + self.bytes[from + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                        .count()
            }
            _ => from,
        }
    }

    /// `field`: `email`, `customers.email`; never a keyword.
    fn field(&mut self) -> Parsed<Ident> {
        let start = self.pos;
        // `!(keyword ~ !(ident_char | "."))`: `in.x` is a field.
        self.not_keyword(start, |class, b| class == Class::Ident || b == Some(b'.'))?;
        let mut end = self.ident_part(start);
        if end == start {
            return Err(Bail);
        }
        while self.byte(end) == Some(b'.') {
            let next = self.ident_part(end + 1);
            if next == end + 1 {
                break;
            }
            end = next;
        }
        self.pos = end;
        Ok(self.ident(start, end))
    }

    /// `name`: a segment's name after `segment` or `@`; never a keyword.
    fn name(&mut self) -> Parsed<Ident> {
        let start = self.pos;
        self.not_keyword(start, |class, _| class == Class::Ident)?;
        let end = self.ident_part(start);
        if end == start {
            return Err(Bail);
        }
        self.pos = end;
        Ok(self.ident(start, end))
    }

    fn ident(&self, start: usize, end: usize) -> Ident {
        Ident {
            name: self.text(start, end),
            span: Span::new(start, end),
        }
    }

    // ------------------------------------------------------------ expressions

    /// A segment definition, from `segment` to its last clause.
    fn segment(&mut self) -> Parsed<ast::Segment> {
        let start = self.pos;
        self.keyword("segment").ok_or(Bail)?;
        self.skip();
        let name = self.name()?;
        let query = self.query()?;
        Ok(ast::Segment {
            span: Span::new(start, query.span.end),
            name,
            query,
        })
    }

    /// An expression and its clauses.
    fn query(&mut self) -> Parsed<ast::Query> {
        let expr = self.disjunction()?;
        let mut end = expr.outer.end;
        let mut clauses = Vec::new();
        loop {
            let before = self.pos;
            self.skip();
            match self.clause()? {
                Some(clause) => {
                    end = clause.span.end;
                    clauses.push(clause);
                }
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        Ok(ast::Query {
            span: Span::new(expr.outer.start, end),
            expr: expr.expr,
            clauses,
        })
    }

    /// Operands joined by `or`, the loosest operator.
    fn disjunction(&mut self) -> Parsed<Operand> {
        self.chain("or", Self::conjunction)
    }

    /// Operands joined by `and`.
    fn conjunction(&mut self) -> Parsed<Operand> {
        self.chain("and", Self::negation)
    }

    /// `operand (keyword operand)*`. Folding left to right with `join`
    /// gives the tree and spans pest's Pratt parser gives.
    fn chain(
        &mut self,
        keyword: &'static str,
        operand: fn(&mut Self) -> Parsed<Operand>,
    ) -> Parsed<Operand> {
        let mut lhs = operand(self)?;
        loop {
            let before = self.pos;
            self.skip();
            if self.keyword(keyword).is_none() {
                self.pos = before;
                return Ok(lhs);
            }
            let rhs = operand(self)?;
            lhs = join(lhs, keyword == "and", rhs);
        }
    }

    /// `not` applies to the one operand after it (the run of `not`s is
    /// bounded by the scan).
    fn negation(&mut self) -> Parsed<Operand> {
        self.skip();
        let Some(not) = self.keyword("not") else {
            return self.primary();
        };
        self.enter()?;
        let operand = self.negation()?;
        self.leave();
        let span = Span::new(not.start, operand.outer.end);
        Ok(Operand {
            expr: Expr {
                kind: ExprKind::Not(Box::new(operand.expr)),
                span,
            },
            outer: span,
        })
    }

    /// A group, a reference, a comparison or `all`.
    fn primary(&mut self) -> Parsed<Operand> {
        let start = self.pos;
        match self.byte(start) {
            Some(b'(') => {
                self.enter()?;
                self.pos += 1;
                let operand = self.disjunction()?;
                self.skip();
                if self.byte(self.pos) != Some(b')') {
                    return Err(Bail);
                }
                self.pos += 1;
                self.leave();
                Ok(Operand {
                    expr: operand.expr,
                    outer: Span::new(start, self.pos),
                })
            }
            Some(b'@') => {
                self.pos += 1;
                let name = self.name()?;
                let span = Span::new(start, self.pos);
                Ok(Operand {
                    expr: Expr {
                        kind: ExprKind::Ref(name),
                        span,
                    },
                    outer: span,
                })
            }
            _ => {
                // The grammar's `comparison | every`: `all = 1` compares a
                // field named `all`; where no comparison starts, `all`
                // alone is every contact.
                let expr = match self.comparison() {
                    Ok(expr) => expr,
                    Err(Bail) => {
                        self.pos = start;
                        let span = self.keyword("all").ok_or(Bail)?;
                        Expr {
                            kind: ExprKind::All,
                            span,
                        }
                    }
                };
                Ok(Operand {
                    outer: expr.span,
                    expr,
                })
            }
        }
    }

    /// `field op value`, `field in (…)`, `field not in (…)`.
    fn comparison(&mut self) -> Parsed<Expr> {
        let start = self.pos;
        let field = self.field()?;
        self.skip();
        let kind = if let Some((negated, op_span)) = self.in_op() {
            self.skip();
            ExprKind::In {
                field,
                negated,
                op_span,
                values: self.list(b'(', b')')?,
            }
        } else {
            let op_start = self.pos;
            let op = self.compare_op()?;
            let op_span = Span::new(op_start, self.pos);
            self.skip();
            ExprKind::Compare {
                field,
                op,
                op_span,
                value: self.value(true)?,
            }
        };
        Ok(Expr {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// `in`, or `not in` with blanks between; `None`, consuming nothing,
    /// where neither is written.
    fn in_op(&mut self) -> Option<(bool, Span)> {
        let start = self.pos;
        let negated = self.keyword("not").is_some();
        if negated {
            let after_not = self.pos;
            self.skip();
            if self.pos == after_not {
                self.pos = start;
                return None;
            }
        }
        if self.keyword("in").is_none() {
            self.pos = start;
            return None;
        }
        Some((negated, Span::new(start, self.pos)))
    }

    /// A comparison operator, the longest written.
    fn compare_op(&mut self) -> Parsed<CompareOp> {
        let (op, len) = token::compare_op(self.bytes, self.pos).ok_or(Bail)?;
        self.pos += len;
        Ok(op)
    }

    // ------------------------------------------------------------ values

    /// A value; a `[…]` list only where `lists` allows one (not inside a
    /// list). The alternatives in the grammar's order, each given up for
    /// the next exactly where pest's would be.
    fn value(&mut self, lists: bool) -> Parsed<Value> {
        let start = self.pos;
        let kind = match self.byte(start) {
            Some(b'"') => self.string()?,
            Some(b'[') if lists => ValueKind::List(self.list(b'[', b']')?),
            _ => {
                if let Some(offset) = self.now() {
                    ValueKind::Now {
                        word: self.text(start, start + "now".len()),
                        offset,
                    }
                } else if let Some(end) = self.datetime(start) {
                    self.pos = end;
                    ValueKind::DateTime(self.text(start, end))
                } else if let Some(end) = self.date(start) {
                    self.pos = end;
                    ValueKind::Date(self.text(start, end))
                } else if let Some(end) = self.integer(start) {
                    self.pos = end;
                    ValueKind::Integer(self.text(start, end))
                } else {
                    self.word()?
                }
            }
        };
        Ok(Value {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// `"…"` with its escapes resolved; invalid escapes are pest's to report.
    fn string(&mut self) -> Parsed<ValueKind> {
        let start = self.pos;
        let (end, terminated) = token::string_end(self.bytes, start, Strings::Exact);
        if !terminated {
            return Err(Bail);
        }
        self.pos = end;
        let text = escape::unescape(&self.source[start..self.pos], start).map_err(|_| Bail)?;
        Ok(ValueKind::Str(text))
    }

    /// `( v, … )` or `[ v, … ]`: at least one value, an optional trailing
    /// comma, at most `max_list_len` values.
    fn list(&mut self, open: u8, close: u8) -> Parsed<Vec<Value>> {
        if self.byte(self.pos) != Some(open) {
            return Err(Bail);
        }
        self.enter()?;
        self.pos += 1;
        let mut values = Vec::new();
        loop {
            self.skip();
            if !values.is_empty() && self.byte(self.pos) == Some(close) {
                // The trailing comma's `comma?`, then the closer.
                break;
            }
            if values.len() == self.max_list_len {
                return Err(Bail);
            }
            values.push(self.value(false)?);
            self.skip();
            match self.byte(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b) if b == close => break,
                _ => return Err(Bail),
            }
        }
        self.pos += 1;
        self.leave();
        Ok(values)
    }

    /// `now`, `now - 30d`: `Some` with the offset if written; `None`,
    /// consuming nothing, where the value is not `now`.
    fn now(&mut self) -> Option<Option<RelativeOffset>> {
        let start = self.pos;
        let end = start + 3;
        let written = self
            .bytes
            .get(start..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"now"));
        // `!(ident_char | "." | "@" | ":" | "/")`: `+` and `-` may follow.
        if !written
            || self.is_ident_char(end)
            || matches!(self.byte(end), Some(b'.' | b'@' | b':' | b'/'))
        {
            return None;
        }
        self.pos = end;
        let offset = self.relative_offset();
        if offset.is_none() {
            self.pos = end;
        }
        Some(offset)
    }

    /// The optional `- 30d` after `now`; `None` where it is not all there.
    fn relative_offset(&mut self) -> Option<RelativeOffset> {
        self.skip();
        let minus = match self.byte(self.pos) {
            Some(b'-') => true,
            Some(b'+') => false,
            _ => return None,
        };
        self.pos += 1;
        self.skip();
        let start = self.pos;
        let unit_start = start + self.digits(start);
        if unit_start == start {
            return None;
        }
        // `ALPHABETIC+ ~ !word_char`, `ALPHABETIC` reaching into Unicode.
        let unit_end = unit_start
            + self.source[unit_start..]
                .chars()
                .take_while(|&c| chars::is_alphabetic(c))
                .map(char::len_utf8)
                .sum::<usize>();
        if unit_end == unit_start || self.is_word_char(unit_end) {
            return None;
        }
        self.pos = unit_end;
        Some(RelativeOffset {
            minus,
            amount: self.text(start, unit_start),
            unit: self.text(unit_start, unit_end),
            span: Span::new(start, unit_end),
        })
    }

    /// `n` ASCII digits at `at`: where they end.
    fn fixed_digits(&self, at: usize, n: usize) -> Option<usize> {
        let end = at + n;
        let all = self
            .bytes
            .get(at..end)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        all.then_some(end)
    }

    /// `YYYY-MM-DD` at `at`: where it ends.
    fn date_part(&self, at: usize) -> Option<usize> {
        let at = self.fixed_digits(at, 4)?;
        let at = self.literal(at, b'-')?;
        let at = self.fixed_digits(at, 2)?;
        let at = self.literal(at, b'-')?;
        self.fixed_digits(at, 2)
    }

    fn literal(&self, at: usize, byte: u8) -> Option<usize> {
        (self.byte(at) == Some(byte)).then_some(at + 1)
    }

    /// The grammar's `datetime` at `at`: where it ends, if it is one.
    fn datetime(&self, at: usize) -> Option<usize> {
        self.datetime_body(at)
            .filter(|&end| !self.is_word_char(end))
    }

    fn datetime_body(&self, at: usize) -> Option<usize> {
        let at = self.date_part(at)?;
        let at = self.literal(at, b'T').or_else(|| self.literal(at, b't'))?;
        let at = self.fixed_digits(at, 2)?;
        let at = self.literal(at, b':')?;
        let mut at = self.fixed_digits(at, 2)?;
        // `(":" ~ two_digits ~ ("." ~ ASCII_DIGIT+)?)?`
        if let Some(seconds) = self.literal(at, b':').and_then(|a| self.fixed_digits(a, 2)) {
            at = seconds;
            if let Some(dot) = self.literal(at, b'.') {
                let n = self.digits(dot);
                if n > 0 {
                    at = dot + n;
                }
            }
        }
        // `("Z" | "z" | ("+" | "-") ~ two_digits ~ ":" ~ two_digits)?`
        match self.byte(at) {
            Some(b'Z' | b'z') => at += 1,
            Some(b'+' | b'-') => {
                let offset = self
                    .fixed_digits(at + 1, 2)
                    .and_then(|a| self.literal(a, b':'))
                    .and_then(|a| self.fixed_digits(a, 2));
                if let Some(end) = offset {
                    at = end;
                }
            }
            _ => {}
        }
        Some(at)
    }

    /// The grammar's `date` at `at`: where it ends, if it is one.
    fn date(&self, at: usize) -> Option<usize> {
        self.date_part(at).filter(|&end| !self.is_word_char(end))
    }

    /// The grammar's `integer` at `at`: where it ends, if it is one.
    fn integer(&self, at: usize) -> Option<usize> {
        let digits_at = at + usize::from(matches!(self.byte(at), Some(b'+' | b'-')));
        let n = self.digits(digits_at);
        (n > 0 && !self.is_word_char(digits_at + n)).then_some(digits_at + n)
    }

    /// A bare word; never a keyword, never starting with `@`.
    fn word(&mut self) -> Parsed<ValueKind> {
        let start = self.pos;
        self.not_keyword(start, |class, _| class != Class::Other)?;
        if self.byte(start) == Some(b'@') {
            return Err(Bail);
        }
        let end = token::word_end(self.source, start);
        if end == start {
            return Err(Bail);
        }
        self.pos = end;
        Ok(ValueKind::Word(self.text(start, end)))
    }

    // ------------------------------------------------------------ clauses

    /// A clause, if one starts here; `None`, consuming nothing, otherwise.
    fn clause(&mut self) -> Parsed<Option<Clause>> {
        let start = self.pos;
        let kind = if self.keyword("sort").is_some() {
            self.skip();
            self.keyword("by").ok_or(Bail)?;
            self.skip();
            let field = self.field()?;
            let before = self.pos;
            self.skip();
            let order = if let Some(span) = self.keyword("asc") {
                Some((Order::Asc, span))
            } else if let Some(span) = self.keyword("desc") {
                Some((Order::Desc, span))
            } else {
                self.pos = before;
                None
            };
            ClauseKind::Sort { field, order }
        } else if self.keyword("limit").is_some() {
            self.skip();
            let (count, span) = match self.keyword("all") {
                Some(span) => ("all".to_owned(), span),
                None => self.count()?,
            };
            ClauseKind::Limit(count, span)
        } else if self.keyword("offset").is_some() {
            let (digits, span) = self.count()?;
            ClauseKind::Offset(digits, span)
        } else {
            return Ok(None);
        };
        Ok(Some(Clause {
            kind,
            span: Span::new(start, self.pos),
        }))
    }

    /// The digits of `limit N` or `offset N`.
    fn count(&mut self) -> Parsed<(String, Span)> {
        self.skip();
        let start = self.pos;
        let end = start + self.digits(start);
        if end == start || self.is_word_char(end) {
            return Err(Bail);
        }
        self.pos = end;
        Ok((self.text(start, end), Span::new(start, end)))
    }
}

#[cfg(test)]
mod tests {
    //! That the fast path is taken where it should be; that its trees are
    //! pest's is `syntax/tests/fast_parser.rs`'s job.

    use super::{file, query};

    const MAX_LIST_LEN: usize = 1000;
    const MAX_DEPTH: usize = 64;

    #[test]
    fn reads_what_people_usually_write() {
        for text in [
            r#"email ~ "gmail" and (lastSeen >= now - 30d or tag = Lead) and countryCode in (UA, PL)"#,
            "\u{FEFF}a = 1 OR b = 2 or not (c = 3 and not d = 4) # note\r\n",
            "tag = [Lead, \"beta tester\",] and id not in (1, 2, 3,)",
            "lastSeen >= 2024-01-01T10:00:00.5+02:00 and firstSeen < 2024-01-01",
            "lastSeen >= now-30d and x = now and y = -7 and z = user@x.io",
            "name = \"Київ \\u{1F600}\" # коментар\n sort by lastSeen desc limit 50 offset 10",
            "(in.x = 1) and order = 2 and notes != andy",
            "tag = all and all = 1 limit ALL offset 3",
            "all",
            "ALL sort by lastSeen desc limit all",
            "not (all) or all and city in (all, x)",
            "city = Київ and company in (Café, naïve) and lastSeen > now - 30дн",
        ] {
            assert!(
                query(text, MAX_LIST_LEN, MAX_DEPTH).is_ok(),
                "gave up on {text:?}"
            );
        }
        let example = include_str!("../../examples/segments.hcq");
        assert!(
            file(example, MAX_LIST_LEN, MAX_DEPTH).is_ok(),
            "gave up on the example file"
        );
    }

    #[test]
    fn leaves_errors_and_unicode_words_to_pest() {
        for text in [
            "email = ",
            "émail = 1",
            "a = 1 and",
            "a = 1)",
            "a = \"\\q\"",
            "a in (1, 2, 3)",
            "sort = 1",
            "a = in",
            "a = @b",
            "@ a",
            "a = 1 limit 5x",
        ] {
            let max = if text.starts_with("a in") {
                2
            } else {
                MAX_LIST_LEN
            };
            assert!(query(text, max, MAX_DEPTH).is_err(), "accepted {text:?}");
        }
    }

    /// The fast path gives up exactly where the scan it runs before would
    /// fail for depth, never later: what it accepts must pass the scan.
    #[test]
    fn gives_up_where_the_scan_fails_for_depth() {
        use crate::Limits;
        for text in [
            "((a = 1))",
            "not not (not (a = 1))",
            "not a = 1 and not (b = 2)",
            "a not in (1, 2)",
            "not a not in (1)",
            "tag = [a, b] and (not tag = [c])",
            "(not (a = 1)) or not not b in (1)",
        ] {
            for max_depth in 0..8 {
                let limits = Limits {
                    max_depth,
                    ..Limits::default()
                };
                let scan = crate::syntax::scan::scan(text, max_depth);
                if query(text, MAX_LIST_LEN, max_depth).is_ok() {
                    assert!(scan.is_ok(), "accepted {text:?} at depth {max_depth}");
                }
                // And the whole parse agrees with the scan-first order.
                let parsed = crate::syntax::parse_query(text, &limits);
                assert_eq!(
                    parsed.is_ok(),
                    scan.is_ok(),
                    "{text:?} at depth {max_depth}"
                );
                // The same for a segment file holding it.
                let file_text = format!("# x\nsegment a\n  {text}\n\nsegment b\n  c = 1\n");
                let scan = crate::syntax::scan::scan(&file_text, max_depth);
                if file(&file_text, MAX_LIST_LEN, max_depth).is_ok() {
                    assert!(scan.is_ok(), "accepted {file_text:?} at depth {max_depth}");
                }
                let parsed = crate::syntax::parse_file(&file_text, &limits);
                assert_eq!(
                    parsed.is_ok(),
                    scan.is_ok(),
                    "{file_text:?} at depth {max_depth}"
                );
            }
        }
    }
}
