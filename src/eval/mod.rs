//! The reference evaluator: the semantics of docs/SEMANTICS.md run locally, over contacts
//! shaped as the API returns them. Tests use it to check that a plan's
//! requests select exactly what the expression selects; `hcq eval` runs a
//! query over a file of contacts with [`answer()`], which computes the page
//! both ways and refuses to answer when they differ.
//!
//! The semantics (docs/SEMANTICS.md, "The reference evaluator"):
//!
//! - `~` and `!~` compare text case-insensitively; `=` and `!=` exactly;
//! - a missing text field is never equal to anything and never contains
//!   anything, so `!=` and `!~` hold for it: they are exact negations;
//! - Integer and Date fields (`id`, `lastSeen`) are always present;
//! - a tags filter matches a contact that carries every one of its names,
//!   compared exactly.
//!
//! Rows are sorted by the sort field in the given order, ties broken by
//! `id` ascending, as [`search`] assumes the API does.
//!
//! One job per file: `contact` is the contact as the API returns it,
//! `matching` whether one contact meets an expression or a request,
//! `paging` a request's sorted pages and a plan run with its merge,
//! `answer` the page `hcq eval` prints, computed both ways, `stream` the
//! same over contacts pushed one at a time (what `hcq eval` runs), and `validate`
//! whether a request is one the API accepts.

mod answer;
mod contact;
mod matching;
mod paging;
mod stream;
#[cfg(test)]
mod tests;
mod validate;

pub use answer::{AnswerError, answer, answer_with};
pub use contact::{Contact, Location, Tag};
pub use matching::{matches_expr, matches_request};
pub use paging::{page, run_plan, search};
pub use stream::Answering;
pub use validate::validate;
