//! The errors and warnings of reading contacts, each naming the record it
//! is about ([`Record`]: index, line and id) and pointing into the text.

use crate::diagnostic::{self, JsonDiagnostic};
use miette::{Diagnostic, NamedSource, Severity, SourceSpan};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Which record a problem is in: its index among the contacts (from 0), the
/// line it starts on (from 1) and its `id`, when it has a readable one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Position among the contacts, from 0.
    pub index: usize,
    /// The line the record starts on, from 1.
    pub line: usize,
    /// The record's `id` as written, if it has one.
    pub id: Option<String>,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the contact at index {} (line {}", self.index, self.line)?;
        if let Some(id) = &self.id {
            write!(f, ", id {id}")?;
        }
        f.write_str(")")
    }
}

/// Why a file of contacts cannot be read: one [`ContactsProblem`], with
/// the text it points into, so that a miette handler can show where.
#[derive(Debug, Clone, Error)]
#[error("{problem}")]
pub struct ContactsError {
    pub(super) problem: Box<ContactsProblem>,
    pub(super) source_code: NamedSource<Arc<str>>,
}

impl ContactsError {
    /// What is wrong.
    pub fn problem(&self) -> &ContactsProblem {
        &self.problem
    }

    /// The name the contacts were read under (a path, or `<contacts>`).
    pub fn source_name(&self) -> &str {
        self.source_code.name()
    }

    /// The text the labels point into.
    pub fn source_text(&self) -> &str {
        self.source_code.inner()
    }

    /// The error in the JSON form of every diagnostic (`--message-format
    /// json`, see [`JsonDiagnostic`]).
    ///
    /// ```
    /// let error = hcq::contacts::read_records("a.json", "[\n  {\"id\": 1}\n]").unwrap_err();
    /// let json = error.to_json();
    /// assert_eq!(json.code.as_deref(), Some("hcq::contacts::missing_field"));
    /// assert_eq!((json.labels[0].line, json.labels[0].column), (2, 3));
    /// ```
    pub fn to_json(&self) -> JsonDiagnostic {
        diagnostic::to_json(self, self.source_name(), self.source_text())
    }
}

impl Diagnostic for ContactsError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem.code()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.problem.labels()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source_code)
    }
}

/// Something about a file of contacts that may make answers over it
/// wrong, though it reads: one [`ContactsWarningKind`], with the text it
/// points into, like [`ContactsError`]. Its severity is
/// [`Severity::Warning`].
#[derive(Debug, Clone, Error)]
#[error("{warning}")]
pub struct ContactsWarning {
    pub(super) warning: Box<ContactsWarningKind>,
    pub(super) source_code: NamedSource<Arc<str>>,
}

impl ContactsWarning {
    /// What is doubtful.
    pub fn kind(&self) -> &ContactsWarningKind {
        &self.warning
    }

    /// The name the contacts were read under (a path, or `<contacts>`).
    pub fn source_name(&self) -> &str {
        self.source_code.name()
    }

    /// The text the labels point into.
    pub fn source_text(&self) -> &str {
        self.source_code.inner()
    }

    /// The warning in the JSON form of every diagnostic, like
    /// [`ContactsError::to_json`]; its `severity` is `warning`.
    pub fn to_json(&self) -> JsonDiagnostic {
        diagnostic::to_json(self, self.source_name(), self.source_text())
    }
}

impl Diagnostic for ContactsWarning {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.warning.code()
    }

    fn severity(&self) -> Option<Severity> {
        Some(Severity::Warning)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.warning.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.warning.labels()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source_code)
    }
}

/// What can be doubtful about a file of contacts that reads.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[diagnostic(severity(Warning))]
#[non_exhaustive]
pub enum ContactsWarningKind {
    /// An API response whose `total` counts more contacts than its `data`
    /// holds: `{"data": [{"id": 1, …}], "total": 256}`, one page of the
    /// answer the export was made from.
    #[error("the export holds {records} of {total} contacts")]
    #[diagnostic(
        code(hcq::contacts::partial_export),
        help(
            "this looks like one page of a bigger answer, so an expression run over it \
             may miss contacts; export every page (offset 0, 100, 200, …) into one file"
        )
    )]
    PartialExport {
        /// How many records the export holds.
        records: usize,
        /// How many contacts its `total` counts.
        total: u64,
        /// The `total` member.
        #[label("the API counted {total} contacts")]
        span: SourceSpan,
    },
}

/// What can be wrong with a file of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum ContactsProblem {
    /// The text is not JSON (nor JSON Lines): `[{"id": 1,}]`.
    #[error("the contacts are not valid JSON: {message} (line {line}, column {column})")]
    #[diagnostic(
        code(hcq::contacts::syntax),
        help(
            "write a JSON array of contacts, an API response `{{\"data\": […]}}`, \
             or one JSON object per line"
        )
    )]
    Syntax {
        /// What the JSON parser says.
        message: String,
        /// Where, from 1.
        line: usize,
        /// Where, from 1, in characters.
        column: usize,
        /// Where the JSON stops making sense.
        #[label("here")]
        span: SourceSpan,
    },

    /// The JSON is not one of the three layouts: `{"items": []}`, `42`,
    /// `{"data": 5}`, or nothing at all.
    #[error("expected contacts, found {found}")]
    #[diagnostic(
        code(hcq::contacts::layout),
        help(
            "write a JSON array of contacts `[{{\"id\": 1, …}}]`, an API response \
             `{{\"data\": [{{\"id\": 1, …}}]}}`, or one contact object per line"
        )
    )]
    Layout {
        /// What is there instead, in words.
        found: String,
        /// The value that is not contacts.
        #[label("not a list of contacts")]
        span: SourceSpan,
    },

    /// A record that is not an object: `[{"id": 1, "lastSeen": 0}, 2]`.
    #[error("{record} is {found}, not an object")]
    #[diagnostic(
        code(hcq::contacts::not_an_object),
        help("each contact is a JSON object such as `{{\"id\": 1, \"lastSeen\": 1700000000}}`")
    )]
    NotAnObject {
        /// Which record.
        record: Record,
        /// What it is instead, in words.
        found: String,
        /// The record.
        #[label("not an object")]
        span: SourceSpan,
    },

    /// A record without a field every contact has: `{"lastSeen": 0}` (no
    /// `id`), `{"id": 1}` (no `lastSeen`).
    #[error("{record} has no `{field}`")]
    #[diagnostic(
        code(hcq::contacts::missing_field),
        help(
            "every contact has an `id` (an integer) and a `lastSeen` (a UNIX timestamp, \
             as a number or a string of digits), as the API returns them"
        )
    )]
    MissingField {
        /// Which record.
        record: Record,
        /// The missing field.
        field: &'static str,
        /// The record.
        #[label("this contact has no `{field}`")]
        span: SourceSpan,
    },

    /// A field of the wrong type: `"id": "abc"`, `"tags": 5`,
    /// `"lastSeen": "yesterday"`, `"location": {"city": 3}`.
    #[error("{record} has `{field}` {found}, expected {expected}")]
    #[diagnostic(
        code(hcq::contacts::field_type),
        help(
            "fields have the types of the API's response: `id` an integer, `lastSeen` and \
             `firstSeen` UNIX timestamps (numbers or strings of digits), text fields strings \
             or null, `location` an object, `tags` a list of `{{\"name\": …}}` objects"
        )
    )]
    FieldType {
        /// Which record.
        record: Record,
        /// The field, with its path inside the record (`location.city`, `tags[1].name`).
        field: String,
        /// What was expected, in words.
        expected: &'static str,
        /// The value found, as JSON (shortened).
        found: String,
        /// The record.
        #[label("`{field}` is wrong here")]
        span: SourceSpan,
    },

    /// A key written twice in one object, `{"id": 1, "city": "Kyiv",
    /// "city": "Lviv"}`, in a record or around them: JSON readers disagree
    /// about which value counts (serde_json keeps the last).
    #[error("{}", duplicate_key_message(.record.as_ref(), .key))]
    #[diagnostic(
        code(hcq::contacts::duplicate_key),
        help(
            "a JSON object has each key once; keep the value that is right and remove \
             the other"
        )
    )]
    DuplicateKey {
        /// The key, escapes resolved.
        key: String,
        /// Which record, when the object is in one.
        record: Option<Record>,
        /// The second time the key is written.
        #[label("`{key}` again")]
        span: SourceSpan,
        /// The first time.
        #[label("first here")]
        first_span: SourceSpan,
    },

    /// Two records with one `id`: `[{"id": 1, "lastSeen": 0}, {"id": 1, "lastSeen": 5}]`
    /// (pages of an export that overlap, say).
    #[error("{record} has id {id}, like {first}")]
    #[diagnostic(
        code(hcq::contacts::duplicate_id),
        help(
            "HelpCrunch ids are unique and results are unions by id; remove the repeated \
             record (an export whose pages overlap repeats records)"
        )
    )]
    DuplicateId {
        /// The id.
        id: i64,
        /// The record that repeats it.
        record: Record,
        /// The record that had it first.
        first: Record,
        /// The repeating record.
        #[label("id {id} again")]
        span: SourceSpan,
        /// The first record.
        #[label("first here")]
        first_span: SourceSpan,
    },
}

pub(super) fn duplicate_key_message(record: Option<&Record>, key: &str) -> String {
    match record {
        Some(record) => format!("{record} has the key `{key}` twice in one object"),
        None => format!("the contacts have the key `{key}` twice in one object"),
    }
}
