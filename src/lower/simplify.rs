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

use super::dnf::Term;
use super::{Log, Rule, show_filter, show_filters};
use crate::ast::{CompareOp, Span};
use crate::schema::{Field, FieldType};
use crate::typed::{Filter, Literal};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
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
pub fn simplify(terms: Vec<Term>, log: &mut Log) -> Vec<Term> {
    simplify_slice(&terms, log)
}

/// [`simplify`] on borrowed terms, so that a caller that keeps them
/// (`lower`'s trace does) need not clone every filter of every term.
pub(super) fn simplify_slice(terms: &[Term], log: &mut Log) -> Vec<Term> {
    let mut arena = Arena::with_capacity(terms.iter().map(|t| t.filters.len()).sum());
    let raw: Vec<Vec<Id>> = terms
        .iter()
        .map(|term| term.filters.iter().map(|f| arena.intern(f)).collect())
        .collect();

    // Identical terms (as sets of filters) need normalising only once.
    let raw = dedup_terms(&arena, raw, log);

    let mut work = Vec::with_capacity(raw.len());
    for ids in raw {
        if let Some(normal) = arena.normalize(&ids, log) {
            if normal.is_empty() {
                return always(&arena, &ids, log);
            }
            work.push(normal);
        }
    }
    let work = dedup_terms(&arena, work, log);
    let work = across(&mut arena, work, log);
    work.into_iter()
        .map(|ids| Term {
            filters: ids.iter().map(|&id| arena.filter(id).clone()).collect(),
        })
        .collect()
}

/// The single empty term: every contact matches.
fn always(arena: &Arena, before: &[Id], log: &mut Log) -> Vec<Term> {
    log.record_parts(
        Rule::AlwaysTrue,
        || arena.spans(before),
        || "no condition is left in a term, so the expression holds for every contact".to_owned(),
    );
    vec![Term {
        filters: Vec::new(),
    }]
}

/// Drops terms equal, as sets of filters, to an earlier one.
fn dedup_terms(arena: &Arena, terms: Vec<Vec<Id>>, log: &mut Log) -> Vec<Vec<Id>> {
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
    let masks: Vec<u64> = terms
        .iter()
        .map(|ids| ids.iter().fold(0, |mask, &id| mask | 1 << (id % 64)))
        .collect();
    let mut kept: Vec<usize> = Vec::with_capacity(terms.len());
    for i in 0..terms.len() {
        let mut earlier = kept.iter().copied();
        match earlier.find(|&k| masks[k] == masks[i] && same_set(&terms[k], &terms[i])) {
            Some(first) => log_duplicate(arena, &terms[i], &terms[first], log),
            None => kept.push(i),
        }
    }
    if kept.len() == terms.len() {
        return terms;
    }
    let mut terms: Vec<Option<Vec<Id>>> = terms.into_iter().map(Some).collect();
    kept.iter().filter_map(|&i| terms[i].take()).collect()
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

/// The address of a filter, which identifies it while it lives.
fn address(filter: &Arc<Filter>) -> usize {
    Arc::as_ptr(filter) as usize
}

/// An index into the [`Arena`].
type Id = u32;

/// A map keyed by ids, id lists or pointers: numbers this module makes, not
/// the user's text, so they need no protection from chosen collisions and
/// can skip SipHash, which took a quarter of the time of simplifying.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Multiply-rotate hashing of whole words (the scheme of rustc's FxHasher).
#[derive(Default)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Up to this many entries, the arena finds a filter (and [`dedup_terms`]
/// a term) by scanning a list: cheaper than hashing, and than making the
/// maps, for the few filters and terms of a typical query. Past it, maps.
const SCAN: usize = 16;

/// Keeps `map` an index of a list that has just grown to `len` entries:
/// empty while the list is scanned (up to [`SCAN`] entries), filled with
/// `all` its entries when it passes that, then given each `newest` one.
fn index_past_scan<K: Eq + Hash, V, S: BuildHasher, I: Iterator<Item = (K, V)>>(
    map: &mut HashMap<K, V, S>,
    len: usize,
    all: impl FnOnce() -> I,
    newest: impl FnOnce() -> (K, V),
) {
    match len {
        n if n <= SCAN => {}
        n if n == SCAN + 1 => map.extend(all()),
        _ => {
            let (key, value) = newest();
            map.insert(key, value);
        }
    }
}

/// Every distinct filter once, so that terms are lists of small ids and
/// filters compare by id: a long value repeated in a thousand terms is
/// hashed once, not a thousand times.
///
/// The terms' own filters are first looked up by address: they are
/// borrowed for `'t`, the arena's whole life, so an address cannot be
/// reused for another filter meanwhile.
#[derive(Default)]
struct Arena<'t> {
    filters: Vec<Arc<Filter>>,
    kinds: Vec<Kind>,
    /// Each of the terms' filters already seen, with its id.
    seen_arcs: Vec<(&'t Arc<Filter>, Id)>,
    /// `seen_arcs` by address, once it is longer than [`SCAN`] (empty
    /// before).
    by_ptr: IdMap<usize, Id>,
    /// `filters` by value, once there are more than [`SCAN`] (empty before).
    by_value: HashMap<ByValue, Id>,
    tag_names: HashMap<String, u32>,
    /// Buffers for [`Arena::normalize`].
    scratch: Scratch,
}

/// Buffers [`Arena::normalize`] reuses from term to term, sparing a few
/// allocations per term.
#[derive(Default)]
struct Scratch {
    seen: Seen,
    /// Where each kept filter, number field and the tags go in the term.
    slots: Vec<Slot>,
    /// The filters of each number field, in the first `fields` entries; the
    /// entries past them are spare, kept for their room.
    groups: Vec<(&'static Field, Vec<Id>)>,
    fields: usize,
    /// The tag tests.
    tags: Vec<Id>,
}

/// One place in a normalised term (see [`Scratch::slots`]).
enum Slot {
    Keep(Id),
    /// The filters of `groups[i]`.
    Numbers(usize),
    Tags,
}

/// A filter as a key of [`Arena::by_value`]: equal when the filters are
/// (spans aside, as `Filter`'s own equality has it), but hashed by the
/// field's name instead of the whole `Field` with its aliases, which made
/// interning a quarter of the time of lowering a small query.
struct ByValue(Arc<Filter>);

impl PartialEq for ByValue {
    fn eq(&self, other: &ByValue) -> bool {
        *self.0 == *other.0
    }
}

impl Eq for ByValue {}

impl Hash for ByValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal filters have equal fields, so equal field names.
        self.0.field.name.hash(state);
        self.0.op.hash(state);
        self.0.value.hash(state);
    }
}

/// A set of ids as bits, emptied by clearing only the ids put in, so that
/// a term costs its own length however many filters the arena holds.
#[derive(Default)]
struct Seen(Vec<u64>);

impl Seen {
    /// Room for ids below `n`.
    fn grow(&mut self, n: usize) {
        let words = n.div_ceil(64);
        if self.0.len() < words {
            self.0.resize(words, 0);
        }
    }

    /// Adds `id`; false if it was there.
    fn insert(&mut self, id: Id) -> bool {
        let (word, bit) = (id as usize / 64, 1 << (id % 64));
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }

    fn contains(&self, id: Id) -> bool {
        self.0[id as usize / 64] & (1 << (id % 64)) != 0
    }

    /// Empties the set, which holds no id outside `ids`.
    fn clear(&mut self, ids: &[Id]) {
        for &id in ids {
            self.0[id as usize / 64] &= !(1 << (id % 64));
        }
    }
}

/// What the rules need to know about one filter.
enum Kind {
    /// A comparison on an Integer or Date field.
    Number {
        field: &'static Field,
        op: CompareOp,
        value: i64,
    },
    /// A tags test; names as sorted, distinct ids.
    Tags { names: Vec<u32> },
    /// Anything else (text comparisons): equal only to itself, with its
    /// exact negation if that filter exists too.
    Plain { negation: Option<Id> },
}

impl<'t> Arena<'t> {
    /// An arena for terms holding `occurrences` filters in all, sized so
    /// that a small query's lists never grow; a large one's distinct
    /// filters are far fewer than its occurrences, so the room is capped.
    fn with_capacity(occurrences: usize) -> Arena<'t> {
        let n = occurrences.min(256);
        Arena {
            filters: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            seen_arcs: Vec::with_capacity(n),
            ..Arena::default()
        }
    }

    /// The id of one of the terms' filters.
    fn intern(&mut self, filter: &'t Arc<Filter>) -> Id {
        let known = if self.seen_arcs.len() <= SCAN {
            let mut seen = self.seen_arcs.iter();
            seen.find(|(f, _)| Arc::ptr_eq(f, filter))
                .map(|&(_, id)| id)
        } else {
            self.by_ptr.get(&address(filter)).copied()
        };
        if let Some(id) = known {
            return id;
        }
        let id = match self.find(filter) {
            Some(id) => id,
            None => self.insert(filter.clone()),
        };
        self.seen_arcs.push((filter, id));
        index_past_scan(
            &mut self.by_ptr,
            self.seen_arcs.len(),
            || self.seen_arcs.iter().map(|&(f, id)| (address(f), id)),
            || (address(filter), id),
        );
        id
    }

    /// The id of a filter the rules made.
    fn intern_new(&mut self, filter: Filter) -> Id {
        let filter = Arc::new(filter);
        match self.find(&filter) {
            Some(id) => id,
            None => self.insert(filter),
        }
    }

    /// The id of a filter equal to `filter` (spans aside), if any.
    fn find(&self, filter: &Arc<Filter>) -> Option<Id> {
        if self.filters.len() <= SCAN {
            let at = self.filters.iter().position(|f| **f == **filter)?;
            return Some(at as Id);
        }
        self.by_value.get(&ByValue(filter.clone())).copied()
    }

    /// The id of the exact negation of `filter` (`!=` for `=`, `!~` for
    /// `~`), if any.
    fn find_negation(&self, filter: &Filter) -> Option<Id> {
        let op = filter.op.negate();
        if self.filters.len() <= SCAN {
            let at = self.filters.iter().position(|f| {
                f.op == op
                    && (std::ptr::eq(f.field, filter.field) || f.field == filter.field)
                    && f.value == filter.value
            })?;
            return Some(at as Id);
        }
        let mut negated = filter.clone();
        negated.op = op;
        self.find(&Arc::new(negated))
    }

    fn insert(&mut self, filter: Arc<Filter>) -> Id {
        let id = Id::try_from(self.filters.len()).expect("filters are bounded far below u32::MAX");
        let kind = match (&filter.value, filter.field.ty, filter.op) {
            (
                Literal::Integer(n) | Literal::Timestamp(n),
                FieldType::Integer | FieldType::Date,
                op,
            ) if FieldType::Integer.allows(op) => Kind::Number {
                field: filter.field,
                op,
                value: *n,
            },
            (Literal::Tags(names), FieldType::Tags, CompareOp::Eq) => {
                let mut ids: Vec<u32> = names.iter().map(|n| self.tag_name(n)).collect();
                ids.sort_unstable();
                ids.dedup();
                Kind::Tags { names: ids }
            }
            _ => {
                let negation = self.find_negation(&filter);
                if let Some(other) = negation {
                    if let Kind::Plain { negation } = &mut self.kinds[other as usize] {
                        *negation = Some(id);
                    }
                }
                Kind::Plain { negation }
            }
        };
        self.filters.push(filter);
        self.kinds.push(kind);
        index_past_scan(
            &mut self.by_value,
            self.filters.len(),
            || {
                let all = self.filters.iter().enumerate();
                all.map(|(id, f)| (ByValue(f.clone()), id as Id))
            },
            || (ByValue(self.filters[id as usize].clone()), id),
        );
        id
    }

    fn tag_name(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.tag_names.get(name) {
            return id;
        }
        let id = self.tag_names.len() as u32;
        self.tag_names.insert(name.to_owned(), id);
        id
    }

    fn filter(&self, id: Id) -> &Arc<Filter> {
        &self.filters[id as usize]
    }

    fn kind(&self, id: Id) -> &Kind {
        &self.kinds[id as usize]
    }

    fn show(&self, ids: &[Id]) -> String {
        show_filters(ids.iter().map(|&id| &**self.filter(id)))
    }

    /// The span of each filter, for quoting them one by one.
    fn spans(&self, ids: &[Id]) -> Vec<Span> {
        ids.iter().map(|&id| self.filter(id).span).collect()
    }

    fn span(&self, ids: &[Id]) -> Span {
        let mut spans = ids.iter().map(|&id| self.filter(id).span);
        let first = spans.next().unwrap_or_default();
        spans.fold(first, Span::to)
    }

    /// One term on its own: duplicates dropped, ranges merged, tags merged.
    /// `None` when the term cannot hold. Numbers of one field come out where
    /// the field first appears, as lower bound, upper bound (or one `=`),
    /// then `!=` in ascending order; tags where the first tag test was.
    fn normalize(&mut self, ids: &[Id], log: &mut Log) -> Option<Vec<Id>> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.seen.grow(self.filters.len());
        let normal = self.normalize_with(ids, log, &mut scratch);
        scratch.seen.clear(ids);
        self.scratch = scratch;
        normal
    }

    /// [`Arena::normalize`], with `scratch.seen` clear on entry.
    fn normalize_with(
        &mut self,
        ids: &[Id],
        log: &mut Log,
        scratch: &mut Scratch,
    ) -> Option<Vec<Id>> {
        let Scratch {
            seen,
            slots,
            groups,
            fields,
            tags,
        } = scratch;
        slots.clear();
        *fields = 0;
        tags.clear();
        for &id in ids {
            if !seen.insert(id) {
                log.record(Rule::DuplicateFilter, self.filter(id).span, || {
                    format!(
                        "`{}` is written twice in one term",
                        show_filter(self.filter(id))
                    )
                });
                continue;
            }
            match self.kind(id) {
                Kind::Number { field, .. } => {
                    let used = &mut groups[..*fields];
                    match used.iter_mut().find(|(f, _)| f.name == field.name) {
                        Some((_, group)) => group.push(id),
                        None => {
                            slots.push(Slot::Numbers(*fields));
                            match groups.get_mut(*fields) {
                                Some((f, group)) => {
                                    *f = field;
                                    group.clear();
                                    group.push(id);
                                }
                                None => groups.push((field, vec![id])),
                            }
                            *fields += 1;
                        }
                    }
                }
                Kind::Tags { .. } => {
                    if tags.is_empty() {
                        slots.push(Slot::Tags);
                    }
                    tags.push(id);
                }
                Kind::Plain { negation } => {
                    if let Some(negation) = negation.filter(|&n| seen.contains(n)) {
                        log.record_parts(
                            Rule::Contradiction,
                            || self.spans(ids),
                            || {
                                format!(
                                    "`{}` and `{}` cannot both hold, so the term `{}` is dropped",
                                    show_filter(self.filter(negation)),
                                    show_filter(self.filter(id)),
                                    self.show(ids)
                                )
                            },
                        );
                        return None;
                    }
                    slots.push(Slot::Keep(id));
                }
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for slot in slots.iter() {
            match *slot {
                Slot::Keep(id) => out.push(id),
                Slot::Tags => out.push(self.merge_tags(tags, log)),
                Slot::Numbers(g) => {
                    let (field, group) = &groups[g];
                    let Some(set) = NumSet::build(self, field, group) else {
                        log.record_parts(
                            Rule::Contradiction,
                            || self.spans(ids),
                            || {
                                format!(
                                    "no value of `{}` satisfies `{}`, so the term `{}` is dropped",
                                    field.short_name(),
                                    self.show(group),
                                    self.show(ids)
                                )
                            },
                        );
                        return None;
                    };
                    let start = out.len();
                    set.to_filters_into(self, &mut out);
                    self.note_numbers(group, &out[start..], log);
                }
            }
        }
        Some(out)
    }

    /// Records how the filters of one number field were rewritten.
    fn note_numbers(&self, before: &[Id], after: &[Id], log: &mut Log) {
        if after.iter().any(|id| !before.contains(id)) {
            log.record_parts(
                Rule::RangeRewritten,
                || self.spans(before),
                || format!("`{}` is `{}`", self.show(before), self.show(after)),
            );
            return;
        }
        for &id in before.iter().filter(|id| !after.contains(id)) {
            log.record(Rule::ImpliedFilter, self.filter(id).span, || {
                if after.is_empty() {
                    format!("`{}` holds for every contact", show_filter(self.filter(id)))
                } else {
                    format!(
                        "`{}` is implied by `{}`",
                        show_filter(self.filter(id)),
                        self.show(after)
                    )
                }
            });
        }
    }

    /// One tags filter with every name of `tags`, in order of first
    /// appearance (docs/SEMANTICS.md, "Tags": `[A]` and `[B]` in one AND-list is `[A, B]`).
    fn merge_tags(&mut self, tags: &[Id], log: &mut Log) -> Id {
        // The common case, one test without a repeated name, stays as it is.
        if let [only] = *tags {
            if let (Kind::Tags { names }, Literal::Tags(list)) =
                (self.kind(only), &self.filter(only).value)
            {
                if names.len() == list.len() {
                    return only;
                }
            }
        }
        let mut names: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut written = 0;
        for &id in tags {
            if let Literal::Tags(list) = &self.filter(id).value {
                written += list.len();
                for name in list {
                    if seen.insert(name.as_str()) {
                        names.push(name.clone());
                    }
                }
            }
        }
        if tags.len() == 1 && names.len() == written {
            return tags[0];
        }
        let first = self.filter(tags[0]);
        let merged = Filter {
            field: first.field,
            op: CompareOp::Eq,
            value: Literal::Tags(names),
            span: self.span(tags),
        };
        log.record_parts(
            Rule::TagsMerged,
            || self.spans(tags),
            || {
                format!(
                    "`{}` is one filter `{}`",
                    self.show(tags),
                    show_filter(&merged)
                )
            },
        );
        self.intern_new(merged)
    }

    /// What a term requires, for comparing it with other terms. `keep`
    /// selects the filters to look at.
    fn profile(&self, ids: &[Id], keep: impl Fn(Id) -> bool) -> Profile {
        // One set per number field, narrowed as its filters come.
        let mut numbers: Vec<NumSet> = Vec::new();
        let mut plain = Vec::new();
        let mut tags = Vec::new();
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
                Kind::Tags { names } => tags.extend_from_slice(names),
                Kind::Plain { .. } => plain.push(id),
            }
        }
        plain.sort_unstable();
        plain.dedup();
        tags.sort_unstable();
        tags.dedup();
        // Plain kinds get their negations while the terms are interned,
        // before any profile is made, so this list does not go stale.
        let negatable = plain
            .iter()
            .filter_map(|&id| match *self.kind(id) {
                Kind::Plain {
                    negation: Some(not),
                } => Some((id, not)),
                _ => None,
            })
            .collect();
        let mut empty = false;
        let mut numbers: Vec<NumSet> = numbers
            .into_iter()
            .filter_map(|set| {
                let set = set.normalized(self);
                empty |= set.is_none();
                set
            })
            .collect();
        numbers.sort_by_key(|set| set.field.name);
        Profile {
            numbers,
            plain,
            negatable,
            tags,
            empty,
        }
    }

    fn number(&self, id: Id) -> Option<(CompareOp, i64)> {
        match self.kind(id) {
            Kind::Number { op, value, .. } => Some((*op, *value)),
            _ => None,
        }
    }

    fn field_of(&self, id: Id) -> &'static str {
        self.filter(id).field.name
    }
}

/// What a term requires, in a form that makes implication cheap to test.
struct Profile {
    /// One set per number field, by field name.
    numbers: Vec<NumSet>,
    /// Text filters (and anything else compared by identity), sorted ids.
    plain: Vec<Id>,
    /// The filters of `plain` whose exact negation exists, with it: the
    /// only ones [`complement`] can use.
    negatable: Vec<(Id, Id)>,
    /// Tag names every contact must carry, sorted ids.
    tags: Vec<u32>,
    /// The filters cannot all hold.
    empty: bool,
}

impl Profile {
    /// Whether every contact this profile admits is admitted by `other`.
    fn implies(&self, other: &Profile) -> bool {
        if self.empty {
            return true;
        }
        is_subset(&other.plain, &self.plain)
            && is_subset(&other.tags, &self.tags)
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

/// Where a bound of a [`NumSet`] came from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// No bound (the value is `i64::MIN` or `i64::MAX`).
    None,
    /// This filter's bound.
    Filter(Id),
    /// Pushed past a `!=` on the bound; the span covers the `!=` filters
    /// and the bound they moved.
    Tightened(Span),
}

impl Source {
    /// This bound pushed past the `!=` filter `hole`.
    fn tightened(self, hole: Id, arena: &Arena) -> Source {
        let hole_span = arena.filter(hole).span;
        let span = match self {
            Source::Filter(id) => arena.filter(id).span.to(hole_span),
            Source::Tightened(span) => span.to(hole_span),
            Source::None => hole_span,
        };
        Source::Tightened(span)
    }
}

/// The values of one Integer or Date field a term admits: `lo..=hi` minus
/// `holes`, each bound remembering the filter it came from so that the
/// user's own filters are kept where they still say the right thing.
///
/// Always normalised: `lo <= hi`, and every hole strictly between them.
#[derive(Clone, Debug)]
struct NumSet {
    field: &'static Field,
    lo: i64,
    lo_from: Source,
    hi: i64,
    hi_from: Source,
    holes: BTreeMap<i64, Id>,
}

impl NumSet {
    fn full(field: &'static Field) -> NumSet {
        NumSet {
            field,
            lo: i64::MIN,
            lo_from: Source::None,
            hi: i64::MAX,
            hi_from: Source::None,
            holes: BTreeMap::new(),
        }
    }

    /// The set `group` (filters on `field`) admits; `None` if empty.
    fn build(arena: &Arena, field: &'static Field, group: &[Id]) -> Option<NumSet> {
        let mut set = NumSet::full(field);
        for &id in group {
            set.add(arena, id);
        }
        set.normalized(arena)
    }

    /// Narrows the set by the filter `id`, if it is a comparison of numbers.
    /// Not normalised: [`NumSet::normalized`] comes after the last filter.
    fn add(&mut self, arena: &Arena, id: Id) {
        let Some((op, v)) = arena.number(id) else {
            return;
        };
        match op {
            CompareOp::Gt => match v.checked_add(1) {
                Some(lo) => self.raise(lo, id),
                None => self.clear(),
            },
            CompareOp::Ge => self.raise(v, id),
            CompareOp::Lt => match v.checked_sub(1) {
                Some(hi) => self.lower(hi, id),
                None => self.clear(),
            },
            CompareOp::Le => self.lower(v, id),
            CompareOp::Eq => {
                self.raise(v, id);
                self.lower(v, id);
            }
            CompareOp::Ne => {
                self.holes.entry(v).or_insert(id);
            }
            CompareOp::Contains | CompareOp::NotContains => {}
        }
    }

    /// Empties the set (`id > i64::MAX`): `lo > hi`, which no later bound
    /// undoes, so [`NumSet::normalized`] gives `None`.
    fn clear(&mut self) {
        self.lo = i64::MAX;
        self.hi = i64::MIN;
    }

    fn raise(&mut self, lo: i64, id: Id) {
        if lo > self.lo {
            self.lo = lo;
            self.lo_from = Source::Filter(id);
        }
    }

    fn lower(&mut self, hi: i64, id: Id) {
        if hi < self.hi {
            self.hi = hi;
            self.hi_from = Source::Filter(id);
        }
    }

    /// Bounds moved past holes on them, holes outside dropped; `None` if
    /// nothing is left.
    fn normalized(mut self, arena: &Arena) -> Option<NumSet> {
        if self.lo > self.hi {
            return None;
        }
        while let Some(&hole) = self.holes.get(&self.lo) {
            if self.lo == self.hi {
                return None;
            }
            self.lo += 1;
            self.lo_from = self.lo_from.tightened(hole, arena);
        }
        while let Some(&hole) = self.holes.get(&self.hi) {
            if self.lo == self.hi {
                return None;
            }
            self.hi -= 1;
            self.hi_from = self.hi_from.tightened(hole, arena);
        }
        let (lo, hi) = (self.lo, self.hi);
        self.holes.retain(|&v, _| lo < v && v < hi);
        Some(self)
    }

    fn is_full(&self) -> bool {
        self.lo == i64::MIN && self.hi == i64::MAX && self.holes.is_empty()
    }

    fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi && !self.holes.contains_key(&v)
    }

    fn is_subset(&self, other: &NumSet) -> bool {
        self.lo >= other.lo
            && self.hi <= other.hi
            && other
                .holes
                .range(self.lo..=self.hi)
                .all(|(v, _)| self.holes.contains_key(v))
    }

    fn same_values(&self, other: &NumSet) -> bool {
        self.lo == other.lo && self.hi == other.hi && self.holes.keys().eq(other.holes.keys())
    }

    /// `self ∪ other`, when it is again one range minus points.
    fn union(&self, other: &NumSet, arena: &Arena) -> Option<NumSet> {
        let touching = |a: &NumSet, b: &NumSet| i128::from(a.lo) <= i128::from(b.hi) + 1;
        if !touching(self, other) || !touching(other, self) {
            return None;
        }
        let (lo, lo_from) = if self.lo <= other.lo {
            (self.lo, self.lo_from)
        } else {
            (other.lo, other.lo_from)
        };
        let (hi, hi_from) = if self.hi >= other.hi {
            (self.hi, self.hi_from)
        } else {
            (other.hi, other.hi_from)
        };
        let mut holes = BTreeMap::new();
        for (a, b) in [(self, other), (other, self)] {
            for (&v, &id) in &a.holes {
                if !b.contains(v) {
                    holes.entry(v).or_insert(id);
                }
            }
        }
        NumSet {
            field: self.field,
            lo,
            lo_from,
            hi,
            hi_from,
            holes,
        }
        .normalized(arena)
    }

    /// How many filters [`NumSet::to_filters`] gives.
    fn filter_count(&self) -> usize {
        let bounds = if self.lo == self.hi {
            1
        } else {
            usize::from(self.lo != i64::MIN) + usize::from(self.hi != i64::MAX)
        };
        bounds + self.holes.len()
    }

    /// The filters that say exactly this set, reusing the user's own where
    /// they fit.
    fn to_filters(&self, arena: &mut Arena) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.filter_count());
        self.to_filters_into(arena, &mut out);
        out
    }

    /// [`NumSet::to_filters`], appended to `out`.
    fn to_filters_into(&self, arena: &mut Arena, out: &mut Vec<Id>) {
        if self.lo == self.hi {
            for from in [self.lo_from, self.hi_from] {
                if let Source::Filter(id) = from {
                    if arena.number(id) == Some((CompareOp::Eq, self.lo)) {
                        out.push(id);
                        return;
                    }
                }
            }
            let span = match (self.lo_from, self.hi_from) {
                (Source::None, other) | (other, Source::None) => self.span_of(arena, other),
                (lo, hi) => self.span_of(arena, lo).to(self.span_of(arena, hi)),
            };
            out.push(self.synthesize(arena, CompareOp::Eq, self.lo, span));
            return;
        }
        if self.lo != i64::MIN {
            out.push(self.bound(arena, true));
        }
        if self.hi != i64::MAX {
            out.push(self.bound(arena, false));
        }
        out.extend(self.holes.values().copied());
    }

    /// The filter for the lower (or upper) bound.
    fn bound(&self, arena: &mut Arena, lower: bool) -> Id {
        let (value, from) = if lower {
            (self.lo, self.lo_from)
        } else {
            (self.hi, self.hi_from)
        };
        let span = self.span_of(arena, from);
        match from {
            Source::Filter(id) => {
                let fits = match arena.number(id) {
                    Some((CompareOp::Ge, v)) => lower && v == value,
                    Some((CompareOp::Gt, v)) => lower && v.checked_add(1) == Some(value),
                    Some((CompareOp::Le, v)) => !lower && v == value,
                    Some((CompareOp::Lt, v)) => !lower && v.checked_sub(1) == Some(value),
                    _ => false,
                };
                if fits {
                    return id;
                }
                let op = if lower { CompareOp::Ge } else { CompareOp::Le };
                self.synthesize(arena, op, value, span)
            }
            // `id >= 10 and id != 10` reads best as `id > 10`; the bound is
            // not at the end of the range, so `± 1` cannot overflow.
            Source::Tightened(..) if lower => {
                self.synthesize(arena, CompareOp::Gt, value - 1, span)
            }
            Source::Tightened(..) => self.synthesize(arena, CompareOp::Lt, value + 1, span),
            Source::None => {
                let op = if lower { CompareOp::Ge } else { CompareOp::Le };
                self.synthesize(arena, op, value, span)
            }
        }
    }

    fn span_of(&self, arena: &Arena, from: Source) -> Span {
        match from {
            Source::Filter(id) => arena.filter(id).span,
            Source::Tightened(span) => span,
            Source::None => Span::default(),
        }
    }

    fn synthesize(&self, arena: &mut Arena, op: CompareOp, value: i64, span: Span) -> Id {
        let value = match self.field.ty {
            FieldType::Date => Literal::Timestamp(value),
            _ => Literal::Integer(value),
        };
        arena.intern_new(Filter {
            field: self.field,
            op,
            value,
            span,
        })
    }
}

/// The rules that compare terms, applied until none applies (or
/// [`MAX_PAIR_CHECKS`] runs out). Terms keep their relative order.
fn across(arena: &mut Arena, terms: Vec<Vec<Id>>, log: &mut Log) -> Vec<Vec<Id>> {
    // One term has no other to compare with: spare making its profile.
    if terms.len() < 2 {
        return terms;
    }
    let mut terms: Vec<Option<Vec<Id>>> = terms.into_iter().map(Some).collect();
    let mut profiles: Vec<Profile> = terms
        .iter()
        .map(|t| arena.profile(t.as_deref().unwrap_or_default(), |_| true))
        .collect();
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
    terms.into_iter().flatten().collect()
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
        if pb.plain.binary_search(&not_f).is_err() {
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
