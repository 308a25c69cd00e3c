//! Fewer, smaller AND-terms, by laws that hold whatever the API's string
//! comparison rules are (docs/SEMANTICS.md, "Rewriting laws"): `!=` and `!~` are
//! exact negations of `=` and `~`; Integer and Date fields are always
//! present, so their ranges can be intersected, joined and found empty; tag
//! tests of one term are one tags filter; Boolean laws hold. Nothing
//! assumes how two different strings compare.
//!
//! Within a term: duplicates go, ranges on one number field merge
//! (`id > 5 and id > 10` is `id > 10`; `id >= 10 and id <= 10` is `id = 10`;
//! `id != 7 and id > 10` is `id > 10`), tag tests merge into one filter, and a
//! term that cannot hold (`id > 10 and id < 5`, `x = a and x != a`) goes.
//!
//! Across terms: a term implied by another goes (`a or (a and b)` is `a`;
//! `id > 500 or id > 1000` is `id > 500`; `tags = [A, B] or tags = [A]` is
//! `tags = [A]`); a filter goes when another term covers where it fails
//! (`(a and b) or (a and not b)` is `a`, and `a or (not a and b)` is
//! `a or b`); ranges on one field join (`id > 5 or id <= 5` holds for every
//! contact).
//!
//! The work is split by job: `arena` holds every distinct filter once and
//! what the rules need to know about it; `intervals` is the arithmetic of
//! a number field's admitted values; `within` normalises one term;
//! `across` compares terms; `spare` keeps short lists between
//! simplifications on one thread (the arena keeps its own lists the same
//! way), so that a small query allocates few. The rules run in this order:
//! identical terms dropped, each remaining term normalised (a
//! contradiction drops it, an emptied term makes the whole expression
//! true), identical terms dropped again if normalising rewrote one, then
//! the rules across terms until none applies.

mod across;
mod arena;
mod intervals;
mod spare;
mod within;

use super::dnf::Term;
use super::{Log, Rule};
use crate::typed::Filter;
use across::{across, dedup_terms};
use arena::{Arena, Id};
use std::sync::Arc;

/// Most pairs of terms compared across terms. Past it the remaining terms
/// are kept as they are: still exact, perhaps not the fewest. It bounds the
/// time of the quadratic step for DNFs with thousands of distinct terms.
pub const MAX_PAIR_CHECKS: u64 = 2_000_000;

/// Simplifies `terms`, recording every rewrite in `log`.
///
/// Returns no terms when the expression can match nothing, and a single
/// term without filters when it matches everything. Terms and their filters
/// keep the order in which they first appear.
///
/// ```
/// use hcq::ast::{CompareOp, Span};
/// use hcq::lower::{Log, dnf::Term, simplify};
/// use hcq::schema::Schema;
/// use hcq::typed::{Filter, Literal};
/// use std::sync::Arc;
///
/// let id = Schema::CONTACTS.by_name("customers.id");
/// let f = |op, n| Arc::new(Filter { field: id, op, value: Literal::Integer(n), span: Span::default() });
/// // id > 500 or id > 1000
/// let terms = vec![
///     Term { filters: vec![f(CompareOp::Gt, 500)] },
///     Term { filters: vec![f(CompareOp::Gt, 1000)] },
/// ];
/// let out = simplify::simplify(terms, &mut Log::default());
/// assert_eq!(out.len(), 1);
/// assert_eq!(out[0].filters[0].value, Literal::Integer(500));
/// ```
#[cfg(test)]
pub fn simplify(terms: Vec<Term>, log: &mut Log) -> Vec<Term> {
    simplify_slice(&terms, log)
}

/// [`simplify`] on borrowed terms, so that a caller that keeps them
/// (`lower`'s trace does) need not clone every filter of every term.
pub(super) fn simplify_slice(terms: &[Term], log: &mut Log) -> Vec<Term> {
    let (arena, work) = simplified_ids(terms, log);
    work.into_iter()
        .map(|ids| {
            let filters = ids.iter().map(|&id| arena.filter(id).clone()).collect();
            spare::IDS.give(ids);
            Term { filters }
        })
        .collect()
}

/// [`simplify`] of terms the caller gives up (`lower` without a trace):
/// the simplified terms reuse their lists instead of allocating new ones.
pub(super) fn simplify_owned(terms: Vec<Term>, log: &mut Log) -> Vec<Term> {
    let (arena, work) = simplified_ids(&terms, log);
    // Often nothing applies (the typical query): the terms, filter for
    // filter the very ones given, are the answer as they are.
    let same = work.len() == terms.len()
        && work.iter().zip(&terms).all(|(ids, term)| {
            ids.len() == term.filters.len()
                && ids
                    .iter()
                    .zip(&term.filters)
                    .all(|(&id, filter)| Arc::ptr_eq(arena.filter(id), filter))
        });
    if same {
        work.into_iter().for_each(|ids| spare::IDS.give(ids));
        return terms;
    }
    let mut spare: Vec<Vec<Arc<Filter>>> = terms
        .into_iter()
        .map(|term| {
            let mut list = term.filters;
            list.clear();
            list
        })
        .collect();
    work.into_iter()
        .map(|ids| {
            let mut list = spare.pop().unwrap_or_default();
            list.extend(ids.iter().map(|&id| arena.filter(id).clone()));
            spare::IDS.give(ids);
            Term { filters: list }
        })
        .collect()
}

/// The simplified terms as ids into the returned arena.
fn simplified_ids(terms: &[Term], log: &mut Log) -> (Arena, Vec<Vec<Id>>) {
    let mut arena = Arena::with_capacity(terms.iter().map(|t| t.filters.len()).sum());
    let raw = arena.intern_terms(terms);

    // Identical terms (as sets of filters) need normalising only once.
    let raw = dedup_terms(&arena, raw, log);

    // Normalised in place: the list of terms is the one the result takes.
    let mut work = raw;
    let mut kept = 0;
    let mut rewritten = false;
    for at in 0..work.len() {
        let ids = std::mem::take(&mut work[at]);
        if let Some(normal) = arena.normalize_owned(ids, log) {
            if normal.is_empty() {
                always(&arena, arena.last_taken(), log);
                return (arena, vec![Vec::new()]);
            }
            rewritten |= normal != arena.last_taken();
            work[kept] = normal;
            kept += 1;
        }
    }
    work.truncate(kept);
    // Terms left as they were are still pairwise distinct: only a
    // rewritten one can now equal another.
    if rewritten {
        work = dedup_terms(&arena, work, log);
    }
    let work = across(&mut arena, work, log);
    (arena, work)
}

/// The single empty term: every contact matches.
fn always(arena: &Arena, before: &[Id], log: &mut Log) {
    log.record_parts(
        Rule::AlwaysTrue,
        || arena.spans(before),
        || "no condition is left in a term, so the expression holds for every contact".to_owned(),
    );
}
