//! Text to [`crate::ast`].
//!
//! Parsing runs in these steps:
//!
//! 1. bounds that need no grammar: the input's size, then one linear scan
//!    (`syntax/scan.rs`) for nesting depth, unbalanced delimiters and unclosed
//!    strings, so that the recursive steps below never recurse deeper than
//!    [`Limits::max_depth`];
//! 2. a hand-written parser of the same grammar (`syntax/fast.rs`), some
//!    four times faster than pest (BENCHMARKS.md), which builds the tree
//!    directly where it is sure and gives up on anything else (errors
//!    above all);
//! 3. otherwise pest, with the grammar of `grammar/hcq.pest`; its errors are put
//!    into words by `syntax/error.rs`;
//! 4. pairs to tree: one Pratt parser gives `not` > `and` > `or` their
//!    precedence, string escapes are resolved, list lengths are bounded.
//!
//! The steps that read the text themselves (the scan, the hand-written
//! parser, the wording of pest's errors) do it with one lexer,
//! `syntax/token.rs` (character classes in `syntax/chars.rs`), held to
//! pest's terminals by `syntax/tests/lexer.rs`, so that they cannot disagree on
//! where a string, a comment or a word ends.
//!
//! `and` and `or` come out n-ary and flat: `a and b and c`, and also
//! `(a and b) and c` and `a and (b and c)`, are one `And` with three
//! operands, as [`ast::ExprKind`] promises. The span of an `And`/`Or` runs
//! from its first operand to its last as written, parentheses included;
//! the span of a parenthesised expression itself leaves the parentheses out.

pub(crate) mod chars;
mod error;
pub(crate) mod escape;
mod fast;
pub(crate) mod lexical;
mod scan;
#[cfg(test)]
mod tests;
pub(crate) mod token;

pub use error::ParseError;

use crate::ast::{
    self, Clause, ClauseKind, CompareOp, Expr, ExprKind, Ident, Order, RelativeOffset, Span, Value,
    ValueKind,
};
use crate::limits::Limits;
use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

mod grammar {
    //! The parser pest derives from the grammar; private, so that its rule
    //! names never reach a user.
    #![allow(missing_docs)]

    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/hcq.pest"]
    pub(super) struct HcqParser;
}

use grammar::{HcqParser, Rule};

/// The keywords, in lower case, which are neither fields nor bare-word
/// values; none is a prefix of another (`syntax/fast.rs` relies on it).
const KEYWORDS: [&str; 11] = [
    "and", "or", "not", "in", "sort", "by", "limit", "offset", "asc", "desc", "segment",
];

/// Operator precedence, loosest first: `or`, `and`, then prefix `not`.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
});

/// Parses one expression with its clauses, such as
/// `email ~ "gmail" and tag = Lead sort by lastSeen desc limit 50`.
///
/// ```
/// use hcq::ast::ExprKind;
/// let query = hcq::syntax::parse_query("a = 1 or b = 2 or c = 3", &hcq::Limits::default())?;
/// assert!(matches!(&query.expr.kind, ExprKind::Or(operands) if operands.len() == 3));
/// # Ok::<(), hcq::syntax::ParseError>(())
/// ```
///
/// # Errors
///
/// A [`ParseError`]: the first place the text leaves the grammar (with
/// what was expected there), an unclosed string or delimiter, or a bound
/// of `limits` broken (size, nesting depth, list length).
pub fn parse_query(source: &str, limits: &Limits) -> Result<ast::Query, ParseError> {
    parse_query_by(source, limits, Path::Fast)
}

/// [`parse_query`] with pest alone, without the hand-written fast path
/// tried first: the reference the fast path is tested against, and what
/// reads any input the fast path gives up on. Tests and the fuzz targets
/// (through `hcq::fuzzing`) reach it.
#[cfg(any(test, fuzzing))]
pub(crate) fn parse_query_with_pest(
    source: &str,
    limits: &Limits,
) -> Result<ast::Query, ParseError> {
    parse_query_by(source, limits, Path::Pest)
}

/// Whether to try the hand-written parser (`syntax/fast.rs`) before pest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Fast,
    #[cfg(any(test, fuzzing))]
    Pest,
}

fn parse_query_by(source: &str, limits: &Limits, path: Path) -> Result<ast::Query, ParseError> {
    // The fast path bounds its own depth as the scan does, and what it
    // accepts passes the scan, so the scan runs only where it gives up.
    let fast = (path == Path::Fast && source.len() <= limits.max_input_bytes)
        .then(|| fast::query(source, limits.max_list_len, limits.max_depth));
    if let Some(Ok(query)) = fast {
        return Ok(query);
    }
    let scanned = prepare(source, limits.max_input_bytes, limits)?;
    if !scanned.has_tokens {
        return Err(ParseError::Empty {
            span: (0, source.len()).into(),
        });
    }
    let mut pairs = run(Rule::query, source)?;
    let builder = Builder {
        max_list_len: limits.max_list_len,
    };
    builder.query(&mut pairs)
}

/// Parses a segment file: any number of `segment NAME` definitions, each
/// followed by a query. A file without segments is valid and empty.
///
/// ```
/// let file = hcq::syntax::parse_file(
///     "segment leads\n  tag = Lead\n\nsegment fresh_leads\n  @leads and lastSeen >= now - 30d\n",
///     &hcq::Limits::default(),
/// )?;
/// assert_eq!(file.segments.len(), 2);
/// assert_eq!(file.segments[1].name.name, "fresh_leads");
/// # Ok::<(), hcq::syntax::ParseError>(())
/// ```
///
/// # Errors
///
/// As [`parse_query`], with the file's size bound.
pub fn parse_file(source: &str, limits: &Limits) -> Result<ast::File, ParseError> {
    parse_file_by(source, limits, Path::Fast)
}

/// [`parse_file`] with pest alone, as `parse_query_with_pest`.
#[cfg(any(test, fuzzing))]
pub(crate) fn parse_file_with_pest(source: &str, limits: &Limits) -> Result<ast::File, ParseError> {
    parse_file_by(source, limits, Path::Pest)
}

fn parse_file_by(source: &str, limits: &Limits, path: Path) -> Result<ast::File, ParseError> {
    // As for a query: the scan runs only where the fast path gives up.
    let fast = (path == Path::Fast && source.len() <= limits.max_file_bytes)
        .then(|| fast::file(source, limits.max_list_len, limits.max_depth));
    if let Some(Ok(file)) = fast {
        return Ok(file);
    }
    prepare(source, limits.max_file_bytes, limits)?;
    let pairs = run(Rule::file, source)?;
    let builder = Builder {
        max_list_len: limits.max_list_len,
    };
    let segments = pairs
        .filter(|pair| pair.as_rule() == Rule::segment)
        .map(|pair| builder.segment(pair))
        .collect::<Result<_, _>>()?;
    Ok(ast::File { segments })
}

/// A pair of pest's parse: its rule's name, its bytes, and whether it is
/// a terminal (a pair without inner pairs).
#[cfg(test)]
pub(crate) type PestPair = (String, usize, usize, bool);

/// Every pair pest makes of `source` read as a segment file (`file`) or
/// an expression, in order, or `None` where pest fails: what
/// `syntax/tests/lexer.rs` holds the lexer's tokens to. pest alone, no bounds.
#[cfg(test)]
pub(crate) fn pest_pairs(source: &str, file: bool) -> Option<Vec<PestPair>> {
    let rule = if file { Rule::file } else { Rule::query };
    let pairs = HcqParser::parse(rule, source).ok()?;
    Some(
        pairs
            .flatten()
            .map(|pair| {
                let span = pair.as_span();
                let leaf = pair.clone().into_inner().next().is_none();
                (
                    format!("{:?}", pair.as_rule()),
                    span.start(),
                    span.end(),
                    leaf,
                )
            })
            .collect(),
    )
}

/// The checks before pest: size first (at most `max_bytes`), then the
/// lexical scan.
fn prepare(source: &str, max_bytes: usize, limits: &Limits) -> Result<scan::Scan, ParseError> {
    if source.len() > max_bytes {
        // The label starts at the character holding the first byte too many.
        let mut start = max_bytes;
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        return Err(ParseError::TooLarge {
            size: source.len(),
            max: max_bytes,
            span: (start, source.len() - start).into(),
        });
    }
    scan::scan(source, limits.max_depth)
}

/// Runs pest's parser for `rule` (`query` or `file`) and returns the
/// children of the top pair.
fn run(rule: Rule, source: &str) -> Result<Pairs<'_, Rule>, ParseError> {
    let mut top = HcqParser::parse(rule, source).map_err(|e| error::from_pest(e, source))?;
    Ok(top
        .next()
        .expect("grammar guarantees one top pair")
        .into_inner())
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_owned(),
        span: span_of(pair),
    }
}

/// An expression with the span it takes as an operand: its own span, or
/// the parentheses around it.
struct Operand {
    expr: Expr,
    outer: Span,
}

/// Pairs to tree, under the bounds pest cannot check.
struct Builder {
    max_list_len: usize,
}

impl Builder {
    /// An expression and the clauses after it; `pairs` are positioned at the
    /// `expr` pair and are left after the last clause.
    fn query(&self, pairs: &mut Pairs<'_, Rule>) -> Result<ast::Query, ParseError> {
        let expr = self.expr(pairs.next().expect("grammar guarantees an expression"))?;
        let mut end = expr.outer.end;
        let mut clauses = Vec::new();
        while let Some(pair) = pairs.peek() {
            if !matches!(
                pair.as_rule(),
                Rule::sort_clause | Rule::limit_clause | Rule::offset_clause
            ) {
                break;
            }
            pairs.next();
            let clause = clause(pair);
            end = clause.span.end;
            clauses.push(clause);
        }
        Ok(ast::Query {
            span: Span::new(expr.outer.start, end),
            expr: expr.expr,
            clauses,
        })
    }

    fn segment(&self, pair: Pair<'_, Rule>) -> Result<ast::Segment, ParseError> {
        let start = pair.as_span().start();
        let mut pairs = pair.into_inner();
        pairs.next(); // `segment`
        let name = ident(&pairs.next().expect("grammar guarantees a segment name"));
        let query = self.query(&mut pairs)?;
        Ok(ast::Segment {
            span: Span::new(start, query.span.end),
            name,
            query,
        })
    }

    /// The Pratt parser over an `expr` pair's flat run of operands and
    /// operators. It recurses only into `not` and parentheses (bounded by
    /// the scan); a chain of `or`s is folded in a loop.
    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Operand, ParseError> {
        PRATT
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let span = Span::new(op.as_span().start(), operand.outer.end);
                Ok(Operand {
                    expr: Expr {
                        kind: ExprKind::Not(Box::new(operand.expr)),
                        span,
                    },
                    outer: span,
                })
            })
            .map_infix(|lhs, op, rhs| Ok(join(lhs?, op.as_rule() == Rule::and_op, rhs?)))
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Operand, ParseError> {
        let outer = span_of(&pair);
        let expr = match pair.as_rule() {
            Rule::group => {
                let inner = pair
                    .into_inner()
                    .next()
                    .expect("grammar guarantees an expression in parentheses");
                let operand = self.expr(inner)?;
                return Ok(Operand {
                    expr: operand.expr,
                    outer,
                });
            }
            Rule::reference => {
                let name = pair
                    .into_inner()
                    .next()
                    .expect("grammar guarantees a name after `@`");
                Expr {
                    kind: ExprKind::Ref(ident(&name)),
                    span: outer,
                }
            }
            Rule::comparison => self.comparison(pair)?,
            Rule::every => Expr {
                kind: ExprKind::All,
                span: outer,
            },
            rule => unreachable!("grammar allows no primary {rule:?}"),
        };
        Ok(Operand { expr, outer })
    }

    fn comparison(&self, pair: Pair<'_, Rule>) -> Result<Expr, ParseError> {
        let span = span_of(&pair);
        let mut pairs = pair.into_inner();
        let field = ident(&pairs.next().expect("grammar guarantees a field"));
        let op = pairs.next().expect("grammar guarantees an operator");
        let rhs = pairs.next().expect("grammar guarantees a value");
        let kind = match op.as_rule() {
            Rule::in_op => ExprKind::In {
                field,
                // `in_op` is `in` or `not in`: the first letter tells which.
                negated: op.as_str().starts_with(['n', 'N']),
                op_span: span_of(&op),
                values: self.values(rhs)?,
            },
            Rule::compare_op => ExprKind::Compare {
                field,
                op: compare_op(op.as_str()),
                op_span: span_of(&op),
                value: self.value(rhs)?,
            },
            rule => unreachable!("grammar allows no comparison operator {rule:?}"),
        };
        Ok(Expr { kind, span })
    }

    /// The values of an `in (…)` list or a `[…]` tag list, bounded.
    fn values(&self, pair: Pair<'_, Rule>) -> Result<Vec<Value>, ParseError> {
        let mut values = Vec::new();
        for item in pair.into_inner() {
            if matches!(
                item.as_rule(),
                Rule::comma | Rule::close_paren | Rule::close_bracket
            ) {
                continue;
            }
            if values.len() == self.max_list_len {
                return Err(ParseError::ListTooLong {
                    max: self.max_list_len,
                    span: span_of(&item).into(),
                });
            }
            values.push(self.value(item)?);
        }
        Ok(values)
    }

    fn value(&self, pair: Pair<'_, Rule>) -> Result<Value, ParseError> {
        let span = span_of(&pair);
        let text = pair.as_str();
        let kind = match pair.as_rule() {
            Rule::string => ValueKind::Str(escape::unescape(text, span.start)?),
            Rule::list => ValueKind::List(self.values(pair)?),
            Rule::now => {
                let word = pair
                    .clone()
                    .into_inner()
                    .next()
                    .expect("grammar guarantees the word `now`")
                    .as_str()
                    .to_owned();
                ValueKind::Now {
                    word,
                    offset: relative_offset(pair),
                }
            }
            Rule::datetime => ValueKind::DateTime(text.to_owned()),
            Rule::date => ValueKind::Date(text.to_owned()),
            Rule::integer => ValueKind::Integer(text.to_owned()),
            Rule::word => ValueKind::Word(text.to_owned()),
            rule => unreachable!("grammar allows no value {rule:?}"),
        };
        Ok(Value { kind, span })
    }
}

/// `lhs op rhs`, flattened: an operand that is itself the same operator
/// (a chain so far, or a parenthesised group) gives up its operands.
fn join(lhs: Operand, is_and: bool, rhs: Operand) -> Operand {
    let span = lhs.outer.to(rhs.outer);
    let mut operands = match lhs.expr.kind {
        ExprKind::And(operands) if is_and => operands,
        ExprKind::Or(operands) if !is_and => operands,
        kind => {
            // Room for the usual chain: growing from one operand cost two
            // allocations for each `a and b and c`.
            let mut operands = Vec::with_capacity(4);
            operands.push(Expr {
                kind,
                span: lhs.expr.span,
            });
            operands
        }
    };
    match rhs.expr.kind {
        ExprKind::And(more) if is_and => operands.extend(more),
        ExprKind::Or(more) if !is_and => operands.extend(more),
        kind => operands.push(Expr {
            kind,
            span: rhs.expr.span,
        }),
    }
    let kind = if is_and {
        ExprKind::And(operands)
    } else {
        ExprKind::Or(operands)
    };
    Operand {
        expr: Expr { kind, span },
        outer: span,
    }
}

fn compare_op(text: &str) -> CompareOp {
    match text {
        "=" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        ">" => CompareOp::Gt,
        "<" => CompareOp::Lt,
        ">=" => CompareOp::Ge,
        "<=" => CompareOp::Le,
        "~" => CompareOp::Contains,
        "!~" => CompareOp::NotContains,
        other => unreachable!("grammar allows no operator {other:?}"),
    }
}

/// The `- 30d` of a `now` pair, if written.
fn relative_offset(pair: Pair<'_, Rule>) -> Option<RelativeOffset> {
    let mut pairs = pair.into_inner();
    pairs.next(); // `now`
    let sign = pairs.next()?;
    let relative = pairs
        .next()
        .expect("grammar guarantees a time after the sign");
    let span = span_of(&relative);
    let mut parts = relative.into_inner();
    let amount = parts.next().expect("grammar guarantees an amount");
    let unit = parts.next().expect("grammar guarantees a unit");
    Some(RelativeOffset {
        minus: sign.as_str() == "-",
        amount: amount.as_str().to_owned(),
        unit: unit.as_str().to_owned(),
        span,
    })
}

fn clause(pair: Pair<'_, Rule>) -> Clause {
    let rule = pair.as_rule();
    // The clause ends where its last token does: pest's implicit blanks
    // before an optional `asc`/`desc` that is absent stay in the pair.
    let start = pair.as_span().start();
    let end = pair
        .clone()
        .into_inner()
        .last()
        .map_or(pair.as_span().end(), |last| last.as_span().end());
    let span = Span::new(start, end);
    let mut pairs = pair.into_inner();
    pairs.next(); // `sort`, `limit` or `offset`
    let kind = match rule {
        Rule::sort_clause => {
            pairs.next(); // `by`
            let field = ident(&pairs.next().expect("grammar guarantees a sort field"));
            let order = pairs.next().map(|order| {
                let dir = if order.as_rule() == Rule::asc {
                    Order::Asc
                } else {
                    Order::Desc
                };
                (dir, span_of(&order))
            });
            ClauseKind::Sort { field, order }
        }
        Rule::limit_clause | Rule::offset_clause => {
            // The digits, or `all` after `limit`, in lower case however
            // it is written.
            let count = pairs.next().expect("grammar guarantees a count");
            let text = if count.as_rule() == Rule::all {
                "all".to_owned()
            } else {
                count.as_str().to_owned()
            };
            let digits = (text, span_of(&count));
            if rule == Rule::limit_clause {
                ClauseKind::Limit(digits.0, digits.1)
            } else {
                ClauseKind::Offset(digits.0, digits.1)
            }
        }
        rule => unreachable!("grammar allows no clause {rule:?}"),
    };
    Clause { kind, span }
}
