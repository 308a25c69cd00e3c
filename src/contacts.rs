//! Reading contacts for `hcq eval`: a file of contacts shaped as the API
//! returns them (docs/SEMANTICS.md, "Response"), turned into [`eval::Contact`]s.
//!
//! Three layouts are read, told apart by what the text holds:
//!
//! - a JSON array of contacts: `[{"id": 1, …}, …]`;
//! - an API response: `{"data": [{"id": 1, …}, …], "total": 2}`;
//! - JSON Lines: one contact object per line (any number of objects one
//!   after another, in fact).
//!
//! [`read_records`] also keeps each record's text as written, for
//! printing, and [`read_export`] the warnings too; [`select`] runs an
//! expression over the contacts.
//!
//! Reading is strict, because a contact that silently fails to match is a
//! false answer: a record without an `id` or a `lastSeen`, or with a field
//! of the wrong type (`"id": "abc"`, `"tags": 5`), is an error that names
//! the record (its index, line and id) and the field; so is an `id` that
//! two records share, and a key written twice in one object, anywhere in
//! the text. Keys hcq does not use (`customData`, `unsubscribed`, …) are
//! ignored. An API response whose `total` counts more contacts than it
//! holds reads, with a warning that it is partial.
//!
//! Reading is linear in the text, also for an export written on one line.
//!
//! ```
//! let contacts = hcq::contacts::read_contacts(
//!     r#"{"data": [{"id": 7, "lastSeen": "1700000000", "location": {"city": "Kyiv"}}], "total": 1}"#,
//! )?;
//! assert_eq!(contacts[0].location.city.as_deref(), Some("Kyiv"));
//!
//! let error = hcq::contacts::read_contacts(
//!     "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"lastSeen\": 0, \"tags\": 5}\n",
//! )
//! .unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "the contact at index 1 (line 2, id 2) has `tags` 5, expected a list of `{\"name\": …}` objects",
//! );
//! # Ok::<(), hcq::contacts::ContactsError>(())
//! ```

use crate::diagnostic::{self, JsonDiagnostic};
use crate::eval::{self, Contact, Location, Tag};
use crate::typed;
use miette::{Diagnostic, NamedSource, Severity, SourceSpan};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
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
    problem: Box<ContactsProblem>,
    source_code: NamedSource<Arc<str>>,
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
    warning: Box<ContactsWarningKind>,
    source_code: NamedSource<Arc<str>>,
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

fn duplicate_key_message(record: Option<&Record>, key: &str) -> String {
    match record {
        Some(record) => format!("{record} has the key `{key}` twice in one object"),
        None => format!("the contacts have the key `{key}` twice in one object"),
    }
}

/// Reads contacts from `text` (see the [module docs](self) for the
/// layouts); diagnostics call the input `<contacts>`.
pub fn read_contacts(text: &str) -> Result<Vec<Contact>, ContactsError> {
    read_contacts_named("<contacts>", text)
}

/// Reads contacts from `text`, naming it `name` (a path, say) in diagnostics.
pub fn read_contacts_named(name: &str, text: &str) -> Result<Vec<Contact>, ContactsError> {
    read_records(name, text).map(|records| records.into_iter().map(|(c, _)| c).collect())
}

/// Reads contacts from `text` like [`read_contacts_named`], each with the
/// JSON text it was read from (for printing matches as they were written,
/// `customData` and all). Warnings about the export are dropped:
/// [`read_export`] keeps them.
///
/// ```
/// let text = r#"[{"id": 1, "lastSeen": 0, "customData": {"plan": "pro"}}]"#;
/// let records = hcq::contacts::read_records("<contacts>", text)?;
/// assert_eq!(records[0].1, r#"{"id": 1, "lastSeen": 0, "customData": {"plan": "pro"}}"#);
/// # Ok::<(), hcq::contacts::ContactsError>(())
/// ```
pub fn read_records<'t>(
    name: &str,
    text: &'t str,
) -> Result<Vec<(Contact, &'t str)>, ContactsError> {
    read_export(name, text).map(|export| export.records)
}

/// A file of contacts as read: the records, and what makes answers over
/// them doubtful without making them wrong to read.
#[derive(Debug, Clone)]
pub struct Export<'t> {
    /// Each contact with the JSON text it was read from, in the file's order.
    pub records: Vec<(Contact, &'t str)>,
    /// About the export as a whole (one page of a bigger answer, say), in
    /// the order of the text.
    pub warnings: Vec<ContactsWarning>,
}

/// Reads contacts from `text` like [`read_records`], and warns about an
/// export that looks partial: an API response whose `total` counts more
/// contacts than its `data` holds is one page of a bigger answer, so
/// expressions run over it may miss contacts.
///
/// ```
/// let text = r#"{"data": [{"id": 1, "lastSeen": 0}], "total": 256}"#;
/// let export = hcq::contacts::read_export("page.json", text)?;
/// assert_eq!(export.records.len(), 1);
/// assert_eq!(export.warnings[0].to_string(), "the export holds 1 of 256 contacts");
/// # Ok::<(), hcq::contacts::ContactsError>(())
/// ```
pub fn read_export<'t>(name: &str, text: &'t str) -> Result<Export<'t>, ContactsError> {
    let (records, warnings) = read(text).map_err(|problem| ContactsError {
        problem: Box::new(problem),
        source_code: NamedSource::new(name, Arc::from(text)),
    })?;
    let warnings = if warnings.is_empty() {
        Vec::new()
    } else {
        // One copy of the text, shared by every warning.
        let source_code = NamedSource::new(name, Arc::<str>::from(text));
        warnings
            .into_iter()
            .map(|warning| ContactsWarning {
                warning: Box::new(warning),
                source_code: source_code.clone(),
            })
            .collect()
    };
    Ok(Export { records, warnings })
}

/// The records and the warnings, before they are given the text they
/// point into.
type Read<'t> = (Vec<(Contact, &'t str)>, Vec<ContactsWarningKind>);

fn read(text: &str) -> Result<Read<'_>, ContactsProblem> {
    let reader = Reader { text };
    let values = reader.values()?;
    // Found on the whole text before the layout is read, because a key
    // written twice outside the records (`data`, `total`) changes what the
    // layout is.
    let duplicate = duplicate_key(text, bom_len(text));
    let layout = match (reader.layout(values), &duplicate) {
        (Ok(layout), _) => layout,
        (Err(_), Some(duplicate)) => return Err(duplicate.problem(None)),
        (Err(problem), None) => return Err(problem),
    };
    let duplicate = match duplicate {
        None => None,
        Some(duplicate) => match layout.record_holding(duplicate.second.0) {
            Some(index) => Some((index, duplicate)),
            None => return Err(duplicate.problem(None)),
        },
    };
    // Every record's line, in one pass however long the lines are.
    let starts: Vec<usize> = layout.records.iter().map(|(_, range)| range.0).collect();
    let positions = diagnostic::locate(text, &starts);
    let mut seen: HashMap<i64, (Record, Range)> = HashMap::with_capacity(layout.records.len());
    let mut read = Vec::with_capacity(layout.records.len());
    for (index, (json, range)) in layout.records.iter().enumerate() {
        let record = Record {
            index,
            line: positions[index].line + 1,
            id: json.get("id").map(short),
        };
        if let Some((_, duplicate)) = duplicate.as_ref().filter(|(at, _)| *at == index) {
            return Err(duplicate.problem(Some(record)));
        }
        let contact = Reader::contact(json, &record, *range)?;
        // Results are unions by id: two records with one id would make
        // the expression and its plan disagree about what matches.
        if let Some((first, first_range)) = seen.get(&contact.id) {
            return Err(ContactsProblem::DuplicateId {
                id: contact.id,
                first: first.clone(),
                record,
                span: range_span(*range),
                first_span: range_span(*first_range),
            });
        }
        seen.insert(contact.id, (record, *range));
        read.push((contact, &text[range.0..range.1]));
    }
    let mut warnings = Vec::new();
    if let Some((total, range)) = layout.total {
        if total > read.len() as u64 {
            warnings.push(ContactsWarningKind::PartialExport {
                records: read.len(),
                total,
                span: range_span(range),
            });
        }
    }
    Ok((read, warnings))
}

/// The contacts `expr` selects, in their order, by the reference evaluator
/// ([`eval::matches_expr`]).
///
/// ```
/// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
/// let query = hcq::check("tag = Lead and email ~ GMAIL", &options)?;
/// let contacts = hcq::contacts::read_contacts(r#"[
///     {"id": 1, "lastSeen": 0, "email": "ann@gmail.com", "tags": [{"name": "Lead"}]},
///     {"id": 2, "lastSeen": 0, "email": "bob@gmail.com"}
/// ]"#).unwrap();
/// let ids: Vec<i64> = hcq::contacts::select(&query.expr, &contacts).iter().map(|c| c.id).collect();
/// assert_eq!(ids, [1]);
/// # Ok::<(), hcq::Error>(())
/// ```
pub fn select<'a>(expr: &typed::Expr, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    contacts
        .iter()
        .filter(|contact| eval::matches_expr(expr, contact))
        .collect()
}

/// A byte range `(start, end)` of the text.
type Range = (usize, usize);

struct Reader<'t> {
    text: &'t str,
}

/// The records of a text and, for an API response, its `total`.
struct Layout {
    /// Each record with where it was written, in the text's order.
    records: Vec<(Value, Range)>,
    /// The `total` of an API response, and where its member is written.
    total: Option<(u64, Range)>,
}

impl Layout {
    /// The index of the record whose text holds byte `offset`.
    fn record_holding(&self, offset: usize) -> Option<usize> {
        let after = self.records.partition_point(|(_, range)| range.0 <= offset);
        let index = after.checked_sub(1)?;
        (offset < self.records[index].1.1).then_some(index)
    }
}

impl Reader<'_> {
    /// The JSON values of the text, each with where it was written: one for
    /// an array or an API response, one per line for JSON Lines.
    fn values(&self) -> Result<Vec<(Value, Range)>, ContactsProblem> {
        let text = self.text;
        let bom = bom_len(text);
        let mut values = Vec::new();
        let mut stream = serde_json::Deserializer::from_str(&text[bom..]).into_iter::<Value>();
        let mut end = bom;
        loop {
            let start = skip_blanks(text, end);
            match stream.next() {
                None => return Ok(values),
                Some(Ok(value)) => {
                    end = bom + stream.byte_offset();
                    values.push((value, (start, end)));
                }
                Some(Err(error)) => return Err(self.syntax(&error)),
            }
        }
    }

    /// The records among `values`, by the layout they make.
    fn layout(&self, mut values: Vec<(Value, Range)>) -> Result<Layout, ContactsProblem> {
        let text = self.text;
        let records = |records| Layout {
            records,
            total: None,
        };
        match values.len() {
            0 => Err(ContactsProblem::Layout {
                found: "nothing".to_owned(),
                span: (0, text.len()).into(),
            }),
            // One value: an array, an API response, or one line of JSON Lines.
            1 => {
                let (value, range) = values.pop().expect("one value");
                match value {
                    Value::Array(items) => Ok(records(
                        items.into_iter().zip(elements(text, range.0)).collect(),
                    )),
                    Value::Object(mut object) if object.contains_key("data") => {
                        let total = object.get("total").and_then(count).and_then(|total| {
                            let (key, value) = member(text, range.0, "total")?;
                            Some((total, (key.0, value.1)))
                        });
                        match object.remove("data") {
                            Some(Value::Array(items)) => {
                                let at = member(text, range.0, "data")
                                    .map_or(range.0, |(_, value)| value.0);
                                Ok(Layout {
                                    records: items.into_iter().zip(elements(text, at)).collect(),
                                    total,
                                })
                            }
                            other => Err(ContactsProblem::Layout {
                                found: format!("`data` holding {}", kind(other.as_ref())),
                                span: range_span(range),
                            }),
                        }
                    }
                    value @ Value::Object(_) => Ok(records(vec![(value, range)])),
                    other => Err(ContactsProblem::Layout {
                        found: kind(Some(&other)),
                        span: range_span(range),
                    }),
                }
            }
            // Several values: JSON Lines, each value one contact.
            _ => Ok(records(values)),
        }
    }

    fn syntax(&self, error: &serde_json::Error) -> ContactsProblem {
        // serde_json counts columns after the byte order mark, if any.
        let column = match error.line() {
            1 => error.column() + bom_len(self.text),
            _ => error.column(),
        };
        let offset = offset_of(self.text, error.line(), column);
        let message = error.to_string();
        // serde_json appends " at line L column C"; the fields say that.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(what, _)| what)
            .to_owned();
        ContactsProblem::Syntax {
            message,
            line: error.line(),
            column: error.column(),
            span: (offset, 0).into(),
        }
    }

    /// One record, checked field by field and turned into a contact.
    fn contact(value: &Value, record: &Record, range: Range) -> Result<Contact, ContactsProblem> {
        let span = range_span(range);
        let Value::Object(fields) = value else {
            return Err(ContactsProblem::NotAnObject {
                found: kind(Some(value)),
                record: record.clone(),
                span,
            });
        };
        let check = Check { record, span };
        let id = match fields.get("id") {
            None | Some(Value::Null) => return Err(check.missing("id")),
            Some(value) => value
                .as_i64()
                .ok_or_else(|| check.wrong("id", "an integer", value))?,
        };
        let last_seen = match fields.get("lastSeen") {
            None | Some(Value::Null) => return Err(check.missing("lastSeen")),
            Some(value) => check.timestamp("lastSeen", value)?,
        };
        let first_seen = match fields.get("firstSeen") {
            None | Some(Value::Null) => None,
            Some(value) => Some(check.timestamp("firstSeen", value)?),
        };
        let text = |name: &str| check.text(name, fields.get(name));
        let mut contact = Contact {
            id,
            last_seen,
            first_seen,
            user_id: text("userId")?,
            name: text("name")?,
            email: text("email")?,
            company: text("company")?,
            phone: text("phone")?,
            telegram_id: text("telegramId")?,
            facebook_id: text("facebookId")?,
            instagram_id: text("instagramId")?,
            viber_id: text("viberId")?,
            whatsapp_id: text("whatsappId")?,
            ..Contact::default()
        };
        contact.location = match fields.get("location") {
            None | Some(Value::Null) => Location::default(),
            Some(Value::Object(location)) => {
                let text = |name: &str| check.text(&format!("location.{name}"), location.get(name));
                Location {
                    region_code: text("regionCode")?,
                    country_code: text("countryCode")?,
                    city: text("city")?,
                }
            }
            Some(other) => return Err(check.wrong("location", "an object", other)),
        };
        contact.tags = match fields.get("tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(tags)) => tags
                .iter()
                .enumerate()
                .map(|(i, tag)| check.tag(i, tag))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(check.wrong("tags", "a list of `{\"name\": …}` objects", other));
            }
        };
        Ok(contact)
    }
}

/// Checks the fields of one record.
struct Check<'a> {
    record: &'a Record,
    span: SourceSpan,
}

impl Check<'_> {
    fn missing(&self, field: &'static str) -> ContactsProblem {
        ContactsProblem::MissingField {
            record: self.record.clone(),
            field,
            span: self.span,
        }
    }

    fn wrong(&self, field: &str, expected: &'static str, found: &Value) -> ContactsProblem {
        ContactsProblem::FieldType {
            record: self.record.clone(),
            field: field.to_owned(),
            expected,
            found: short(found),
            span: self.span,
        }
    }

    /// A UNIX timestamp: a whole number, or a string of one (the vendor's
    /// example sends strings).
    fn timestamp(&self, field: &str, value: &Value) -> Result<i64, ContactsProblem> {
        let number = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        number.ok_or_else(|| {
            self.wrong(
                field,
                "a UNIX timestamp in seconds (a whole number, or a string of one)",
                value,
            )
        })
    }

    fn text(&self, field: &str, value: Option<&Value>) -> Result<Option<String>, ContactsProblem> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(field, "a string or null", other)),
        }
    }

    fn tag(&self, index: usize, tag: &Value) -> Result<Tag, ContactsProblem> {
        let Value::Object(tag) = tag else {
            return Err(self.wrong(
                &format!("tags[{index}]"),
                "an object such as `{\"name\": \"Lead\"}`",
                tag,
            ));
        };
        let name = match tag.get("name") {
            Some(Value::String(name)) => name.clone(),
            other => {
                return Err(self.wrong(
                    &format!("tags[{index}].name"),
                    "a string",
                    other.unwrap_or(&Value::Null),
                ));
            }
        };
        let color = self.text(&format!("tags[{index}].color"), tag.get("color"))?;
        Ok(Tag { name, color })
    }
}

/// A value, as JSON, shortened for a message.
fn short(value: &Value) -> String {
    let json = value.to_string();
    if json.chars().count() <= 40 {
        return json;
    }
    let start: String = json.chars().take(37).collect();
    format!("{start}...")
}

/// What a JSON value is, in words.
fn kind(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Bool(b)) => format!("the boolean {b}"),
        Some(Value::Number(n)) => format!("the number {n}"),
        Some(Value::String(_)) => format!("the string {}", short(value.expect("some"))),
        Some(Value::Array(_)) => "a list".to_owned(),
        Some(Value::Object(object)) => object_kind(object),
    }
}

fn object_kind(object: &Map<String, Value>) -> String {
    let keys: Vec<String> = object.keys().take(4).map(|k| format!("`{k}`")).collect();
    match keys.as_slice() {
        [] => "an empty object".to_owned(),
        _ if object.len() > 4 => format!("an object with keys {}, …", keys.join(", ")),
        _ => format!("an object with keys {}", keys.join(", ")),
    }
}

fn range_span((start, end): Range) -> SourceSpan {
    (start, end - start).into()
}

/// The length of a UTF-8 byte order mark at the start of `text` (as some
/// Windows tools write before JSON), which is not JSON and is skipped.
fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{FEFF}') { 3 } else { 0 }
}

/// The first byte at or after `at` that is not a JSON blank.
fn skip_blanks(text: &str, at: usize) -> usize {
    let rest = &text.as_bytes()[at.min(text.len())..];
    at + rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// The byte offset of serde_json's `line` and `column` (both from 1;
/// column 0 means before the line's first byte).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Walks valid JSON without building it, to find where things are: the
/// values in an array, the value of an object's member. `serde_json::Value`
/// keeps no positions, and these are what diagnostics point at.
struct Walk<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Walk<'_> {
    fn blanks(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
    }

    /// Skips one value (the text is known to be valid JSON); iterative, so
    /// that deep nesting costs no stack.
    fn value(&mut self) {
        let mut depth = 0usize;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'"' => self.string(),
                b'[' | b'{' => {
                    depth += 1;
                    self.at += 1;
                }
                b']' | b'}' | b',' | b':' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => return,
                b']' | b'}' => {
                    depth -= 1;
                    self.at += 1;
                }
                _ => self.at += 1,
            }
            if depth == 0 && matches!(b, b'"' | b']' | b'}') {
                return;
            }
        }
    }

    fn string(&mut self) {
        self.at += 1;
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += if b == b'\\' { 2 } else { 1 };
            if b == b'"' {
                return;
            }
        }
    }
}

/// The byte ranges of the values of the array that opens at `at`.
fn elements(text: &str, at: usize) -> Vec<Range> {
    let mut walk = Walk {
        bytes: text.as_bytes(),
        at: at + 1,
    };
    let mut ranges = Vec::new();
    loop {
        walk.blanks();
        match walk.bytes.get(walk.at) {
            None | Some(b']') => return ranges,
            Some(b',') => walk.at += 1,
            Some(_) => {
                let start = walk.at;
                walk.value();
                ranges.push((start, walk.at));
            }
        }
    }
}

/// Where member `key` of the object that opens at `at` is written: its
/// key (quotes included) and its value.
fn member(text: &str, at: usize, key: &str) -> Option<(Range, Range)> {
    let mut walk = Walk {
        bytes: text.as_bytes(),
        at: at + 1,
    };
    loop {
        walk.blanks();
        match walk.bytes.get(walk.at)? {
            b'}' => return None,
            b',' => walk.at += 1,
            _ => {
                let start = walk.at;
                walk.string();
                let name = text.get(start..walk.at).map(key_text);
                let name_end = walk.at;
                walk.blanks();
                walk.at += 1; // `:`
                walk.blanks();
                let value = walk.at;
                walk.value();
                if name.as_deref() == Some(key) {
                    return Some(((start, name_end), (value, walk.at)));
                }
            }
        }
    }
}

/// The text of a JSON string as written, quotes included, with its
/// escapes resolved only when it has some: keys mostly have none.
fn key_text(quoted: &str) -> Cow<'_, str> {
    let raw = quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(quoted);
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    serde_json::from_str::<String>(quoted).map_or(Cow::Borrowed(raw), Cow::Owned)
}

/// A key written twice in one object: the first time and the second.
struct Duplicate {
    key: String,
    first: Range,
    second: Range,
}

impl Duplicate {
    fn problem(&self, record: Option<Record>) -> ContactsProblem {
        ContactsProblem::DuplicateKey {
            key: self.key.clone(),
            record,
            span: range_span(self.second),
            first_span: range_span(self.first),
        }
    }
}

/// The first key written twice in one object of the valid JSON from `at`
/// on (first by where its second occurrence is), at any depth. Each key is
/// hashed once, so this is linear in the text; iterative, like [`Walk`].
fn duplicate_key(text: &str, at: usize) -> Option<Duplicate> {
    type Keys<'t> = HashMap<Cow<'t, str>, Range>;
    let bytes = text.as_bytes();
    // One set of keys per open object; `None` for an open array.
    let mut open: Vec<Option<Keys<'_>>> = Vec::new();
    // The sets of closed objects, kept to spare an allocation per object.
    let mut spare: Vec<Keys<'_>> = Vec::new();
    let mut expect_key = false;
    let mut walk = Walk { bytes, at };
    while let Some(&b) = bytes.get(walk.at) {
        match b {
            b'{' => {
                open.push(Some(spare.pop().unwrap_or_default()));
                expect_key = true;
            }
            b'[' => {
                open.push(None);
                expect_key = false;
            }
            b'}' | b']' => {
                if let Some(Some(mut keys)) = open.pop() {
                    keys.clear();
                    spare.push(keys);
                }
                expect_key = false;
            }
            b',' => expect_key = matches!(open.last(), Some(Some(_))),
            b':' => expect_key = false,
            b'"' => {
                let start = walk.at;
                walk.string();
                let keys = open.last_mut().and_then(Option::as_mut);
                if let (true, Some(keys), Some(quoted)) =
                    (expect_key, keys, text.get(start..walk.at))
                {
                    let second = (start, walk.at);
                    match keys.entry(key_text(quoted)) {
                        Entry::Occupied(first) => {
                            return Some(Duplicate {
                                key: first.key().clone().into_owned(),
                                first: *first.get(),
                                second,
                            });
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(second);
                        }
                    }
                }
                expect_key = false;
                continue;
            }
            _ => {}
        }
        walk.at += 1;
    }
    None
}

/// A count as an API response writes `total`: a whole number, or a string
/// of one.
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = include_str!("../tests/eval_fixtures/contacts.json");
    const LINES: &str = include_str!("../tests/eval_fixtures/contacts.jsonl");
    const BROKEN: &str = include_str!("../tests/eval_fixtures/broken.jsonl");

    fn code(error: &ContactsError) -> String {
        error.code().map(|c| c.to_string()).unwrap_or_default()
    }

    fn label(error: &ContactsError) -> (usize, usize) {
        let label = error
            .labels()
            .and_then(|mut labels| labels.next())
            .expect("a label");
        (label.offset(), label.len())
    }

    #[test]
    fn an_api_response_is_read_whole() {
        let contacts = read_contacts(EXPORT).expect("reads");
        assert_eq!(contacts.len(), 12);
        let first = &contacts[0];
        assert_eq!(first.id, 1001);
        assert_eq!(first.email.as_deref(), Some("olena.koval@gmail.com"));
        assert_eq!(first.last_seen, 1_717_000_000);
        assert_eq!(first.first_seen, Some(1_690_000_000));
        assert_eq!(first.location.city.as_deref(), Some("Kyiv"));
        assert_eq!(first.tags.len(), 2);
        assert_eq!(first.tags[0].name, "Lead");
    }

    #[test]
    fn records_keep_their_text_as_written() {
        let records = read_records("contacts.json", EXPORT).expect("reads");
        let value: Value = serde_json::from_str(EXPORT).expect("json");
        for (i, (contact, text)) in records.iter().enumerate() {
            let written: Value = serde_json::from_str(text).expect("a record's text is JSON");
            assert_eq!(written, value["data"][i]);
            assert_eq!(written["id"], contact.id);
        }
        let lines = read_records("contacts.jsonl", LINES).expect("reads");
        for ((_, text), line) in lines.iter().zip(LINES.lines()) {
            assert_eq!(*text, line);
        }
    }

    #[test]
    fn every_layout_reads_the_same_contacts() {
        let export = read_contacts(EXPORT).expect("reads");
        assert_eq!(read_contacts(LINES).expect("reads"), export);
        let value: Value = serde_json::from_str(EXPORT).expect("json");
        let array = serde_json::to_string_pretty(&value["data"]).expect("json");
        assert_eq!(read_contacts(&array).expect("reads"), export);
        // One object alone is one line of JSON Lines.
        let one = serde_json::to_string(&value["data"][3]).expect("json");
        assert_eq!(read_contacts(&one).expect("reads"), [export[3].clone()]);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let export = read_contacts(EXPORT).expect("reads");
        for text in [EXPORT, LINES] {
            let marked = format!("\u{FEFF}{text}");
            assert_eq!(read_contacts(&marked).expect("reads"), export);
            let records = read_records("marked.json", &marked).expect("reads");
            let written: Value = serde_json::from_str(records[0].1).expect("json");
            assert_eq!(written["id"], export[0].id);
        }
        // An error after the mark still points at the right byte.
        let offset = |text: &str| {
            let problem = read_contacts(text).expect_err("bad JSON");
            let label = problem
                .labels()
                .expect("a label")
                .next()
                .expect("one label");
            label.offset()
        };
        let bad = "[{\"id\": 1,}]";
        assert_eq!(offset(&format!("\u{FEFF}{bad}")), 3 + offset(bad));
    }

    #[test]
    fn an_empty_list_is_no_contacts() {
        assert_eq!(read_contacts("[]").expect("reads"), []);
        assert_eq!(
            read_contacts("{\"data\": [], \"total\": 0}").expect("reads"),
            []
        );
    }

    #[test]
    fn the_broken_file_names_record_line_id_and_field() {
        let error = read_contacts_named("broken.jsonl", BROKEN).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::field_type");
        assert_eq!(
            error.to_string(),
            "the contact at index 2 (line 3, id 1003) has `tags` 5, \
             expected a list of `{\"name\": …}` objects"
        );
        let third_line: usize = BROKEN.split_inclusive('\n').take(2).map(str::len).sum();
        assert_eq!(label(&error).0, third_line);
    }

    #[test]
    fn a_missing_id_or_last_seen() {
        let error = read_contacts(r#"[{"id": 1, "lastSeen": 0}, {"name": "Ann", "lastSeen": 0}]"#)
            .unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::missing_field");
        assert_eq!(
            error.to_string(),
            "the contact at index 1 (line 1) has no `id`"
        );
        assert_eq!(label(&error), (27, 30));
        let error = read_contacts("[\n  {\"id\": 5}\n]").unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::missing_field");
        assert_eq!(
            error.to_string(),
            "the contact at index 0 (line 2, id 5) has no `lastSeen`"
        );
        let error = read_contacts(r#"{"id": null, "lastSeen": 0}"#).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::missing_field");
    }

    #[test]
    fn fields_of_the_wrong_type() {
        let cases = [
            (r#"{"id": "abc", "lastSeen": 0}"#, "id", "an integer"),
            (r#"{"id": 1.5, "lastSeen": 0}"#, "id", "an integer"),
            (
                r#"{"id": 1, "lastSeen": "yesterday"}"#,
                "lastSeen",
                "a UNIX timestamp in seconds (a whole number, or a string of one)",
            ),
            (
                r#"{"id": 1, "lastSeen": true}"#,
                "lastSeen",
                "a UNIX timestamp in seconds (a whole number, or a string of one)",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "firstSeen": []}"#,
                "firstSeen",
                "a UNIX timestamp in seconds (a whole number, or a string of one)",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "email": 5}"#,
                "email",
                "a string or null",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "tags": 5}"#,
                "tags",
                "a list of `{\"name\": …}` objects",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "tags": ["Lead"]}"#,
                "tags[0]",
                "an object such as `{\"name\": \"Lead\"}`",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "tags": [{"name": "a"}, {"color": "red"}]}"#,
                "tags[1].name",
                "a string",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "location": "Kyiv"}"#,
                "location",
                "an object",
            ),
            (
                r#"{"id": 1, "lastSeen": 0, "location": {"city": 3}}"#,
                "location.city",
                "a string or null",
            ),
        ];
        for (text, field, expected) in cases {
            match read_contacts(text).as_ref().map_err(ContactsError::problem) {
                Err(ContactsProblem::FieldType {
                    field: f,
                    expected: e,
                    record,
                    ..
                }) => {
                    assert_eq!((f.as_str(), *e), (field, expected), "for {text}");
                    assert_eq!(record.index, 0);
                }
                other => panic!("expected a field_type error for {text}, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_repeated_id() {
        let text = "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"lastSeen\": 0}\n{\"id\": 1, \"lastSeen\": 5}\n";
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::duplicate_id");
        assert_eq!(
            error.to_string(),
            "the contact at index 2 (line 3, id 1) has id 1, like the contact at index 0 (line 1, id 1)"
        );
        assert_eq!(label(&error), (50, 24));
    }

    /// The span of the label `n` (from 0) of `error`.
    fn nth_label(error: &ContactsError, n: usize) -> Range {
        let label = error.labels().and_then(|mut l| l.nth(n)).expect("a label");
        (label.offset(), label.offset() + label.len())
    }

    #[test]
    fn a_key_written_twice_names_the_record_and_both_keys() {
        let text = "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"city\": \"Kyiv\", \"lastSeen\": 0, \"city\": \"Lviv\"}\n";
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::duplicate_key");
        assert_eq!(
            error.to_string(),
            "the contact at index 1 (line 2, id 2) has the key `city` twice in one object"
        );
        let second = text.rfind("\"city\"").expect("a second key");
        let first = text.find("\"city\"").expect("a first key");
        assert_eq!(nth_label(&error, 0), (second, second + 6));
        assert_eq!(nth_label(&error, 1), (first, first + 6));
    }

    #[test]
    fn keys_written_twice_are_found_at_any_depth_and_through_escapes() {
        for text in [
            r#"[{"id": 1, "lastSeen": 0, "location": {"city": "Kyiv", "city": "Lviv"}}]"#,
            r#"[{"id": 1, "lastSeen": 0, "tags": [{"name": "a", "name": "b"}]}]"#,
            r#"[{"id": 1, "lastSeen": 0, "customData": {"x": {"y": 1, "y": 2}}}]"#,
            r#"[{"id": 1, "lastSeen": 0, "c\u0069ty": "Kyiv", "city": "Lviv"}]"#,
            r#"[{"id": 1, "lastSeen": 0, "id": 2}]"#,
        ] {
            let error = read_contacts(text).unwrap_err();
            assert_eq!(code(&error), "hcq::contacts::duplicate_key", "for {text}");
            match error.problem() {
                ContactsProblem::DuplicateKey { record, .. } => {
                    assert_eq!(record.as_ref().map(|r| r.index), Some(0), "for {text}");
                }
                other => panic!("expected a duplicate key for {text}, got {other:?}"),
            }
        }
    }

    #[test]
    fn one_key_in_different_objects_or_as_a_value_is_not_a_duplicate() {
        let text = r#"{"data": [
            {"id": 1, "lastSeen": 0, "name": "id", "tags": [{"name": "a"}, {"name": "b"}],
             "location": {"city": "city"}, "customData": {"id": 5, "list": ["id", "id"]}},
            {"id": 2, "lastSeen": 0, "customData": {"id": {"id": {}}}}
        ], "total": 2, "meta": {"total": 2}}"#;
        let export = read_export("ok.json", text).expect("reads");
        assert_eq!(export.records.len(), 2);
        assert!(export.warnings.is_empty());
    }

    #[test]
    fn a_key_written_twice_around_the_records_has_no_record() {
        // serde_json would read the second `data`: the records' places
        // would be found in the first.
        let text = r#"{"data": [{"id": 1, "lastSeen": 0}], "data": [{"id": 2, "lastSeen": 0}]}"#;
        let error = read_contacts(text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the contacts have the key `data` twice in one object"
        );
        let second = text.rfind("\"data\"").expect("a second key");
        assert_eq!(nth_label(&error, 0), (second, second + 6));
        // Also when the second value makes the layout wrong.
        let error = read_contacts(r#"{"data": [], "data": 5}"#).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::duplicate_key");
    }

    #[test]
    fn problems_are_reported_in_the_order_of_the_records() {
        let text = "{\"id\": 1}\n{\"id\": 2, \"lastSeen\": 0, \"id\": 3}\n";
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::missing_field");
        let text = "{\"id\": 2, \"lastSeen\": 0, \"id\": 3}\n{\"id\": 1}\n";
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::duplicate_key");
    }

    #[test]
    fn a_total_above_the_records_is_a_partial_export() {
        let text = "{\"data\": [{\"id\": 1, \"lastSeen\": 0}],\n \"total\": 256}";
        let export = read_export("page.json", text).expect("reads");
        assert_eq!(export.records.len(), 1);
        let [warning] = export.warnings.as_slice() else {
            panic!("expected one warning, got {:?}", export.warnings);
        };
        assert_eq!(
            warning.kind(),
            &ContactsWarningKind::PartialExport {
                records: 1,
                total: 256,
                span: (text.find("\"total\"").expect("total"), 12).into(),
            }
        );
        assert_eq!(warning.severity(), Some(Severity::Warning));
        assert_eq!(
            warning.code().map(|c| c.to_string()).as_deref(),
            Some("hcq::contacts::partial_export")
        );
        assert_eq!(
            (warning.source_name(), warning.source_text()),
            ("page.json", text)
        );
        // A total written as a string counts too.
        let text = r#"{"data": [], "total": "3"}"#;
        assert_eq!(
            read_export("page.json", text)
                .expect("reads")
                .warnings
                .len(),
            1
        );
    }

    #[test]
    fn a_whole_export_or_no_total_is_not_partial() {
        for text in [
            EXPORT,
            LINES,
            r#"{"data": [{"id": 1, "lastSeen": 0}]}"#,
            r#"{"data": [{"id": 1, "lastSeen": 0}], "total": 1}"#,
            r#"{"data": [{"id": 1, "lastSeen": 0}], "total": 0}"#,
            r#"{"data": [{"id": 1, "lastSeen": 0}], "total": null}"#,
            r#"{"data": [{"id": 1, "lastSeen": 0}], "total": -5}"#,
            r#"[{"id": 1, "lastSeen": 0, "total": 9}]"#,
        ] {
            let export = read_export("whole.json", text).expect("reads");
            assert!(export.warnings.is_empty(), "for {text}");
        }
    }

    #[test]
    fn members_are_found_by_their_unescaped_key() {
        let text = r#"{"a": [1, {"total": 2}], "t\u006ftal": 12 , "b": 1}"#;
        let (key, value) = member(text, 0, "total").expect("a member");
        assert_eq!(&text[key.0..key.1], r#""t\u006ftal""#);
        assert_eq!(&text[value.0..value.1], "12");
        assert_eq!(member(text, 0, "c"), None);
    }

    #[test]
    fn an_error_knows_its_source_and_has_a_json_form() {
        let text = "[\n  {\"id\": 1, \"lastSeen\": 0, \"id\": 2}\n]";
        let error = read_records("a.json", text).unwrap_err();
        assert_eq!((error.source_name(), error.source_text()), ("a.json", text));
        let json = error.to_json();
        assert_eq!(json.code.as_deref(), Some("hcq::contacts::duplicate_key"));
        assert_eq!(json.severity, "error");
        assert_eq!(json.source, "a.json");
        assert_eq!(json.message, error.to_string());
        assert!(json.help.is_some());
        let spots: Vec<(usize, usize, Option<&str>)> = json
            .labels
            .iter()
            .map(|l| (l.line, l.column, l.label.as_deref()))
            .collect();
        assert_eq!(
            spots,
            [(2, 28, Some("`id` again")), (2, 4, Some("first here"))]
        );
    }

    #[test]
    fn timestamps_as_numbers_or_strings_and_nulls_as_absent() {
        let contacts = read_contacts(
            r#"[{"id": 1, "lastSeen": " 1700000000 ", "firstSeen": null, "email": null,
                 "location": null, "tags": null, "customData": {"plan": "pro"}}]"#,
        )
        .expect("reads");
        assert_eq!(contacts[0].last_seen, 1_700_000_000);
        assert_eq!(contacts[0].first_seen, None);
        assert_eq!(contacts[0].email, None);
        assert!(contacts[0].tags.is_empty());
    }

    #[test]
    fn not_json_and_not_contacts() {
        let error = read_contacts("[{\"id\": 1,}]").unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::syntax");
        assert_eq!(label(&error).0, 10);
        let error = read_contacts("{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2,\n").unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::syntax");
        for (text, found) in [
            ("", "nothing"),
            ("  \n", "nothing"),
            ("42", "the number 42"),
            ("{\"data\": 5}", "`data` holding the number 5"),
            ("\"abc\"", "the string \"abc\""),
        ] {
            let error = read_contacts(text).unwrap_err();
            assert_eq!(code(&error), "hcq::contacts::layout", "for {text:?}");
            assert_eq!(
                error.to_string(),
                format!("expected contacts, found {found}")
            );
        }
        let error = read_contacts("[{\"id\": 1, \"lastSeen\": 0}, [1]]").unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::not_an_object");
        assert_eq!(
            error.to_string(),
            "the contact at index 1 (line 1) is a list, not an object"
        );
        assert_eq!(label(&error), (27, 3));
    }

    #[test]
    fn records_of_an_api_response_are_located() {
        let text =
            "{\"total\": 2, \"data\": [\n {\"id\": 1, \"lastSeen\": 0},\n {\"id\": \"x\"}\n]}";
        let error = read_contacts(text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the contact at index 1 (line 3, id \"x\") has `id` \"x\", expected an integer"
        );
        assert_eq!(label(&error), (text.find("{\"id\": \"x\"").unwrap(), 11));
    }

    #[test]
    fn deep_json_is_an_error_not_an_overflow() {
        let text = format!("[{}{}]", "[".repeat(100_000), "]".repeat(100_000));
        let error = read_contacts(&text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::syntax");
    }

    #[test]
    fn select_keeps_the_order_of_the_file() {
        let contacts = read_contacts(EXPORT).expect("reads");
        let options = crate::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
        let query = crate::check("tag = Lead", &options).expect("checks");
        let ids: Vec<i64> = select(&query.expr, &contacts)
            .iter()
            .map(|c| c.id)
            .collect();
        assert!(!ids.is_empty());
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(select(&query.expr, &[]).is_empty());
    }
}
