//! What the checker can say. Every variant names the input that triggers it.

use crate::ast::Span;
use crate::schema::FieldType;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A field, operator, value or clause that does not fit the schema.
///
/// Every variant has a stable code `hcq::check::…`, a label on the exact
/// span and a help text saying what can be written instead.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum CheckError {
    /// A name that is no field of the schema: `emial ~ gmail`, `sort by seen`.
    #[error("unknown field `{name}`")]
    #[diagnostic(code(hcq::check::unknown_field), help("{help}"))]
    UnknownField {
        /// The name as written.
        name: String,
        /// Where it was written.
        #[label("not a field")]
        span: SourceSpan,
        /// A close name, or the names that would fit here.
        help: String,
    },

    /// A field the API sorts by but cannot filter on: `firstSeen > 5`.
    #[error("`{name}` can only be sorted by, not filtered on")]
    #[diagnostic(code(hcq::check::sort_only_field), help("{help}"))]
    SortOnlyField {
        /// The name as written.
        name: String,
        /// Where it was written.
        #[label("a sort-only field")]
        span: SourceSpan,
        /// How to sort by it, and what to filter on instead.
        help: String,
    },

    /// An operator the field's type does not take: `id ~ 5`, `email > 5`, `tag ~ x`.
    #[error("`{field}` cannot be compared with `{op}`")]
    #[diagnostic(code(hcq::check::operator_type), help("{help}"))]
    OperatorType {
        /// The field as written.
        field: String,
        /// The operator as written.
        op: &'static str,
        /// What the field holds, for the label ("integers").
        holds: &'static str,
        /// Where the operator was written.
        #[label("not an operator for {holds}")]
        span: SourceSpan,
        /// The operators the field takes.
        help: String,
    },

    /// A value the field's type cannot hold: `lastSeen >= "18 June 2020"`,
    /// `id = abc`, `email = [a, b]`.
    #[error("`{field}` takes {expected}, not {found}")]
    #[diagnostic(code(hcq::check::value_type), help("{help}"))]
    ValueType {
        /// The field as written.
        field: String,
        /// The field's type.
        ty: FieldType,
        /// What the field takes ("a date", "tag names").
        expected: &'static str,
        /// One value the field takes ("a date", "a tag name"), for the label.
        one: &'static str,
        /// What was written instead ("quoted text", "a list").
        found: &'static str,
        /// Where the value was written.
        #[label("not {one}")]
        span: SourceSpan,
        /// What a value of the field's type looks like.
        help: String,
    },

    /// A date that is not in the calendar: `lastSeen > 2020-13-45`, `lastSeen > 2020-02-30`.
    #[error("`{text}` is not a date")]
    #[diagnostic(
        code(hcq::check::invalid_date),
        help("write a date as YYYY-MM-DD, such as 2024-01-31")
    )]
    InvalidDate {
        /// The date as written.
        text: String,
        /// Why it is no date ("there is no month 13").
        reason: String,
        /// Where it was written.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// A date and time that cannot be read: `lastSeen > 2024-01-01T25:00:00Z`.
    #[error("`{text}` is not a date and time")]
    #[diagnostic(
        code(hcq::check::invalid_datetime),
        help(
            "write a date and time in UTC as 2024-01-01T10:00:00Z, or with an offset as 2024-01-01T10:00:00+02:00"
        )
    )]
    InvalidDateTime {
        /// The date and time as written.
        text: String,
        /// Why it cannot be read.
        reason: String,
        /// Where it was written.
        #[label("{reason}")]
        span: SourceSpan,
    },

    /// `=`, `!=`, `in` or `not in` with a date and time between two whole
    /// seconds: `lastSeen = 2024-01-01T10:00:00.5Z`. The API's timestamps
    /// are whole seconds, so `=` would match no contact and `!=` every
    /// one. (`>`, `>=`, `<` and `<=` round to the whole second that keeps
    /// their meaning.)
    #[error("`{field} {op}` cannot compare with a fraction of a second")]
    #[diagnostic(code(hcq::check::fractional_second), help("{help}"))]
    FractionalSecond {
        /// The field as written.
        field: String,
        /// The operator as written (`=`, `!=`, `in`, `not in`).
        op: &'static str,
        /// Where the date and time was written.
        #[label("between two whole seconds")]
        span: SourceSpan,
        /// The whole second to write instead.
        help: String,
    },

    /// An integer that does not fit 64 bits: `id = 9223372036854775808`.
    #[error("`{text}` does not fit a 64-bit integer")]
    #[diagnostic(
        code(hcq::check::integer_range),
        help("integers range from -9223372036854775808 to 9223372036854775807")
    )]
    IntegerRange {
        /// The integer as written.
        text: String,
        /// Where it was written.
        #[label("out of range")]
        span: SourceSpan,
    },

    /// A time unit other than `s m h d w`: `lastSeen > now - 30x`.
    #[error("unknown time unit `{unit}`")]
    #[diagnostic(
        code(hcq::check::time_unit),
        help(
            "the units are s (seconds), m (minutes), h (hours), d (days) and w (weeks), as in `now - 30d`"
        )
    )]
    TimeUnit {
        /// The unit as written.
        unit: String,
        /// Where the amount and unit were written.
        #[label("not a unit")]
        span: SourceSpan,
    },

    /// A time relative to now that leaves the calendar:
    /// `lastSeen > now - 99999999999999w`.
    #[error("`{text}` is too far from now")]
    #[diagnostic(
        code(hcq::check::offset_range),
        help("a time relative to now must fall between the years -9999 and 9999")
    )]
    OffsetRange {
        /// The amount and unit as written.
        text: String,
        /// Where they were written.
        #[label("out of range")]
        span: SourceSpan,
    },

    /// `!=` on tags, which the API does not take: `tag != Spam`.
    #[error("tags cannot be compared with `!=`")]
    #[diagnostic(code(hcq::check::tag_not_equal), help("{help}"))]
    TagNotEqual {
        /// Where the operator was written.
        #[label("the API has no \"has not this tag\"")]
        span: SourceSpan,
        /// What to write instead.
        help: String,
    },

    /// A tag test under an odd number of `not`s, or in `not in`:
    /// `not (tag = Spam)`, `not (a = 1 and tag = Spam)`, `tag not in (Spam)`.
    #[error("a tag test cannot be negated")]
    #[diagnostic(
        code(hcq::check::tag_negation),
        help(
            "the API has no \"has not this tag\": a tags filter only finds contacts that carry the tags. Test for tags the contacts do carry, such as `tag in (Lead, Paid)`, or leave the exclusion out and filter the results yourself"
        )
    )]
    TagNegation {
        /// Where the tag test was written.
        #[label(primary, "this tag test")]
        test: SourceSpan,
        /// The `not` (or `not in`) that negates it.
        #[label("is negated here")]
        negation: SourceSpan,
    },

    /// A clause written twice: `limit 5 limit 6`.
    #[error("`{keyword}` is given twice")]
    #[diagnostic(
        code(hcq::check::duplicate_clause),
        help("keep one `{keyword}` clause")
    )]
    DuplicateClause {
        /// The clause's keyword.
        keyword: &'static str,
        /// Where it was first written.
        #[label("first given here")]
        first: SourceSpan,
        /// Where it was written again.
        #[label(primary, "given again here")]
        second: SourceSpan,
    },

    /// A field the API cannot sort by: `sort by email`.
    #[error("cannot sort by `{name}`")]
    #[diagnostic(code(hcq::check::not_sortable), help("{help}"))]
    NotSortable {
        /// The field as written.
        name: String,
        /// Where it was written.
        #[label("not a sort field")]
        span: SourceSpan,
        /// The fields the API sorts by.
        help: String,
    },

    /// `limit 0`, which would select nothing.
    #[error("`limit 0` selects nothing")]
    #[diagnostic(
        code(hcq::check::limit_zero),
        help("write a limit of at least 1, or `limit all` to get every match")
    )]
    LimitZero {
        /// Where the number was written.
        #[label("must be at least 1")]
        span: SourceSpan,
    },

    /// A `limit` or `offset` that does not fit 64 bits: `offset 99999999999999999999`.
    #[error("`{keyword} {text}` is out of range")]
    #[diagnostic(
        code(hcq::check::clause_range),
        help("write a whole number no larger than 18446744073709551615")
    )]
    ClauseRange {
        /// `limit` or `offset`.
        keyword: &'static str,
        /// The number as written.
        text: String,
        /// Where it was written.
        #[label("too large")]
        span: SourceSpan,
    },

    /// `@name` outside a segment file, or left unresolved: `@gmail_leads and tag = Lead`.
    #[error("segment reference `@{name}` outside a segment file")]
    #[diagnostic(
        code(hcq::check::reference_outside_file),
        help(
            "`@name` stands for another segment of the same segment file and only works there; in a single expression, write the condition itself"
        )
    )]
    ReferenceOutsideFile {
        /// The segment's name.
        name: String,
        /// Where the reference was written.
        #[label("not a segment here")]
        span: SourceSpan,
    },

    /// More comparisons than `Limits::max_filters` (each `in` value counts).
    #[error("more than {max} filters")]
    #[diagnostic(
        code(hcq::check::too_many_filters),
        help(
            "split the query into several smaller ones, or raise the bound `max_filters` ({max})"
        )
    )]
    TooManyFilters {
        /// The bound.
        max: usize,
        /// Where the first filter past the bound was written.
        #[label("one filter too many")]
        span: SourceSpan,
    },

    /// A tag list with no tags: `tag = []`.
    #[error("empty tag list")]
    #[diagnostic(
        code(hcq::check::empty_tag_list),
        help("write at least one tag, as in `tag = [Lead]`")
    )]
    EmptyTagList {
        /// Where the list was written.
        #[label("no tags")]
        span: SourceSpan,
    },

    /// An `in` list or tag list with more values than `Limits::max_list_len`.
    #[error("a list of {len} values is longer than the {max} allowed")]
    #[diagnostic(
        code(hcq::check::list_too_long),
        help("split the list over several conditions joined by `or`")
    )]
    ListTooLong {
        /// How many values were written.
        len: usize,
        /// The bound.
        max: usize,
        /// Where the list was written.
        #[label("{len} values")]
        span: SourceSpan,
    },
}

/// `span` as miette takes it.
pub(super) fn at(span: Span) -> SourceSpan {
    span.into()
}
