//! The problems only a segment file can have ([`SegmentError`]), a parse
//! error moved to point into the whole file ([`ShiftedParseError`]), and
//! the collector that reports each problem once ([`Problems`]).

use super::budget::{REQUESTS_PER_MINUTE, calls_text};
use crate::Problem;
use crate::syntax::ParseError;
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use std::collections::HashSet;
use std::fmt;

/// A problem that only a segment file can have.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum SegmentError {
    /// A segment that failed to parse, found while parsing the file piece by
    /// piece; its spans are moved to point into the whole file.
    ///
    /// ```text
    /// segment a
    ///   email ~
    /// ```
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(ShiftedParseError),

    /// Two segments with one name.
    ///
    /// ```text
    /// segment leads
    ///   tag = Lead
    /// segment leads
    ///   tag = Paid
    /// ```
    #[error("segment `{name}` is defined twice")]
    #[diagnostic(
        code(hcq::segment::duplicate),
        help("rename one of them; `@{name}` means the first")
    )]
    Duplicate {
        /// The name.
        name: String,
        /// The second definition's name.
        #[label(primary, "defined again here")]
        again: SourceSpan,
        /// The first definition's name.
        #[label("first defined here")]
        first: SourceSpan,
    },

    /// `@name` where no segment of the file has that name.
    ///
    /// ```text
    /// segment a
    ///   @gmial_leads and tag = Paid
    /// ```
    #[error("no segment named `{name}` in this file")]
    #[diagnostic(code(hcq::segment::unknown_reference), help("{}", unknown_help(.suggestion)))]
    UnknownReference {
        /// The name after `@`.
        name: String,
        /// The `@name`.
        #[label("not a segment of this file")]
        span: SourceSpan,
        /// The closest name defined in the file, if one is close.
        suggestion: Option<String>,
    },

    /// Segments that use each other, directly or through others.
    ///
    /// ```text
    /// segment a
    ///   @b and tag = Lead
    /// segment b
    ///   @a or tag = Paid
    /// ```
    #[error("{}", cycle_message(.names))]
    #[diagnostic(
        code(hcq::segment::cycle),
        help("a segment cannot use itself, directly or through others; write one of them out")
    )]
    Cycle {
        /// The segments on the cycle, in file order.
        names: Vec<String>,
        /// Every `@name` that joins two segments of the cycle.
        #[label(collection)]
        uses: Vec<LabeledSpan>,
    },

    /// A segment with clauses used through `@`: its clauses do not apply
    /// to the user.
    ///
    /// ```text
    /// segment a
    ///   tag = Lead
    ///   limit 10
    /// segment b
    ///   @a and city = Kyiv
    /// ```
    #[error("the clauses of `{name}` do not apply where it is used")]
    #[diagnostic(
        code(hcq::segment::ignored_clauses),
        severity(Warning),
        help(
            "`@{name}` brings in only its expression; write `sort by`, `limit` and `offset` on the segment that uses it"
        )
    )]
    IgnoredClauses {
        /// The used segment.
        name: String,
        /// The `@name`.
        #[label(primary, "used here")]
        use_span: SourceSpan,
        /// Each clause of the used segment.
        #[label(collection, "ignored here")]
        clauses: Vec<SourceSpan>,
    },

    /// A segment that holds too many filters once its references are
    /// spliced in (the bound is [`Limits::max_filters`](crate::limits::Limits::max_filters)).
    ///
    /// ```text
    /// segment a   email ~ a or email ~ b
    /// segment b   @a or @a
    /// segment c   @b or @b
    /// …            (each doubling the last)
    /// ```
    #[error("segment `{name}` holds {filters} filters once `@` references are spliced in")]
    #[diagnostic(
        code(hcq::segment::too_many_filters),
        help(
            "a segment may hold at most {max} filters; split it into smaller segments run separately"
        )
    )]
    TooManyFilters {
        /// The segment.
        name: String,
        /// Its name.
        #[label("this segment")]
        span: SourceSpan,
        /// How many filters (saturating).
        filters: usize,
        /// The bound.
        max: usize,
    },

    /// A segment nested too deeply once its references are spliced in
    /// (the bound is [`Limits::max_depth`](crate::limits::Limits::max_depth); each `@name` counts as the
    /// parentheses it stands for).
    ///
    /// ```text
    /// segment s1  not tag = Lead
    /// segment s2  not @s1
    /// …           (a long chain)
    /// ```
    #[error("segment `{name}` nests {depth} levels deep once `@` references are spliced in")]
    #[diagnostic(
        code(hcq::segment::too_deep),
        help("nesting may be at most {max} levels; use fewer chained references")
    )]
    TooDeep {
        /// The segment.
        name: String,
        /// Its name.
        #[label("this segment")]
        span: SourceSpan,
        /// Its depth (saturating).
        depth: usize,
        /// The bound.
        max: usize,
    },

    /// The file's segments hold more than [`Limits::max_file_filters`](crate::limits::Limits::max_file_filters)
    /// filters together once references are
    /// spliced in; this segment and those after it (in dependency order)
    /// are not checked.
    ///
    /// ```text
    /// segment big   (4,000 filters)
    /// segment u1    @big and city = Kyiv
    /// segment u2    @big and city = Lviv
    /// …             (hundreds more users of `big`)
    /// ```
    #[error(
        "the file's segments hold more than {max} filters together once `@` references are spliced in"
    )]
    #[diagnostic(
        code(hcq::segment::file_too_large),
        help("each `@big` repeats all of `big`; split the file, or use large segments less often")
    )]
    FileTooLarge {
        /// The segment that crossed the bound.
        name: String,
        /// Its name.
        #[label("the bound is crossed here")]
        span: SourceSpan,
        /// The bound.
        max: usize,
    },

    /// The file's segments together need more requests than the budget
    /// the caller set (for CI: `hcq check --budget N`).
    ///
    /// ```text
    /// segment a   (1 request)
    /// segment b   (3 requests)
    /// ```
    /// with a budget of 2.
    #[error(
        "the segments need {} together, over the budget of {budget} \
         (at least {seconds} at {REQUESTS_PER_MINUTE} requests a minute)",
        calls_text(*.total)
    )]
    #[diagnostic(
        code(hcq::segment::over_budget),
        help("make the largest segments cheaper, or raise the budget if the cost is expected")
    )]
    OverBudget {
        /// Requests all segments need.
        total: u64,
        /// The budget.
        budget: u64,
        /// The minimum time, as text.
        seconds: String,
        /// The segments needing the most requests (at most five), with their counts.
        #[label(collection)]
        largest: Vec<LabeledSpan>,
    },
}

fn unknown_help(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("did you mean `@{name}`?"),
        None => "`@name` must name a segment defined in the same file".to_owned(),
    }
}

fn cycle_message(names: &[String]) -> String {
    match names {
        [one] => format!("segment `{one}` uses itself"),
        _ => {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("segments {} use each other in a cycle", list.join(", "))
        }
    }
}

/// A [`ParseError`] found in a piece of the file, with its labels moved by
/// the piece's offset so that they point into the whole file.
#[derive(Debug, Clone)]
pub struct ShiftedParseError {
    pub(super) error: ParseError,
    pub(super) offset: usize,
}

impl ShiftedParseError {
    /// The error as the parser reported it for the piece.
    pub fn error(&self) -> &ParseError {
        &self.error
    }

    /// Where the piece starts in the file.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ShiftedParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for ShiftedParseError {}

impl Diagnostic for ShiftedParseError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.error.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let offset = self.offset;
        let labels = self.error.labels()?;
        Some(Box::new(labels.map(move |label| {
            let span = SourceSpan::new((label.offset() + offset).into(), label.len());
            let text = label.label().map(str::to_owned);
            if label.primary() {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

/// Collects problems, dropping any already collected: an error inside
/// `a` is found again when checking every segment that splices `a` in,
/// with the same message and spans, and is reported once.
#[derive(Default)]
pub(super) struct Problems {
    pub(super) list: Vec<Problem>,
    seen: HashSet<(String, Vec<(usize, usize)>)>,
}

impl Problems {
    pub(super) fn push(&mut self, problem: impl Into<Problem>) {
        let problem = problem.into();
        let labels = problem
            .labels()
            .into_iter()
            .flatten()
            .map(|label| (label.offset(), label.len()))
            .collect();
        if self.seen.insert((problem.to_string(), labels)) {
            self.list.push(problem);
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        self.list.iter().any(Problem::is_error)
    }
}
