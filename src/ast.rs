//! The syntax tree: what the user wrote, with a byte-offset span on every
//! node. Nothing here is checked against the schema yet; values keep their
//! lexical class and text so that `check` can read them by their field's type
//! (`userId = 00123` stays the text "00123").

use std::fmt;

/// A byte range `start..end` in the source text.
///
/// Every span equals every other span, so trees built by hand in tests
/// compare equal to parsed trees by shape alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Length in bytes.
    pub const fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no bytes.
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The text this span covers in `source`.
    pub fn slice(self, source: &str) -> &str {
        &source[self.start..self.end]
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

// Consistent with `eq`: spans never tell trees apart.
impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// A name as written, with its span: a field, or a segment after `@`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The text of the name (`email`, `customers.email`, `gmail_leads`).
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// One expression with its trailing clauses: the input of `hcq check -e`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The filter expression.
    pub expr: Expr,
    /// `sort by`, `limit` and `offset`, in the order written.
    pub clauses: Vec<Clause>,
    /// The whole query.
    pub span: Span,
}

/// A boolean expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What kind of expression this is.
    pub kind: ExprKind,
    /// Where it was written (without any parentheses around it).
    pub span: Span,
}

/// The shapes of [`Expr`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `a or b or c`: n-ary, at least two operands, never nested directly in another `Or`.
    Or(Vec<Expr>),
    /// `a and b and c`: n-ary, at least two operands, never nested directly in another `And`.
    And(Vec<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `field op value`.
    Compare {
        /// The field as written.
        field: Ident,
        /// The operator and its span.
        op: CompareOp,
        /// Where the operator was written.
        op_span: Span,
        /// The value as written.
        value: Value,
    },
    /// `field in (v, …)` or `field not in (v, …)`.
    In {
        /// The field as written.
        field: Ident,
        /// `true` for `not in`.
        negated: bool,
        /// The span of `in` or `not in`.
        op_span: Span,
        /// The listed values, at least one.
        values: Vec<Value>,
    },
    /// `@name`: another segment of the same file, as if written here in parentheses.
    Ref(Ident),
    /// `all`: every contact. `not all` matches none.
    All,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~` (contains)
    Contains,
    /// `!~` (does not contain)
    NotContains,
}

impl CompareOp {
    /// Every operator, in the API's table order.
    pub const ALL: [CompareOp; 8] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
        CompareOp::Contains,
        CompareOp::NotContains,
    ];

    /// The operator as the API spells it (and as the language does).
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Gt => ">",
            CompareOp::Lt => "<",
            CompareOp::Ge => ">=",
            CompareOp::Le => "<=",
            CompareOp::Contains => "~",
            CompareOp::NotContains => "!~",
        }
    }

    /// The operator that holds exactly when this one does not
    /// (docs/SEMANTICS.md, "Missing fields").
    pub const fn negate(self) -> CompareOp {
        match self {
            CompareOp::Eq => CompareOp::Ne,
            CompareOp::Ne => CompareOp::Eq,
            CompareOp::Gt => CompareOp::Le,
            CompareOp::Le => CompareOp::Gt,
            CompareOp::Lt => CompareOp::Ge,
            CompareOp::Ge => CompareOp::Lt,
            CompareOp::Contains => CompareOp::NotContains,
            CompareOp::NotContains => CompareOp::Contains,
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// Its lexical class and text.
    pub kind: ValueKind,
    /// Where it was written.
    pub span: Span,
}

/// The lexical classes of values. `check` decides what each means for the
/// field it is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `"a quoted string"`, escapes already resolved.
    Str(String),
    /// A bare word: `Lead`, `gmail.com`, `+10233456781`-like text that is not a plain integer.
    Word(String),
    /// Digits with an optional sign, as written: `42`, `-7`, `00123`, `+10233456781`.
    Integer(String),
    /// `2024-01-01`, as written (not yet validated as a calendar date).
    Date(String),
    /// `2024-01-01T10:00:00Z` or with an offset, as written.
    DateTime(String),
    /// `now`, or `now - 30d` / `now + 2h`.
    Now {
        /// The word as written (`now`, `NOW`, `Now`): a bare `now` compared
        /// with a text field is that text, case and all, so it is kept.
        word: String,
        /// The `- 30d`, if written.
        offset: Option<RelativeOffset>,
    },
    /// `[Lead, "beta tester"]`.
    List(Vec<Value>),
}

/// The `- 30d` in `now - 30d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelativeOffset {
    /// `true` for `-`, `false` for `+`.
    pub minus: bool,
    /// The digits, as written.
    pub amount: String,
    /// The unit as written (`d`); `check` rejects units other than `s m h d w`.
    pub unit: String,
    /// Where the amount and unit were written (`30d`).
    pub span: Span,
}

/// A trailing clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Which clause.
    pub kind: ClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// The trailing clauses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClauseKind {
    /// `sort by FIELD [asc|desc]`.
    Sort {
        /// The sort field as written.
        field: Ident,
        /// `asc` or `desc`, if given.
        order: Option<(Order, Span)>,
    },
    /// `limit N` or `limit all`: the digits as written, or `all` (in lower
    /// case however it is written), and their span; `check` reads it as a
    /// [`Limit`].
    Limit(String, Span),
    /// `offset N`: the digits as written and their span.
    Offset(String, Span),
}

impl ClauseKind {
    /// The clause's keyword, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            ClauseKind::Sort { .. } => "sort by",
            ClauseKind::Limit(..) => "limit",
            ClauseKind::Offset(..) => "offset",
        }
    }
}

/// What a `limit` clause asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `limit N`: at most `N` rows.
    Rows(u64),
    /// `limit all`: every matching row.
    All,
}

impl Limit {
    /// Whether `text`, the count of a `limit` clause as written, is the
    /// word `all` (keywords are case-insensitive).
    pub fn is_all(text: &str) -> bool {
        text.eq_ignore_ascii_case("all")
    }

    /// The rows kept: `None` for every row.
    pub const fn rows(self) -> Option<u64> {
        match self {
            Limit::Rows(rows) => Some(rows),
            Limit::All => None,
        }
    }
}

/// Sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl Order {
    /// The API's spelling.
    pub const fn as_api(self) -> &'static str {
        match self {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        }
    }
}

/// A segment file: any number of `segment NAME` definitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The segments, in file order.
    pub segments: Vec<Segment>,
}

/// `segment NAME` followed by a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The segment's name.
    pub name: Ident,
    /// Its expression and clauses.
    pub query: Query,
    /// From `segment` to the end of the query.
    pub span: Span,
}
