//! The last rewrite before packing: the fewest requests whose union is
//! still exactly the expression, by laws decided over the comparisons as
//! constrained atoms ([`model`]):
//!
//! 1. **contradiction by value**: a term that cannot hold under any string
//!    rule goes (`city = Kyiv and city = Lviv`), and a filter the rest of
//!    its term implies goes (`email ~ "fb.ann" and email ~ "fb."`);
//! 2. **complement**, generalised: a filter goes from a term when the other
//!    terms cover every contact where it fails
//!    (`city not in (Kyiv, Lviv) or (city in (Kyiv, Lviv) and tag = Lead)`
//!    leaves `tag = Lead`);
//! 3. **consensus** and **covered request**: a term goes when the union of
//!    the others covers it (`(a and c) or (not a and b) or (b and c)`
//!    drops `b and c`);
//! 4. **exact minimum**: with at most [`EXACT_ATOMS`] distinct comparisons,
//!    the fewest requests over those comparisons and their negations, by
//!    prime implicants and a bounded search over covers ([`exact`]); used
//!    only when it needs fewer requests than 1–3 left.
//!
//! Coverage is decided by a case split over the atoms of the terms
//! involved ([`split`]): a term is covered when no contact can satisfy it
//! and fail every other term. With at most [`table::WIDE_ATOMS`] atoms a
//! truth table ([`table`]) gives the same answers by subset tests, each
//! term's set worked out once. The whole pass has a [`BUDGET`] of steps; a
//! check that runs out answers "not covered", so the pass never drops
//! what it has not proved covered, and past the budget the terms stay as
//! they are.

mod exact;
mod model;
mod split;
mod table;

use super::dnf::Term;
use super::{Log, Rule, show_filters};
use crate::ast::{CompareOp, Span};
use crate::typed::{Filter, Literal};
use model::{Lit, Model, NumberHasher, atom_of, not};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use table::Table;

/// Most distinct comparisons for [`exact`]: 2⁸ = 256 assignments.
pub const EXACT_ATOMS: usize = 8;

/// Steps of the whole pass (a step is about one pair of literals
/// compared). Bounds its time on the largest expressions the caps allow
/// to a few milliseconds.
pub const BUDGET: u64 = 2_000_000;

/// Most terms the steps after contradiction by value look at; past it
/// the terms stay as they are (the plan is still exact).
pub const MAX_TERMS: usize = 1024;

/// Longest term whose filters are compared by value (each filter against
/// the rest: the cube of its length); longer terms are kept as they are.
const MAX_VALUE_TERM: usize = 16;

/// Rewrites simplified `terms` to fewer requests, recording each law in
/// `log`. No terms and a term without filters come back as they are.
pub(super) fn fewest(terms: Vec<Term>, log: &mut Log) -> Vec<Term> {
    if terms.iter().any(|t| t.filters.is_empty()) || plainly_fewest(&terms) {
        return terms;
    }
    let mut model = Model::default();
    // The DNF shares one `Arc` per filter of the source among its terms:
    // each is looked up by value once.
    let mut by_address: HashMap<usize, Lit, BuildHasherDefault<NumberHasher>> = HashMap::default();
    let lits: Vec<Vec<Lit>> = terms
        .iter()
        .map(|t| {
            (t.filters.iter())
                .map(|f| {
                    let address = Arc::as_ptr(f) as usize;
                    *by_address.entry(address).or_insert_with(|| model.intern(f))
                })
                .collect()
        })
        .collect();
    let mut cover = Cover {
        model,
        terms: lits.into_iter().map(Some).collect(),
        budget: BUDGET,
        changed: false,
        table: None,
        scratch: split::Scratch::default(),
    };
    cover.budget = BUDGET / 4;
    cover.by_value(log);
    // Past MAX_TERMS terms, comparing each with all others costs too much.
    let live = cover.terms.iter().flatten().count();
    if !(2..=MAX_TERMS).contains(&live) {
        return cover.finish(terms);
    }
    cover.table = Coverage::build(&cover.model, &cover.terms);
    // Terms that pack into one request gain no request, but the request
    // sheds the filters the others cover (`email ~ "fb.ann" or email ~
    // "fb."` asks `email ~ "fb."` only).
    if cover.cost() < 2 {
        cover.budget = BUDGET / 4;
        cover.irredundant(log);
        return cover.finish(terms);
    }
    // Dropping covered terms first makes the widening cheaper; the
    // widening may leave more covered. Each step has its share of the
    // budget, so that widening cannot starve the last step.
    cover.budget = BUDGET / 4;
    cover.irredundant(log);
    cover.budget += BUDGET / 2;
    cover.expand(log);
    cover.budget += BUDGET / 4;
    cover.irredundant(log);
    let before = cover.cost();
    if before >= 2 {
        let live: Vec<Vec<Lit>> = cover.terms.iter().flatten().cloned().collect();
        // The steps above may have dropped atoms: the table is made again
        // from the terms left, with the points between their bounds where
        // the table has room (`id < 1 or id > 1` is the one filter `id !=
        // 1`).
        let points = (cover.model).points_between(live.iter().flatten().copied(), EXACT_ATOMS);
        // When no atom went and none came, the coverage table is that
        // table already.
        let table = match cover.table.take() {
            Some(Coverage::Narrow(masks))
                if points.is_empty()
                    && masks.table.has_atoms_of(live.iter().map(Vec::as_slice)) =>
            {
                Some(masks.table)
            }
            _ => Table::build(
                &cover.model,
                live.iter()
                    .map(Vec::as_slice)
                    .chain(std::iter::once(points.as_slice())),
            ),
        };
        let best = table.and_then(|table| exact::minimum(&cover.model, &table, &live, before));
        if let Some(best) = best {
            let spans = live.iter().flatten().map(|&l| cover.model.span(l));
            let parts: Vec<Span> = spans.collect();
            log.record_parts(
                Rule::ExactMinimum,
                || parts,
                || {
                    format!(
                        "{} request{} at the fewest ({} before): no plan whose requests are \
                         AND- or OR-lists of these {} comparisons and their negations has fewer",
                        best.cost,
                        if best.cost == 1 { "" } else { "s" },
                        before,
                        best.atoms,
                    )
                },
            );
            cover.terms = best.cubes.into_iter().map(Some).collect();
            cover.changed = true;
        }
    }
    cover.finish(terms)
}

/// Whether `terms` are already the fewest requests, by a quick look that
/// spares the pass on most expressions people write (the typical one
/// among them): no two filters of a term on one field, every comparison
/// either asserted or denied throughout, and the comparisons on one field
/// all `=` on texts that surely differ, asserted (`countryCode in (UA,
/// PL)`), when there are several. Each such term's own contacts (its
/// comparisons true, all others false) can hold and no other term holds
/// for them, since absorption has gone; and no AND-list that holds for two
/// of them is within the expression (it would hold where the comparisons
/// that tell them apart are all false). So every term needs a request of
/// its own, or the OR request of single filters.
fn plainly_fewest(terms: &[Term]) -> bool {
    // At most 16 distinct filters are judged: a list on the stack.
    let mut seen_at: [Option<(&Filter, bool)>; 16] = [None; 16];
    let mut len = 0;
    for term in terms {
        for (i, f) in term.filters.iter().enumerate() {
            let same = |g: &Filter| std::ptr::eq(g.field, f.field) || g.field.name == f.field.name;
            if term.filters[..i].iter().any(|g| same(g)) {
                return false;
            }
            // The DNF shares one filter among the terms it came into: met
            // again, it was already judged against every other (the
            // judgements are symmetric).
            let seen = seen_at[..len].iter().flatten();
            if seen.clone().any(|&(g, _)| std::ptr::eq(g, &**f)) {
                continue;
            }
            let (op, denied) = match f.op {
                CompareOp::Ne | CompareOp::Le | CompareOp::Ge | CompareOp::NotContains => {
                    (f.op.negate(), true)
                }
                op => (op, false),
            };
            let mut known = false;
            for &(g, g_denied) in seen {
                if !same(g) {
                    continue;
                }
                let g_op = if g_denied { g.op.negate() } else { g.op };
                if g_op == op && g.value == f.value {
                    if g_denied != denied {
                        return false;
                    }
                    known = true;
                    continue;
                }
                let exclusive = match (&f.value, &g.value) {
                    (Literal::Text(a), Literal::Text(b)) => {
                        op == CompareOp::Eq
                            && g.op == CompareOp::Eq
                            && !denied
                            && !g_denied
                            && model::surely_differ(a, b)
                    }
                    _ => false,
                };
                if !exclusive {
                    return false;
                }
            }
            if !known {
                if len == seen_at.len() {
                    return false;
                }
                seen_at[len] = Some((f, denied));
                len += 1;
            }
        }
    }
    true
}

/// The terms as literals while the pass works; a dropped term is `None`.
struct Cover {
    model: Model,
    terms: Vec<Option<Vec<Lit>>>,
    budget: u64,
    changed: bool,
    /// The truth table, when there are few atoms: coverage is then a
    /// subset test instead of a case split.
    table: Option<Coverage>,
    /// The case split's buffers.
    scratch: split::Scratch,
}

/// A truth table that decides coverage: as the case split does, but by
/// a subset test ([`table`]).
enum Coverage {
    /// At most [`EXACT_ATOMS`] atoms.
    Narrow(Masks<4>),
    /// At most [`table::WIDE_ATOMS`].
    Wide(Box<Masks<{ table::WIDE_WORDS }>>),
}

/// A table and each term's minterms, worked out when first asked for.
struct Masks<const W: usize> {
    table: Table<W>,
    /// By the term's place; `None` until asked for, and after the term
    /// changes ([`Coverage::forget`]).
    terms: Vec<Option<table::Bits<W>>>,
}

impl<const W: usize> Masks<W> {
    fn new(table: Table<W>, terms: usize) -> Masks<W> {
        Masks {
            table,
            terms: vec![None; terms],
        }
    }

    fn covered(&mut self, terms: &[Option<Vec<Lit>>], skip: usize, fixed: &[Lit]) -> bool {
        let mut left = self.table.term(fixed);
        if table::empty(&left) {
            return true;
        }
        for (j, term) in terms.iter().enumerate() {
            let Some(term) = term.as_deref().filter(|_| j != skip) else {
                continue;
            };
            let table = &self.table;
            let mask = self.terms[j].get_or_insert_with(|| table.term(term));
            if !table::take(&mut left, mask) {
                return true;
            }
        }
        false
    }
}

impl Coverage {
    /// The table of the atoms of `terms`, when they are few enough.
    fn build(model: &Model, terms: &[Option<Vec<Lit>>]) -> Option<Coverage> {
        let all = || terms.iter().flatten().map(Vec::as_slice);
        match Table::build(model, all()) {
            Some(table) => Some(Coverage::Narrow(Masks::new(table, terms.len()))),
            None => Table::build(model, all())
                .map(|table| Coverage::Wide(Box::new(Masks::new(table, terms.len())))),
        }
    }

    /// Whether every contact satisfying `fixed` satisfies one of `terms`
    /// other than the `skip`th.
    fn covered(&mut self, terms: &[Option<Vec<Lit>>], skip: usize, fixed: &[Lit]) -> bool {
        match self {
            Coverage::Narrow(masks) => masks.covered(terms, skip, fixed),
            Coverage::Wide(masks) => masks.covered(terms, skip, fixed),
        }
    }

    /// Forgets the minterms of the `i`th term, which has changed.
    fn forget(&mut self, i: usize) {
        match self {
            Coverage::Narrow(masks) => masks.terms[i] = None,
            Coverage::Wide(masks) => masks.terms[i] = None,
        }
    }
}

/// The requests `terms` pack into: one for every term of several filters,
/// one for all single filters together.
fn cost_of<'a>(model: &Model, terms: impl Iterator<Item = &'a Vec<Lit>>) -> usize {
    let (mut singles, mut others) = (0, 0);
    for t in terms {
        if single(model, t) {
            singles += 1;
        } else {
            others += 1;
        }
    }
    others + usize::from(singles > 0)
}

/// Whether a term is one filter: one comparison, or tags tests only (one
/// `tagsData` filter holds them all).
fn single(model: &Model, lits: &[Lit]) -> bool {
    lits.len() == 1 || lits.iter().all(|&l| model.is_tags(l))
}

impl Cover {
    /// The plan's terms: `terms` as they came when nothing changed.
    fn finish(&self, terms: Vec<Term>) -> Vec<Term> {
        if !self.changed {
            return terms;
        }
        self.terms
            .iter()
            .flatten()
            .map(|lits| self.term(lits))
            .collect()
    }

    fn cost(&self) -> usize {
        cost_of(&self.model, self.terms.iter().flatten())
    }

    /// Replaces the `i`th term (`None` drops it).
    fn set(&mut self, i: usize, term: Option<Vec<Lit>>) {
        self.terms[i] = term;
        if let Some(table) = &mut self.table {
            table.forget(i);
        }
    }

    fn show(&self, lits: &[Lit]) -> String {
        let filters: Vec<Arc<Filter>> = lits.iter().map(|&l| self.model.filter(l)).collect();
        show_filters(filters.iter().map(|f| &**f))
    }

    fn spans(&self, lits: &[Lit]) -> Vec<Span> {
        lits.iter().map(|&l| self.model.span(l)).collect()
    }

    /// A term of the plan for `lits`: asserted tags tests merged into one
    /// filter, at the place of the first.
    fn term(&self, lits: &[Lit]) -> Term {
        let mut filters: Vec<Arc<Filter>> = Vec::with_capacity(lits.len());
        let mut tags: Option<(usize, Vec<String>, Span, usize)> = None;
        for &l in lits {
            let filter = self.model.filter(l);
            if !self.model.is_tags(l) {
                filters.push(filter);
                continue;
            }
            let Literal::Tags(names) = &filter.value else {
                continue;
            };
            match &mut tags {
                None => {
                    tags = Some((filters.len(), names.clone(), filter.span, 1));
                    filters.push(filter);
                }
                Some((_, all, span, count)) => {
                    for name in names {
                        if !all.contains(name) {
                            all.push(name.clone());
                        }
                    }
                    *span = span.to(filter.span);
                    *count += 1;
                }
            }
        }
        if let Some((at, names, span, count)) = tags {
            if count > 1 {
                let first = filters[at].clone();
                filters[at] = Arc::new(Filter {
                    field: first.field,
                    op: first.op,
                    value: Literal::Tags(names),
                    span,
                });
            }
        }
        Term { filters }
    }

    /// Contradictions by value: terms that cannot hold go; filters their
    /// term implies go.
    fn by_value(&mut self, log: &mut Log) {
        for i in 0..self.terms.len() {
            let Some(lits) = self.terms[i].clone() else {
                continue;
            };
            let cost = (lits.len() as u64).pow(2);
            if self.budget < cost {
                return;
            }
            self.budget -= cost;
            if !(2..=MAX_VALUE_TERM).contains(&lits.len()) || !self.has_text_pair(&lits) {
                continue;
            }
            if !self.model.consistent(&lits) {
                log.record_parts(
                    Rule::ValueContradiction,
                    || self.spans(&lits),
                    || {
                        format!(
                            "no contact satisfies `{}`, whether the API compares text with \
                             case or without, so the term is dropped",
                            self.show(&lits)
                        )
                    },
                );
                self.set(i, None);
                self.changed = true;
                continue;
            }
            let mut kept = lits.clone();
            let mut at = 0;
            while at < kept.len() {
                let l = kept[at];
                let mut test: Vec<Lit> = kept.iter().copied().filter(|&k| k != l).collect();
                test.push(not(l));
                if !self.model.consistent(&test) {
                    test.pop();
                    log.record(Rule::ImpliedFilter, self.model.span(l), || {
                        format!(
                            "`{}` is implied by `{}`, whether the API compares text with \
                             case or without",
                            self.show(&[l]),
                            self.show(&test)
                        )
                    });
                    kept = test;
                    self.changed = true;
                } else {
                    at += 1;
                }
            }
            self.set(i, Some(kept));
        }
    }

    /// Whether two literals of `lits` are text on one field (the only
    /// place a contradiction or implication by value is left to find after
    /// `simplify`).
    fn has_text_pair(&self, lits: &[Lit]) -> bool {
        let field = |l: Lit| self.model.atoms[atom_of(l)].field;
        lits.iter().enumerate().any(|(i, &a)| {
            field(a).ty == crate::schema::FieldType::String
                && lits[i + 1..]
                    .iter()
                    .any(|&b| field(b).name == field(a).name)
        })
    }

    /// Drops each filter of a term of several whose failure the other terms
    /// cover: the term then holds more contacts, all of which the
    /// expression selects.
    fn expand(&mut self, log: &mut Log) {
        for i in 0..self.terms.len() {
            if self.budget == 0 {
                return;
            }
            let Some(mut lits) = self.terms[i].clone() else {
                continue;
            };
            let mut dropped = false;
            let mut at = 0;
            while lits.len() > 1 && at < lits.len() {
                let l = lits[at];
                // Only another term's different filter on `l`'s field can
                // cover what `l` excludes: without one, the other terms
                // would cover the whole term, which the last step did not
                // find.
                let cost = self.terms.len() as u64;
                if self.budget < cost {
                    self.budget = 0;
                    return;
                }
                self.budget -= cost;
                let differs =
                    |t: &Vec<Lit>| t.iter().any(|&k| k != l && self.model.same_field(k, l));
                let related = (self.terms.iter().enumerate())
                    .any(|(j, t)| j != i && t.as_ref().is_some_and(differs));
                if !related {
                    at += 1;
                    continue;
                }
                let mut test: Vec<Lit> = lits.iter().copied().filter(|&k| k != l).collect();
                test.push(not(l));
                if self.covered_except(i, &test) {
                    test.pop();
                    let before = lits.clone();
                    log.record(Rule::Complement, self.model.span(l), || {
                        format!(
                            "`{}` is dropped from `{}`: where it fails, the other terms match",
                            self.show(&[l]),
                            self.show(&before),
                        )
                    });
                    lits = test;
                    dropped = true;
                    self.changed = true;
                } else {
                    at += 1;
                }
            }
            if dropped {
                self.set(i, Some(lits));
            }
        }
    }

    /// Drops every term the union of the others covers: terms of several
    /// filters first (each is a request of its own), longest and latest
    /// first.
    fn irredundant(&mut self, log: &mut Log) {
        let mut order: Vec<usize> = (0..self.terms.len())
            .filter(|&i| self.terms[i].is_some())
            .collect();
        let key = |c: &Cover, i: usize| {
            let lits = c.terms[i].as_deref().unwrap_or_default();
            (
                single(&c.model, lits),
                std::cmp::Reverse(lits.len()),
                std::cmp::Reverse(i),
            )
        };
        order.sort_by_key(|&i| key(self, i));
        for i in order {
            let Some(lits) = self.terms[i].clone() else {
                continue;
            };
            let live = self.terms.len() as u64;
            if self.budget < live {
                self.budget = 0;
                return;
            }
            self.budget -= live;
            let same = |t: &Vec<Lit>| t.len() == lits.len() && t.iter().all(|l| lits.contains(l));
            let twin =
                (0..self.terms.len()).find(|&j| j != i && self.terms[j].as_ref().is_some_and(same));
            if let Some(j) = twin {
                log.record_parts(
                    Rule::DuplicateTerm,
                    || self.spans(&lits),
                    || {
                        let first = self.terms[j].as_deref().unwrap_or_default();
                        format!("`{}` repeats `{}`", self.show(&lits), self.show(first))
                    },
                );
                self.set(i, None);
                self.changed = true;
                continue;
            }
            if !self.covered_except(i, &lits) {
                continue;
            }
            // Which terms cover it, for the message only: not worked out
            // when nothing is recorded.
            let by: Vec<Vec<Lit>> = if log.disabled {
                Vec::new()
            } else {
                self.terms
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .filter_map(|(_, t)| t.clone())
                    .filter(|t| {
                        let both: Vec<Lit> = lits.iter().chain(t).copied().collect();
                        self.model.consistent(&both)
                    })
                    .collect()
            };
            let rule = match by.len() {
                0 | 1 => Rule::SubsumedTerm,
                2 => Rule::Consensus,
                _ => Rule::CoveredRequest,
            };
            log.record_parts(
                rule,
                || self.spans(&lits),
                || {
                    let others: Vec<String> =
                        by.iter().map(|t| format!("`{}`", self.show(t))).collect();
                    match rule {
                        Rule::Consensus => format!(
                            "`{}` is covered by {}: every contact it holds for satisfies one \
                             of them",
                            self.show(&lits),
                            others.join(" or ")
                        ),
                        _ if by.is_empty() => format!(
                            "`{}` cannot hold beside the other terms' values",
                            self.show(&lits)
                        ),
                        _ => format!(
                            "`{}` is covered by the union of {}",
                            self.show(&lits),
                            others.join(", ")
                        ),
                    }
                },
            );
            self.set(i, None);
            self.changed = true;
        }
    }

    /// Whether every contact satisfying `fixed` satisfies a term other than
    /// the `skip`th.
    fn covered_except(&mut self, skip: usize, fixed: &[Lit]) -> bool {
        let live = self.terms.len() as u64;
        if self.budget < live {
            self.budget = 0;
            return false;
        }
        self.budget -= live;
        if let Some(table) = &mut self.table {
            return table.covered(&self.terms, skip, fixed);
        }
        let mut budget = self.budget;
        let covered = split::covered(
            &self.model,
            &mut self.scratch,
            fixed,
            &self.terms,
            Some(skip),
            &mut budget,
        );
        self.budget = budget;
        covered
    }
}
