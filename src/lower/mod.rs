//! [`crate::typed`] to [`crate::plan`]: the fewest API requests whose union
//! selects exactly the contacts an expression selects.
//!
//! Four stages, one module each, data flowing one way:
//!
//! 1. `nnf`: `not` pushed down to the comparisons;
//! 2. `dnf`: an `or` of AND-terms, estimated before it is built;
//! 3. `simplify`: fewer, smaller terms, by laws that hold whatever the
//!    API's string rules are (docs/SEMANTICS.md, "Rewriting laws");
//! 4. `pack`: single-filter terms share one `OR` request, every other
//!    term is one `AND` request, all serving one [`plan::Page`], which
//!    [`PlanOptions::resolve`] makes from the query's clauses and any
//!    overrides.
//!
//! The stages are internal; [`lower`] runs them all for the plan and its
//! warnings. `lower_traced` also keeps a [`Trace`] of what each stage
//! produced and of every rewrite, which `explain::render` shows to a person
//! ([`crate::Compilation::explain`]); only `hcq explain` needs it,
//! and describing every rewrite in words costs more than the rewriting, so
//! [`lower`] does not.

pub(crate) mod cover;
pub(crate) mod dnf;
pub(crate) mod explain;
pub(crate) mod nnf;
pub(crate) mod pack;
mod page;
pub(crate) mod simplify;
#[cfg(test)]
mod tests;

use crate::ast::{self, Span};
use crate::limits::Limits;
use crate::plan::{self, Plan};
use crate::schema::FieldType;
use crate::typed::{self, Filter, Literal};
use miette::{Diagnostic, SourceSpan};
use std::collections::HashSet;
use std::fmt::Write as _;
use thiserror::Error;

pub use page::PlanOptions;

/// A lowered query: the plan and what to warn about.
#[derive(Clone, Debug)]
pub struct Lowered {
    /// The requests and how to merge them.
    pub plan: Plan,
    /// Things the user probably did not mean (an expression that is always
    /// true, or never; `!= ""`).
    pub warnings: Vec<LowerWarning>,
}

/// What each stage of lowering produced, and every rewrite with its reason
/// and span: what `hcq explain` shows ([`crate::Compilation::explain`]).
/// The stages' own types are internal; what a caller may rely on is the
/// explanation's text and these counts.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The span of the whole expression.
    pub(crate) span: Span,
    /// The negation normal form.
    pub(crate) nnf: nnf::Expr,
    /// The DNF's size as estimated before building it.
    pub(crate) estimate: dnf::Estimate,
    /// The DNF's terms, as distributed.
    pub(crate) dnf: Vec<dnf::Term>,
    /// The terms after simplification: none when the expression matches
    /// nothing, one without filters when it matches everything.
    pub(crate) simplified: Vec<dnf::Term>,
    /// Every rewrite, in the order made (identical ones recorded once).
    pub(crate) rewrites: Vec<Rewrite>,
    /// Rewrites made but not recorded, past [`MAX_RECORDED_REWRITES`].
    pub(crate) unrecorded_rewrites: usize,
    /// The sort, order and page the plan serves.
    pub(crate) page: plan::Page,
    /// For each request of the plan, which simplified terms it carries.
    pub(crate) requests: Vec<pack::Origin>,
}

impl Trace {
    /// How many AND-terms the expression's disjunctive normal form has:
    /// the requests a plan would need without simplifying and packing.
    pub fn dnf_terms(&self) -> usize {
        self.dnf.len()
    }

    /// How many AND-terms are left after simplification.
    pub fn simplified_terms(&self) -> usize {
        self.simplified.len()
    }
}

/// Most rewrites a [`Log`] keeps; past it, it only counts them.
pub(crate) const MAX_RECORDED_REWRITES: usize = 1000;

/// The kinds of rewrite the stages make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Rule {
    /// `not (x > 5)` is `x <= 5`.
    NegatedComparison,
    /// `not (a and b)` is `not a or not b`, and the dual.
    DeMorgan,
    /// `not not a` is `a`.
    DoubleNegation,
    /// A filter written twice in one term.
    DuplicateFilter,
    /// A bound or `!=` on a number implied by the term's other bounds
    /// (`id > 5 and id > 10` is `id > 10`).
    ImpliedFilter,
    /// Bounds that meet, or a bound next to a `!=`, rewritten
    /// (`id >= 10 and id <= 10` is `id = 10`; `id >= 10 and id != 10` is `id > 10`).
    RangeRewritten,
    /// A term that no contact can satisfy, dropped.
    Contradiction,
    /// Tag tests of one term merged into one filter.
    TagsMerged,
    /// A term identical to an earlier one, dropped.
    DuplicateTerm,
    /// A term implied by another (`a or (a and b)` is `a`), dropped.
    SubsumedTerm,
    /// `(a and b) or (a and not b)`-style: a filter dropped from a term
    /// because another term covers the contacts where it fails.
    Complement,
    /// Two ranges on one field joined into one (`id > 5 or id <= 5`).
    RangeUnion,
    /// A term with no filters left: the expression holds for every contact.
    AlwaysTrue,
    /// `all` is the constant true: `a and all` is `a`, `a or all` is
    /// `all`; `not all` is false.
    All,
    /// A term no contact satisfies whatever the API's string rules are
    /// (`city = Kyiv and city = Lviv`), dropped.
    ValueContradiction,
    /// A term covered by two others together (`(a and c) or (not a and b)`
    /// covers `b and c`), dropped.
    Consensus,
    /// A term covered by the union of three or more others, dropped.
    CoveredRequest,
    /// The terms replaced by the fewest requests over their comparisons.
    ExactMinimum,
}

impl Rule {
    /// A short name for the rule, as `explain` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::NegatedComparison => "negated comparison",
            Rule::DeMorgan => "De Morgan",
            Rule::DoubleNegation => "double negation",
            Rule::DuplicateFilter => "duplicate filter",
            Rule::ImpliedFilter => "implied filter",
            Rule::RangeRewritten => "range rewritten",
            Rule::Contradiction => "contradiction",
            Rule::TagsMerged => "tags merged",
            Rule::DuplicateTerm => "duplicate term",
            Rule::SubsumedTerm => "absorption",
            Rule::Complement => "complement",
            Rule::RangeUnion => "range union",
            Rule::AlwaysTrue => "always true",
            Rule::All => "all",
            Rule::ValueContradiction => "contradiction by value",
            Rule::Consensus => "consensus",
            Rule::CoveredRequest => "covered request",
            Rule::ExactMinimum => "exact minimum",
        }
    }
}

/// One rewrite: which law, where in the source, and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rewrite {
    /// The law applied.
    pub rule: Rule,
    /// The smallest span covering the source it applied to.
    pub span: Span,
    /// The pieces of source it applied to (one per filter involved, in
    /// source order, each once), for quoting: a term's filters may be far
    /// apart in the source.
    pub parts: Vec<Span>,
    /// What it did, for a person (`` `id > 5` is implied by `id > 10` ``).
    pub message: String,
}

/// Collects rewrites as the stages make them, each distinct one once, up to
/// [`MAX_RECORDED_REWRITES`]. `Log::default()` records; [`Log::disabled`]
/// records nothing.
///
/// The stages describe a rewrite in closures, called only when the log
/// records, so that lowering without a trace formats no text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Log {
    rewrites: Vec<Rewrite>,
    seen: HashSet<(Rule, usize, usize, String)>,
    unrecorded: usize,
    disabled: bool,
}

impl Log {
    /// A log that records nothing and counts nothing.
    pub fn disabled() -> Log {
        Log {
            disabled: true,
            ..Log::default()
        }
    }

    /// Records that `rule` rewrote the source at `span`; `message` says
    /// what it did.
    pub fn record(&mut self, rule: Rule, span: Span, message: impl FnOnce() -> String) {
        self.record_parts(rule, || vec![span], message);
    }

    /// Records that `rule` rewrote the pieces of source `parts` gives;
    /// `message` says what it did.
    pub fn record_parts(
        &mut self,
        rule: Rule,
        parts: impl FnOnce() -> Vec<Span>,
        message: impl FnOnce() -> String,
    ) {
        if self.disabled {
            return;
        }
        let mut parts = parts();
        let message = message();
        parts.sort_by_key(|s| (s.start, s.end));
        parts.dedup_by_key(|s| (s.start, s.end));
        let span = match parts.as_slice() {
            [] => Span::default(),
            [first, ..] => parts.iter().fold(*first, |all, s| all.to(*s)),
        };
        let key = (rule, span.start, span.end, message);
        if self.seen.contains(&key) {
            return;
        }
        if self.rewrites.len() >= MAX_RECORDED_REWRITES {
            self.unrecorded += 1;
            return;
        }
        let message = key.3.clone();
        self.seen.insert(key);
        self.rewrites.push(Rewrite {
            rule,
            span,
            parts,
            message,
        });
    }

    /// The rewrites recorded so far.
    #[cfg(test)]
    pub fn rewrites(&self) -> &[Rewrite] {
        &self.rewrites
    }
}

/// Why an expression cannot become a plan.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum LowerError {
    /// The DNF would have more AND-terms than [`Limits::max_dnf_terms`]:
    /// fourteen groups of two alternatives,
    /// `(a = 1 or a = 2) and (b = 1 or b = 2) and …`, make 16 384 terms.
    #[error("this expression expands to {} AND-terms, more than the {limit} allowed", count(.terms))]
    #[diagnostic(
        code(hcq::lower::too_many_terms),
        help(
            "every choice of one alternative from each group of an `and` is an AND-term, \
             and each may need its own request. Split the expression into several \
             segments, e.g. one per alternative of the largest group, or remove \
             alternatives that other conditions already cover"
        )
    )]
    TooManyTerms {
        /// The estimated number of terms (saturating at `u64::MAX`).
        terms: u64,
        /// The bound.
        limit: u64,
        /// The `and` whose operands multiply the most.
        #[label("{factors}")]
        span: SourceSpan,
        /// The operands' term counts, as `2 × 2 × … = N`.
        factors: String,
    },
    /// The DNF would hold more than [`Limits::max_dnf_filters`] filters in all:
    /// an `and` of 600 comparisons with `(a or b) and (c or d) and …` of
    /// eleven groups repeats the 600 comparisons in 2048 terms.
    #[error("this expression expands to {} filters across {} AND-terms, more than the {limit} allowed", count(.filters), count(.terms))]
    #[diagnostic(
        code(hcq::lower::dnf_too_large),
        help(
            "each alternative of an `or` inside an `and` repeats every other \
             condition of the `and`; split the expression into several segments, \
             or move the long list of conditions into fewer alternatives"
        )
    )]
    DnfTooLarge {
        /// The estimated number of filters (saturating).
        filters: u64,
        /// The bound.
        limit: u64,
        /// The estimated number of terms.
        terms: u64,
        /// The `and` whose operands multiply the most.
        #[label("this `and` repeats its conditions in every term")]
        span: SourceSpan,
    },
    /// The plan would need more requests than [`Limits::max_requests`]:
    /// `(a = 1 or a = 2 or … or a = 6) and (b = 1 or … or b = 6)` needs 36.
    #[error("this expression needs {requests} requests, more than the cap of {limit}")]
    #[diagnostic(
        code(hcq::lower::too_many_requests),
        help(
            "the API allows 120 requests a minute for the whole account. {shape} \
             Split the expression into several segments, or rewrite it so that \
             more alternatives are single comparisons, which share one OR request"
        )
    )]
    TooManyRequests {
        /// Requests the plan would need.
        requests: usize,
        /// The cap.
        limit: usize,
        /// Why so many, in words.
        shape: String,
        /// The whole expression.
        #[label("needs {requests} requests")]
        span: SourceSpan,
    },
    /// A negated tag test (`not tag = Lead`) reached lowering; the checker
    /// rejects these, since the API has no "has not this tag".
    #[error("a negated tag test cannot be sent to the API")]
    #[diagnostic(
        code(hcq::lower::negated_tag),
        help("the API cannot search for contacts without a tag; `!=` is not valid for tags")
    )]
    NegatedTag {
        /// The tag test.
        #[label("negated here")]
        span: SourceSpan,
    },
}

impl LowerError {
    fn too_many_terms(estimate: &dnf::Estimate, whole: Span, limit: u64) -> LowerError {
        let terms = estimate.peak.terms;
        let (span, factors) = match &estimate.largest_and {
            Some(and) => {
                let mut text = String::new();
                let shown = 8;
                for (i, factor) in and.factors.iter().take(shown).enumerate() {
                    if i > 0 {
                        text.push_str(" × ");
                    }
                    let _ = write!(text, "{}", count(factor));
                }
                if and.factors.len() > shown {
                    let _ = write!(text, " × … ({} operands)", and.factors.len());
                }
                let _ = write!(text, " = {} terms from this `and`", count(&and.terms));
                (and.span, text)
            }
            None => (whole, format!("{} terms", count(&terms))),
        };
        LowerError::TooManyTerms {
            terms,
            limit,
            span: span.into(),
            factors,
        }
    }
}

/// A number, or "at least …" where the estimate saturated.
fn count(n: &u64) -> String {
    if *n == u64::MAX {
        format!("at least {n}")
    } else {
        n.to_string()
    }
}

/// Something about an expression that is valid but probably not meant.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum LowerWarning {
    /// The expression holds for every contact: `id > 5 or id <= 5`.
    #[error("this expression matches every contact")]
    #[diagnostic(
        code(hcq::lower::always_true),
        severity(Warning),
        help(
            "its conditions cancel out (see `hcq explain`). The plan sends one request \
             that selects every contact: `customers.id < 0 OR customers.id >= 0`"
        )
    )]
    AlwaysTrue {
        /// The whole expression.
        #[label("always true")]
        span: SourceSpan,
    },
    /// `!= ""` or `!~ ""` on a text field, as written: `telegramId != ""`
    /// reads like "has a Telegram id" but holds for every contact without
    /// one too (a missing field equals nothing, and `!=` is `not =`), and
    /// `telegramId !~ ""` holds only for contacts without one (every text
    /// contains ""). Only the operators as written are warned about:
    /// `not telegramId ~ ""` says what it means.
    #[error("`{field} {op} \"\"` {meaning}")]
    #[diagnostic(
        code(hcq::lower::empty_text_negation),
        severity(Warning),
        help(
            "{why}. To select contacts that have a `{field}`, write `{field} ~ \"\"`; \
             for those without one, write `not {field} ~ \"\"`"
        )
    )]
    EmptyTextNegation {
        /// The field, by its short name.
        field: &'static str,
        /// `!=` or `!~`.
        op: &'static str,
        /// What the filter matches, for the message.
        meaning: &'static str,
        /// Why, for the help.
        why: &'static str,
        /// The filter.
        #[label("{label}")]
        span: SourceSpan,
        /// Who it matches, for the label.
        label: &'static str,
    },
    /// The expression holds for no contact: `id > 10 and id < 5`.
    #[error("this expression matches no contact")]
    #[diagnostic(
        code(hcq::lower::never_matches),
        severity(Warning),
        help(
            "every alternative contradicts itself (see `hcq explain`). The plan has no \
             requests: there is nothing to ask the API"
        )
    )]
    NeverMatches {
        /// The whole expression.
        #[label("never true")]
        span: SourceSpan,
    },
}

impl LowerWarning {
    /// The warning `filter` deserves as written, if any: `!= ""` and
    /// `!~ ""` on text.
    fn of_written(filter: &Filter) -> Option<LowerWarning> {
        if filter.value != Literal::Text(String::new()) {
            return None;
        }
        let (meaning, why, label) = match filter.op {
            ast::CompareOp::Ne => (
                "matches contacts without the field too",
                "a contact without the field equals nothing, so `!=` holds for it: this \
                 matches every contact but those whose value is exactly empty",
                "also every contact without this field",
            ),
            ast::CompareOp::NotContains => (
                "matches only contacts without the field",
                "every text contains \"\", so `!~ \"\"` holds only where the field is missing",
                "only contacts without this field",
            ),
            _ => return None,
        };
        Some(LowerWarning::EmptyTextNegation {
            field: filter.field.short_name(),
            op: filter.op.as_str(),
            meaning,
            why,
            span: filter.span.into(),
            label,
        })
    }
}

/// The warnings about the expression as written, before any rewrite turns
/// `not x ~ ""` into `x !~ ""`: every `!= ""` and `!~ ""`, left to right.
/// A loop, not recursion: `and`/`or` chains are long.
fn written_warnings(expr: &typed::Expr, warnings: &mut Vec<LowerWarning>) {
    // Room for a few operands at once: a stack of one grew on the first `and`.
    let mut stack = Vec::with_capacity(16);
    stack.push(expr);
    while let Some(expr) = stack.pop() {
        match expr {
            typed::Expr::Or(items, _) | typed::Expr::And(items, _) => {
                stack.extend(items.iter().rev())
            }
            typed::Expr::Not(item, _) => stack.push(item),
            typed::Expr::Filter(filter) => warnings.extend(LowerWarning::of_written(filter)),
            typed::Expr::All(_) => {}
        }
    }
}

/// Lowers a checked query to a plan.
///
/// `options` override the query's own `sort by`, `limit` and `offset`.
/// [`crate::compile_detailed`] gives the same plan and says how it was reached.
///
/// # Errors
///
/// A [`LowerError`] when the expression needs more AND-terms, filters or
/// requests than `limits` allow, or carries a negated tag test (which the
/// checker rejects before this).
///
/// ```
/// use hcq::ast::{CompareOp, Span};
/// use hcq::lower::{lower, PlanOptions};
/// use hcq::schema::Schema;
/// use hcq::typed::{Expr, Filter, Literal, Query};
/// use hcq::Limits;
///
/// let schema = Schema::CONTACTS;
/// let filter = |field, op, value| Expr::Filter(Filter { field: schema.by_name(field), op, value, span: Span::default() });
/// // email ~ gmail or city = Kyiv
/// let expr = Expr::Or(vec![
///     filter("customers.email", CompareOp::Contains, Literal::Text("gmail".into())),
///     filter("customers.city", CompareOp::Eq, Literal::Text("Kyiv".into())),
/// ], Span::default());
/// let query = Query { expr, sort: None, limit: None, offset: None, span: Span::default() };
/// let lowered = lower(&query, &PlanOptions::default(), &Limits::default()).unwrap();
/// assert_eq!(lowered.plan.requests.len(), 1);
/// ```
pub fn lower(
    query: &typed::Query,
    options: &PlanOptions,
    limits: &Limits,
) -> Result<Lowered, LowerError> {
    let (lowered, _) = run(query, options, limits, Log::disabled())?;
    Ok(lowered)
}

/// [`lower`], keeping what each stage produced and every rewrite with its
/// reason: what [`explain::render`] shows. Slower than [`lower`], for the
/// words; the plan and the warnings are the same.
pub(crate) fn lower_traced(
    query: &typed::Query,
    options: &PlanOptions,
    limits: &Limits,
) -> Result<(Lowered, Trace), LowerError> {
    let (lowered, trace) = run(query, options, limits, Log::default())?;
    Ok((lowered, trace.expect("a recording log gives a trace")))
}

/// Both [`lower`] and [`lower_traced`]: one path, so that the plan cannot
/// depend on whether `log` records. The trace comes only with a recording
/// log.
fn run(
    query: &typed::Query,
    options: &PlanOptions,
    limits: &Limits,
    mut log: Log,
) -> Result<(Lowered, Option<Trace>), LowerError> {
    let tracing = !log.disabled;
    let span = query.expr.span();
    let mut warnings = Vec::new();
    written_warnings(&query.expr, &mut warnings);
    let nnf = nnf::to_nnf(&query.expr, &mut log);
    if let Some(tag) = negated_tag(&nnf) {
        return Err(LowerError::NegatedTag {
            span: tag.span.into(),
        });
    }
    let estimate = dnf::estimate(&nnf);
    let constant = nnf.constant();
    // The DNF takes the normal form apart; the trace keeps a copy.
    let traced_nnf = tracing.then(|| nnf.clone());
    let terms = dnf::distribute_estimated(nnf, &estimate, limits)?;
    // `all` and `not all`, however reached, are already as simple as can
    // be: one term without filters, or none.
    // Without a trace nothing keeps the DNF: simplifying takes it over.
    let (simplified, dnf) = match (constant, tracing) {
        (Some(_), true) => (terms.clone(), terms),
        (Some(_), false) => (terms, Vec::new()),
        (None, true) => {
            let simplified = simplify::simplify_slice(&terms, &mut log);
            (cover::fewest(simplified, &mut log), terms)
        }
        (None, false) => {
            let simplified = simplify::simplify_owned(terms, &mut log);
            (cover::fewest(simplified, &mut log), Vec::new())
        }
    };
    match simplified.as_slice() {
        [] => warnings.push(LowerWarning::NeverMatches { span: span.into() }),
        // `all` as written asks for every contact: nothing to warn about.
        [only] if only.filters.is_empty() && !matches!(query.expr, typed::Expr::All(_)) => {
            warnings.push(LowerWarning::AlwaysTrue { span: span.into() })
        }
        _ => {}
    }
    let page = options.resolve(query);
    let packed = pack::pack_with(&simplified, &page, limits, span, tracing)?;
    let lowered = Lowered {
        plan: packed.plan,
        warnings,
    };
    let trace = traced_nnf.map(|nnf| Trace {
        span,
        nnf,
        estimate,
        dnf,
        simplified,
        rewrites: log.rewrites,
        unrecorded_rewrites: log.unrecorded,
        page,
        requests: packed.origins,
    });
    Ok((lowered, trace))
}

/// The first negated tag test of `expr`, left to right. The recursion
/// follows the nesting, which the parser bounds.
fn negated_tag(expr: &nnf::Expr) -> Option<&Filter> {
    match expr {
        nnf::Expr::Filter(f) => {
            (f.field.ty == FieldType::Tags && f.op != ast::CompareOp::Eq).then_some(f)
        }
        nnf::Expr::Or(items, _) | nnf::Expr::And(items, _) => items.iter().find_map(negated_tag),
    }
}

/// Longest text value shown in a message before it is cut with `…`.
const SHOWN_TEXT: usize = 40;

/// A filter in the language's syntax, for messages: `email ~ "gmail"`,
/// `lastSeen >= 2024-01-01T00:00:00Z`, `tags = [Lead, Paid]`. Long text is
/// shortened.
pub(crate) fn show_filter(filter: &Filter) -> String {
    format!(
        "{} {} {}",
        filter.field.short_name(),
        filter.op,
        show_literal(&filter.value)
    )
}

/// A value in the language's syntax, for messages.
pub(crate) fn show_literal(value: &Literal) -> String {
    match value {
        Literal::Text(text) => quote(text),
        Literal::Integer(n) => n.to_string(),
        Literal::Timestamp(secs) => match jiff::Timestamp::from_second(*secs) {
            Ok(ts) => ts.to_string(),
            Err(_) => secs.to_string(),
        },
        Literal::Tags(names) => {
            let names: Vec<String> = names.iter().map(|n| tag_name(n)).collect();
            format!("[{}]", names.join(", "))
        }
    }
}

/// `text` as a string literal, written by the one escaping rule hcq has
/// (`syntax::escape`), cut after [`SHOWN_TEXT`] characters.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_TEXT {
            out.push('…');
            break;
        }
        crate::syntax::escape::escape_into(&mut out, c);
    }
    out.push('"');
    out
}

/// A tag name bare when it is a plain word, quoted otherwise.
fn tag_name(name: &str) -> String {
    let bare = !name.is_empty()
        && name.chars().count() <= SHOWN_TEXT
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if bare { name.to_owned() } else { quote(name) }
}

/// The `and` of several filters, for messages.
pub(crate) fn show_filters<'a>(filters: impl IntoIterator<Item = &'a Filter>) -> String {
    let parts: Vec<String> = filters.into_iter().map(show_filter).collect();
    if parts.is_empty() {
        "(no condition)".to_owned()
    } else {
        parts.join(" and ")
    }
}

/// A plan filter for one typed filter.
pub(crate) fn plan_filter(filter: &Filter) -> plan::Filter {
    plan::Filter {
        field: filter.field.name.into(),
        operator: filter.op.into(),
        value: match &filter.value {
            Literal::Text(text) => plan::Value::Text(text.clone()),
            Literal::Integer(n) | Literal::Timestamp(n) => plan::Value::Number(*n),
            Literal::Tags(names) => plan::Value::Tags(
                names
                    .iter()
                    .map(|name| plan::Tag { name: name.clone() })
                    .collect(),
            ),
        },
    }
}
