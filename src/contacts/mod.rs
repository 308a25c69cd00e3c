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
//! printing, and [`read_export`] the warnings too; [`stream`] reads the
//! records one at a time, for memory that does not grow with the export
//! (what `hcq eval` uses); [`select`] runs an expression over the contacts.
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
//! Reading is linear in the text, also for an export written on one line:
//! the text is checked whole without building it (that it is JSON, then
//! keys written twice), and each record is then built and read on its own.
//!
//! One job per file: `layout` tells the layouts apart and finds the
//! records one at a time, `stream` reads them in order with their lines
//! and ids, `window` reads a good export from a reader without holding
//! its text (for `hcq eval` over a file; anything else is read whole), `records` reads one record strictly into a contact, `scan`
//! walks the text for positions and keys written twice, and `error`
//! holds the errors and warnings with the record they name.
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

mod error;
mod layout;
mod records;
mod scan;
mod stream;
#[cfg(test)]
mod tests;
// Only `hcq eval` reads a file through a window.
#[cfg(feature = "cli")]
pub(crate) mod window;

pub use error::{ContactsError, ContactsProblem, ContactsWarning, ContactsWarningKind, Record};
pub use stream::Stream;

use crate::eval::{self, Contact};
use crate::typed;
pub(crate) use layout::{bom_len, offset_of};
use miette::SourceSpan;

/// Reads contacts from `text` (see the [module docs](self) for the
/// layouts); diagnostics call the input `<contacts>`.
///
/// # Errors
///
/// A [`ContactsError`] naming the first record that is not a contact (a
/// missing `id`, a value of the wrong type, a duplicate id or key), with
/// its line and span, or text that is not one of the layouts.
pub fn read_contacts(text: &str) -> Result<Vec<Contact>, ContactsError> {
    read_contacts_named("<contacts>", text)
}

/// Reads contacts from `text`, naming it `name` (a path, say) in diagnostics.
///
/// # Errors
///
/// A [`ContactsError`] naming the first record that is not a contact (a
/// missing `id`, a value of the wrong type, a duplicate id or key), with
/// its line and span, or text that is not one of the layouts.
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
///
/// # Errors
///
/// As [`read_contacts`].
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
///
/// # Errors
///
/// As [`read_contacts`].
pub fn read_export<'t>(name: &str, text: &'t str) -> Result<Export<'t>, ContactsError> {
    let mut records = Vec::new();
    let mut stream = stream(name, text)?;
    for record in &mut stream {
        let (contact, range) = record?;
        records.push((contact, &text[range]));
    }
    let warnings = stream.warnings();
    Ok(Export { records, warnings })
}

/// Reads contacts from `text` one at a time, for memory that does not grow
/// with the export: each item is a contact and the byte range of `text`
/// its record is written at (for printing it as written, `customData` and
/// all). The layouts, the strictness and the errors are those of
/// [`read_export`], which collects this stream; the first error ends it.
///
/// Before the first record, the whole text is checked without building it
/// (that it is JSON, its layout, keys written twice outside the records),
/// so an error there comes from this function. Each record is then built,
/// checked and turned into a [`Contact`] as it is asked for. What the
/// stream keeps grows only with the ids it has read (an id set, 8 bytes or
/// so per contact, to refuse an id two records share); the first record
/// with a repeated id is found again by reading from the start.
///
/// ```
/// let text = "{\"data\": [{\"id\": 1, \"lastSeen\": 0}, {\"id\": 2, \"lastSeen\": 5}], \"total\": 3}";
/// let mut stream = hcq::contacts::stream("page.json", text)?;
/// let mut last_seen = 0;
/// for record in &mut stream {
///     let (contact, range) = record?;
///     assert!(text[range].starts_with("{\"id\""));
///     last_seen = last_seen.max(contact.last_seen);
/// }
/// assert_eq!(last_seen, 5);
/// // Known once the stream has ended.
/// assert_eq!(stream.warnings()[0].to_string(), "the export holds 2 of 3 contacts");
/// # Ok::<(), hcq::contacts::ContactsError>(())
/// ```
///
/// # Errors
///
/// A [`ContactsError`] for text that is not JSON, not one of the layouts,
/// or has a key written twice outside every record; each record's own
/// problems (as [`read_contacts`] lists them) come as the stream's items.
pub fn stream<'t>(name: &str, text: &'t str) -> Result<Stream<'t>, ContactsError> {
    stream::open(name, text)
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

fn range_span((start, end): Range) -> SourceSpan {
    (start, end - start).into()
}
