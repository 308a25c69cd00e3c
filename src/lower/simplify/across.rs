//! The rules across terms: a term equal to an earlier one goes, a term
//! implied by another goes, a filter goes where another term covers its
//! failure, ranges on one field join; each pair of terms compared through
//! a [`Profile`], until none applies.

use super::arena::{Arena, Id, IdMap, Kind, SCAN};
use super::intervals::NumSet;
use super::spare;
use super::{MAX_PAIR_CHECKS, always};
use crate::lower::{Log, Rule, show_filter};

/// Drops terms equal, as sets of filters, to an earlier one.
pub(super) fn dedup_terms(arena: &Arena, terms: Vec<Vec<Id>>, log: &mut Log) -> Vec<Vec<Id>> {
    if terms.len() < 2 {
        return terms;
    }
    if terms.len() <= SCAN {
        return dedup_few_terms(arena, terms, log);
    }
    let mut seen: IdMap<Vec<Id>, usize> =
        IdMap::with_capacity_and_hasher(terms.len(), Default::default());
    let mut out: Vec<Vec<Id>> = Vec::with_capacity(terms.len());
    for ids in terms {
        let mut key = ids.clone();
        key.sort_unstable();
        key.dedup();
        if let Some(&first) = seen.get(&key) {
            log_duplicate(arena, &ids, &out[first], log);
            continue;
        }
        seen.insert(key, out.len());
        out.push(ids);
    }
    out
}

/// [`dedup_terms`] for a few terms: each compared with every earlier one
/// kept, first by a mask of its ids modulo 64 (equal sets have equal
/// masks, so most unequal terms differ there), then, when the masks are
/// equal, as sorted lists.
fn dedup_few_terms(arena: &Arena, terms: Vec<Vec<Id>>, log: &mut Log) -> Vec<Vec<Id>> {
    // At most SCAN terms: arrays on the stack, not two lists on the heap.
    let mut masks = [0u64; SCAN];
    for (mask, ids) in masks.iter_mut().zip(&terms) {
        *mask = ids.iter().fold(0, |mask, &id| mask | 1 << (id % 64));
    }
    let mut kept = [0usize; SCAN];
    let mut kept_len = 0;
    for i in 0..terms.len() {
        let mut earlier = kept[..kept_len].iter().copied();
        match earlier.find(|&k| masks[k] == masks[i] && same_set(&terms[k], &terms[i])) {
            Some(first) => log_duplicate(arena, &terms[i], &terms[first], log),
            None => {
                kept[kept_len] = i;
                kept_len += 1;
            }
        }
    }
    if kept_len == terms.len() {
        return terms;
    }
    let mut terms: Vec<Option<Vec<Id>>> = terms.into_iter().map(Some).collect();
    kept[..kept_len]
        .iter()
        .filter_map(|&i| terms[i].take())
        .collect()
}

/// Whether `a` and `b` hold the same ids, each counted once.
fn same_set(a: &[Id], b: &[Id]) -> bool {
    let set = |ids: &[Id]| {
        let mut set = ids.to_vec();
        set.sort_unstable();
        set.dedup();
        set
    };
    set(a) == set(b)
}

fn log_duplicate(arena: &Arena, ids: &[Id], first: &[Id], log: &mut Log) {
    log.record_parts(
        Rule::DuplicateTerm,
        || arena.spans(ids),
        || format!("`{}` repeats `{}`", arena.show(ids), arena.show(first)),
    );
}

/// What a term requires, in a form that makes implication cheap to test.
/// Its lists go back to the thread's spare ones when it is dropped.
pub(super) struct Profile {
    /// One set per number field, by field name.
    numbers: Vec<NumSet>,
    /// [`Profile::plain`], then [`Profile::tags`]: one list, not two, for
    /// a profile is made for every term.
    ids: Vec<u32>,
    /// Where the tags start in `ids`.
    tags_from: usize,
    /// The filters of `plain` whose exact negation exists, with it: the
    /// only ones [`complement`] can use.
    negatable: Vec<(Id, Id)>,
    /// The filters cannot all hold.
    empty: bool,
}

impl Drop for Profile {
    fn drop(&mut self) {
        spare::IDS.give(std::mem::take(&mut self.ids));
        spare::NUMBERS.give(std::mem::take(&mut self.numbers));
    }
}

impl Profile {
    /// Text filters (and anything else compared by identity), sorted ids.
    fn plain(&self) -> &[Id] {
        &self.ids[..self.tags_from]
    }

    /// Tag names every contact must carry, sorted ids.
    fn tags(&self) -> &[u32] {
        &self.ids[self.tags_from..]
    }

    /// Whether every contact this profile admits is admitted by `other`.
    fn implies(&self, other: &Profile) -> bool {
        if self.empty {
            return true;
        }
        is_subset(other.plain(), self.plain())
            && is_subset(other.tags(), self.tags())
            && other.numbers.iter().all(|theirs| {
                match self
                    .numbers
                    .iter()
                    .find(|s| s.field.name == theirs.field.name)
                {
                    Some(ours) => ours.is_subset(theirs),
                    None => theirs.is_full(),
                }
            })
    }

    fn numbers_of(&self, field: &str) -> Option<&NumSet> {
        self.numbers.iter().find(|s| s.field.name == field)
    }
}

/// Whether sorted `small` is contained in sorted `big`. Stops at the first
/// element of `small` that `big` has passed without holding it, so two
/// large terms that differ early compare in a few steps.
fn is_subset<T: Ord>(small: &[T], big: &[T]) -> bool {
    if small.len() > big.len() {
        return false;
    }
    let mut big = big.iter();
    'small: for x in small {
        for y in big.by_ref() {
            match y.cmp(x) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => continue 'small,
                std::cmp::Ordering::Greater => return false,
            }
        }
        return false;
    }
    true
}

impl Arena {
    /// What a term requires, for comparing it with other terms. `keep`
    /// selects the filters to look at.
    fn profile(&self, ids: &[Id], keep: impl Fn(Id) -> bool) -> Profile {
        // One set per number field, narrowed as its filters come.
        let mut numbers: Vec<NumSet> = spare::NUMBERS.take();
        let mut plain = spare::IDS.take();
        for &id in ids.iter().filter(|&&id| keep(id)) {
            match self.kind(id) {
                Kind::Number { field, .. } => {
                    let at = match numbers.iter().position(|s| s.field.name == field.name) {
                        Some(at) => at,
                        None => {
                            numbers.push(NumSet::full(field));
                            numbers.len() - 1
                        }
                    };
                    numbers[at].add(self, id);
                }
                Kind::Tags { .. } => {}
                Kind::Plain { .. } => plain.push(id),
            }
        }
        plain.sort_unstable();
        plain.dedup();
        let tags_from = plain.len();
        for &id in ids.iter().filter(|&&id| keep(id)) {
            if let Kind::Tags { names } = self.kind(id) {
                plain.extend_from_slice(self.tag_ids(*names));
            }
        }
        plain[tags_from..].sort_unstable();
        // `dedup` of the tags alone: sorted, so each repeat follows its first.
        let mut end = tags_from;
        for at in tags_from..plain.len() {
            if end == tags_from || plain[at] != plain[end - 1] {
                plain[end] = plain[at];
                end += 1;
            }
        }
        plain.truncate(end);
        // Plain kinds get their negations while the terms are interned,
        // before any profile is made, so this list does not go stale.
        let mut negatable = Vec::new();
        for &id in &plain[..tags_from] {
            if let Kind::Plain {
                negation: Some(not),
            } = *self.kind(id)
            {
                negatable.push((id, not));
            }
        }
        // Each set normalised where it stands: a loop costs less than
        // collecting in place for the one or two sets a term has.
        let mut empty = false;
        let mut kept = 0;
        for at in 0..numbers.len() {
            let full = NumSet::full(numbers[at].field);
            let set = std::mem::replace(&mut numbers[at], full);
            match set.normalized(self) {
                Some(set) => {
                    numbers[kept] = set;
                    kept += 1;
                }
                None => empty = true,
            }
        }
        numbers.truncate(kept);
        numbers.sort_by_key(|set| set.field.name);
        Profile {
            numbers,
            ids: plain,
            tags_from,
            negatable,
            empty,
        }
    }
}

/// The rules that compare terms, applied until none applies (or
/// [`MAX_PAIR_CHECKS`] runs out). Terms keep their relative order.
pub(super) fn across(arena: &mut Arena, terms: Vec<Vec<Id>>, log: &mut Log) -> Vec<Vec<Id>> {
    // One term has no other to compare with: spare making its profile.
    if terms.len() < 2 {
        return terms;
    }
    let terms: Vec<Option<Vec<Id>>> = terms.into_iter().map(Some).collect();
    let mut profiles = spare::PROFILES.take();
    profiles.extend(
        terms
            .iter()
            .map(|t| arena.profile(t.as_deref().unwrap_or_default(), |_| true)),
    );
    let terms = across_profiled(arena, terms, &mut profiles, log);
    spare::PROFILES.give(profiles);
    terms
}

/// [`across`] of `terms` with their `profiles`.
fn across_profiled(
    arena: &mut Arena,
    mut terms: Vec<Option<Vec<Id>>>,
    profiles: &mut [Profile],
    log: &mut Log,
) -> Vec<Vec<Id>> {
    let mut budget = MAX_PAIR_CHECKS;
    let n = terms.len();
    'rounds: loop {
        let mut changed = false;
        for i in 0..n {
            for j in 0..n {
                if i == j || terms[i].is_none() || terms[j].is_none() {
                    continue;
                }
                if budget == 0 {
                    break 'rounds;
                }
                budget -= 1;
                let (Some(a), Some(b)) = (&terms[i], &terms[j]) else {
                    continue;
                };
                let step = pair(arena, a, &profiles[i], b, &profiles[j], log);
                match step {
                    Step::None => continue,
                    Step::DropB => terms[j] = None,
                    Step::ReplaceB(ids) => {
                        if ids.is_empty() {
                            return vec![always_ids(arena, terms[j].as_deref(), log)];
                        }
                        profiles[j] = arena.profile(&ids, |_| true);
                        terms[j] = Some(ids);
                    }
                    Step::Merge(ids) => {
                        let (keep, gone) = (i.min(j), i.max(j));
                        if ids.is_empty() {
                            return vec![always_ids(arena, terms[keep].as_deref(), log)];
                        }
                        profiles[keep] = arena.profile(&ids, |_| true);
                        terms[keep] = Some(ids);
                        terms[gone] = None;
                    }
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // In place: the list of terms is the one the result takes.
    terms.retain(Option::is_some);
    terms.into_iter().map(Option::unwrap_or_default).collect()
}

fn always_ids(arena: &Arena, before: Option<&[Id]>, log: &mut Log) -> Vec<Id> {
    always(arena, before.unwrap_or_default(), log);
    Vec::new()
}

/// What one comparison of terms `a` and `b` decided.
enum Step {
    /// Nothing applies.
    None,
    /// Drop `b`.
    DropB,
    /// Replace `b`'s filters.
    ReplaceB(Vec<Id>),
    /// Replace both terms by one, at the earlier one's place.
    Merge(Vec<Id>),
}

/// Compares term `a` with term `b`. Only `b` is rewritten, or both merge;
/// every pair is also visited the other way round. Visiting `i` before `j`
/// means that of two equivalent terms the later one goes.
fn pair(arena: &mut Arena, a: &[Id], pa: &Profile, b: &[Id], pb: &Profile, log: &mut Log) -> Step {
    // Absorption: `b` implies `a`, so `a or b` is `a`.
    if pb.implies(pa) {
        log.record_parts(
            Rule::SubsumedTerm,
            || arena.spans(b),
            || {
                format!(
                    "`{}` is covered by `{}` (`a or (a and b)` is `a`)",
                    arena.show(b),
                    arena.show(a)
                )
            },
        );
        return Step::DropB;
    }
    if let Some(step) = complement(arena, a, pa, b, pb, log) {
        return step;
    }
    union(arena, a, pa, b, pb, log).unwrap_or(Step::None)
}

/// `a = R and f`, `b` has `not f` and `b` without it implies `R`: where `f`
/// holds, `a` covers `b`'s contacts, so `b` needs no `not f`
/// (`(x and y) or (x and not y)` is `x`; `y or (not y and z)` is `y or z`).
fn complement(
    arena: &mut Arena,
    a: &[Id],
    pa: &Profile,
    b: &[Id],
    pb: &Profile,
    log: &mut Log,
) -> Option<Step> {
    for &(f, not_f) in &pa.negatable {
        if pb.plain().binary_search(&not_f).is_err() {
            continue;
        }
        let rest_b = arena.profile(b, |id| id != not_f);
        let rest_a = arena.profile(a, |id| id != f);
        if !rest_b.implies(&rest_a) {
            continue;
        }
        let kept: Vec<Id> = b.iter().copied().filter(|&id| id != not_f).collect();
        log.record(Rule::Complement, arena.filter(not_f).span, || {
            format!(
                "`{}` is dropped from `{}`: where it fails, `{}` matches instead",
                show_filter(arena.filter(not_f)),
                arena.show(b),
                arena.show(a)
            )
        });
        let kept = arena.normalize(&kept, log).unwrap_or(kept);
        return Some(Step::ReplaceB(kept));
    }
    None
}

/// `a = R and C1`, `b = S and C2`, with `C1`, `C2` the filters on one number
/// field and `S` implying `R`: `b` may admit `C1 ∪ C2` instead of `C2`,
/// since the extra contacts match `a`. When `S` and `R` are the same the two
/// terms become one (unless two single comparisons would become a term of
/// two, which costs a request); otherwise `b` is widened only if that takes
/// no more filters.
fn union(
    arena: &mut Arena,
    a: &[Id],
    pa: &Profile,
    b: &[Id],
    pb: &Profile,
    log: &mut Log,
) -> Option<Step> {
    for c1 in &pa.numbers {
        let field = c1.field.name;
        let Some(c2) = pb.numbers_of(field) else {
            continue;
        };
        let Some(joined) = c1.union(c2, arena) else {
            continue;
        };
        if joined.same_values(c2) {
            continue;
        }
        let rest_a = arena.profile(a, |id| arena.field_of(id) != field);
        let rest_b = arena.profile(b, |id| arena.field_of(id) != field);
        if !rest_b.implies(&rest_a) {
            continue;
        }
        let same_rest = rest_a.implies(&rest_b);
        if !same_rest && joined.filter_count() > c2.filter_count() {
            continue;
        }
        let new_filters = joined.to_filters(arena);
        let base = if same_rest { a } else { b };
        let rebuilt = replace_field(arena, base, field, &new_filters);
        let rebuilt = arena.normalize(&rebuilt, log).unwrap_or(rebuilt);
        // Two single comparisons share the OR request already; one term of
        // two filters would need a request of its own
        // (`id = 1 or id = 2` stays, rather than `id >= 1 and id <= 2`).
        if same_rest && a.len() == 1 && b.len() == 1 && rebuilt.len() > 1 {
            continue;
        }
        if same_rest {
            log.record_parts(
                Rule::RangeUnion,
                || [arena.spans(a), arena.spans(b)].concat(),
                || {
                    format!(
                        "`{}` or `{}` is `{}`",
                        arena.show(a),
                        arena.show(b),
                        arena.show(&rebuilt)
                    )
                },
            );
            return Some(Step::Merge(rebuilt));
        }
        log.record_parts(
            Rule::RangeUnion,
            || arena.spans(b),
            || {
                format!(
                    "`{}` widens to `{}`: the contacts it adds match `{}`",
                    arena.show(b),
                    arena.show(&rebuilt),
                    arena.show(a)
                )
            },
        );
        return Some(Step::ReplaceB(rebuilt));
    }
    None
}

/// `term` with its filters on `field` replaced by `filters`, placed where
/// the field first appeared.
fn replace_field(arena: &Arena, term: &[Id], field: &str, filters: &[Id]) -> Vec<Id> {
    let mut out = Vec::with_capacity(term.len() + filters.len());
    let mut placed = false;
    for &id in term {
        if arena.field_of(id) == field && matches!(arena.kind(id), Kind::Number { .. }) {
            if !placed {
                out.extend_from_slice(filters);
                placed = true;
            }
        } else {
            out.push(id);
        }
    }
    if !placed {
        out.extend_from_slice(filters);
    }
    out
}
