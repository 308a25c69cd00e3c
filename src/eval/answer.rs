//! The page `hcq eval` prints: computed by the plan and by the expression,
//! and refused when they differ.

use super::contact::Contact;
use super::stream::Answering;
use crate::lower::PlanOptions;
use crate::plan::Plan;
use crate::typed;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// Why [`answer`] has no answer.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum AnswerError {
    /// The plan and the expression answer different contacts: a bug in
    /// hcq's lowering (or in this evaluator), never the user's.
    #[error(
        "internal error: the plan {what} {} where the expression {what} {}; \
         please report this with the expression",
        describe_rows(.by_plan),
        describe_rows(.by_expression)
    )]
    #[diagnostic(
        code(hcq::eval::disagreement),
        help(
            "this is a bug in hcq, not in the query: please report it at the project's \
             issue tracker with the expression and the contacts it was run over"
        )
    )]
    Disagreement {
        /// Which answers differ: `selects` (every match) or `answers` (the page).
        what: &'static str,
        /// The ids the plan gives, in its order.
        by_plan: Vec<i64>,
        /// The ids the expression gives, in its order.
        by_expression: Vec<i64>,
        /// The query.
        #[label("the plan of this query disagrees with it")]
        span: SourceSpan,
    },

    /// Two contacts with one id: answers are unions by id, so a page of
    /// them has no single right answer.
    #[error("the contacts at index {first} and {second} both have id {id}")]
    #[diagnostic(
        code(hcq::eval::duplicate_id),
        help(
            "HelpCrunch ids are unique: give each contact its own id \
             (`contacts::read_records` refuses repeated ids)"
        )
    )]
    DuplicateId {
        /// The id.
        id: i64,
        /// The first contact with it, as an index into the contacts.
        first: usize,
        /// The contact that repeats it.
        second: usize,
    },
}

/// `3 contacts (ids 1, 2, 3)`, at most ten ids written out: enough to
/// find the contacts in question, short enough for one line.
pub(super) fn describe_rows(ids: &[i64]) -> String {
    const SHOWN: usize = 10;
    if let [id] = ids {
        return format!("1 contact (id {id})");
    }
    if ids.is_empty() {
        return "no contacts".to_owned();
    }
    let mut list: Vec<String> = ids.iter().take(SHOWN).map(i64::to_string).collect();
    if ids.len() > SHOWN {
        list.push("…".to_owned());
    }
    format!("{} contacts (ids {})", ids.len(), list.join(", "))
}

/// The contacts `query` answers over `contacts`, as indexes into
/// `contacts` in the answer's order, computed twice and compared: once by
/// running `plan` as a client would ([`run_plan`](super::run_plan): each request paged
/// from its own offset, rows unioned by id, sorted by the merge's field
/// and order with ties by id, cut to the merge's page), and once from the
/// expression alone ([`matches_expr`](super::matches_expr) over every contact, then the query's
/// own sort and page, as [`page`](super::page) does). `plan` must be `query`'s plan,
/// lowered with no overrides of its clauses; [`answer_with`] takes them.
///
/// What the answer is depends on whether the query has page clauses:
///
/// - With any of `sort by`, `limit` or `offset`, it is exactly the page the
///   plan answers: clauses not written take the plan's defaults (sort by
///   [`DEFAULT_SORT`](crate::plan::DEFAULT_SORT) in [`DEFAULT_ORDER`](crate::plan::DEFAULT_ORDER), offset 0, and
///   [`DEFAULT_LIMIT`](crate::plan::DEFAULT_LIMIT) rows, the API's page;
///   `limit all` keeps every match, sorted, after the offset).
/// - With none, it is every contact the query matches, in the order of
///   `contacts`: offline there is no reason to stop at the API's first
///   page. The plan must then select exactly those contacts, and its
///   default page must still be the expression's.
///
/// Fails with [`AnswerError::Disagreement`] when the two computations
/// differ, which is a bug in hcq, and with [`AnswerError::DuplicateId`]
/// when two contacts share an id ([`crate::contacts::read_records`] never
/// returns such contacts).
///
/// ```
/// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
/// let compiled = hcq::compile_detailed("id > 1 sort by lastSeen asc limit 2", &options)?;
/// let contacts = hcq::contacts::read_contacts(r#"[
///     {"id": 1, "lastSeen": 10}, {"id": 2, "lastSeen": 30},
///     {"id": 3, "lastSeen": 20}, {"id": 4, "lastSeen": 40}
/// ]"#).unwrap();
/// let rows = hcq::eval::answer(&compiled.query, &compiled.lowered.plan, &contacts).unwrap();
/// assert_eq!(rows, [2, 1]); // ids 3 and 2
/// # Ok::<(), hcq::Error>(())
/// ```
///
/// # Errors
///
/// An [`AnswerError`] when the contacts repeat an id, or when the plan's
/// answer and the expression's disagree (a bug in hcq, reported with both).
///
/// Both computations keep only what the answer needs ([`Answering`]
/// pushes the contacts one at a time; this is it over a slice).
pub fn answer(
    query: &typed::Query,
    plan: &Plan,
    contacts: &[Contact],
) -> Result<Vec<usize>, AnswerError> {
    answer_with(query, &PlanOptions::default(), plan, contacts)
}

/// [`answer`] for a plan lowered with `overrides` of the query's clauses
/// ([`crate::Options::page`], the command line's `--limit`, say): an
/// override counts as a page clause.
///
/// # Errors
///
/// As [`answer`].
pub fn answer_with(
    query: &typed::Query,
    overrides: &PlanOptions,
    plan: &Plan,
    contacts: &[Contact],
) -> Result<Vec<usize>, AnswerError> {
    let mut answering = Answering::new(query, overrides, plan);
    for (index, contact) in contacts.iter().enumerate() {
        answering.push(contact, index)?;
    }
    answering.finish()
}
