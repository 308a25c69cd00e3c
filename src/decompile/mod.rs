//! The reverse of `emit`: JSON request bodies, arrays of them, or plans,
//! turned into hcq text that means exactly what they ask.
//!
//! ```
//! let body = r#"{"comparison": "or", "filter": [
//!     {"field": "customers.countryCode", "operator": "=", "value": "UA"},
//!     {"field": "customers.countryCode", "operator": "=", "value": "PL"},
//!     {"field": "customers.tagsData", "operator": "=", "value": [{"name": "Lead"}]}
//! ], "sort": "customers.lastSeen", "order": "desc", "limit": 50}"#;
//! let query = hcq::decompile::decompile("body.json", body, hcq::decompile::Dates::Unix)?;
//! assert_eq!(
//!     hcq::format::query_to_string(&query),
//!     "countryCode in (UA, PL) or tag = Lead\nsort by lastSeen desc\nlimit 50\n"
//! );
//! # Ok::<(), hcq::Error>(())
//! ```
//!
//! What each input means:
//!
//! - **A request body**, as `POST /v1/customers/search` takes it: its
//!   filters joined by its `comparison` (absent means AND, any case), and
//!   its `sort`, `order`, `offset` and `limit` as trailing clauses where
//!   they differ from the defaults. A body without filters asks for every
//!   contact: `all`.
//! - **An array of bodies**: the union of their answers, as a caller that
//!   sends each and merges them by id gets. The bodies must share one page
//!   (sort, order, offset, limit); the union is cut to it.
//! - **A plan** as `hcq emit` prints it: the union of its requests, cut to
//!   the `merge`'s page (a merge without `limit` reads every row: `limit
//!   all`), or to its one request's page.
//!
//! Reading is strict, in the API's terms: a field the API does not have
//! (with "did you mean"), an operator its type does not take, a value of
//! the wrong type (a date as text, an id as a string: what the API might
//! coerce is not guessed), `!=` on tags, a `limit` over 100, a key that is
//! not the API's or is written twice, malformed JSON. Every problem is
//! reported at once, each pointing into the JSON.
//!
//! One job per file (`crate::json` reads JSON keeping positions): `read` checks it
//! into requests and a page, `write` turns those into the syntax tree, and
//! `error` says what is wrong.

mod error;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use error::DecompileError;

use crate::{Error, ast, format, json};

/// How timestamps are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dates {
    /// As the API sends them: UNIX seconds (`lastSeen >= 1717200000`).
    #[default]
    Unix,
    /// As dates (`2024-06-01`) at midnight UTC, else date-times in UTC
    /// (`2024-06-01T10:30:00Z`).
    Iso,
}

/// The query `text` (a request body, an array of bodies or a plan, in
/// JSON) asks for, as a syntax tree: print it with
/// [`format::query_to_string`], or wrap it as a segment with
/// [`segment_text`].
///
/// # Errors
///
/// An [`Error`] holding every problem of the input, each a
/// [`DecompileError`] whose span points into `text` (named `name`).
pub fn decompile(name: &str, text: &str, dates: Dates) -> Result<ast::Query, Error> {
    let mut problems = Vec::new();
    let asked = match json::read(text) {
        Ok(node) => read::read(&node, &mut problems),
        Err(malformed) => {
            let at = ast::Span::new(malformed.at, malformed.at);
            problems.push(
                DecompileError::new(error::code::JSON, at, "the input is not valid JSON", malformed.message)
                    .help("a request body is one JSON object; an array of bodies, or a plan, one JSON value"),
            );
            None
        }
    };
    match asked {
        Some(asked) => Ok(write::query(&asked, dates)),
        None => Err(Error::new(
            name,
            text,
            problems.into_iter().map(Into::into).collect(),
        )),
    }
}

/// `query` as a segment named `name`, in the canonical layout, ready to
/// append to a segment file.
pub fn segment_text(name: &str, query: &ast::Query) -> String {
    let segment = ast::Segment {
        name: ast::Ident {
            name: name.to_owned(),
            span: ast::Span::default(),
        },
        query: query.clone(),
        span: ast::Span::default(),
    };
    format::file_to_string(&ast::File {
        segments: vec![segment],
    })
}
