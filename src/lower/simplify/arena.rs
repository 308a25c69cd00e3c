//! The arena of one simplification: every distinct filter once, as a
//! small [`Id`], with the [`Kind`] the rules read, so that terms are lists
//! of ids and filters compare by id.

use super::within::Scratch;
use crate::ast::{CompareOp, Span};
use crate::lower::show_filters;
use crate::schema::{Field, FieldType};
use crate::typed::{Filter, Literal};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

/// The address of a filter, which identifies it while it lives.
fn address(filter: &Arc<Filter>) -> usize {
    Arc::as_ptr(filter) as usize
}

/// An index into the [`Arena`].
pub(super) type Id = u32;

/// A map keyed by ids, id lists or pointers: numbers this module makes, not
/// the user's text, so they need no protection from chosen collisions and
/// can skip SipHash, which took a quarter of the time of simplifying.
pub(super) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Multiply-rotate hashing of whole words (the scheme of rustc's FxHasher).
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl IdHasher {
    pub(super) fn add(&mut self, word: u64) {
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

/// Up to this many entries, the arena finds a filter (and [`dedup_terms`](super::across::dedup_terms)
/// a term) by scanning a list: cheaper than hashing, and than making the
/// maps, for the few filters and terms of a typical query. Past it, maps.
pub(super) const SCAN: usize = 16;

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
pub(super) struct Arena<'t> {
    pub(super) filters: Vec<Arc<Filter>>,
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
    pub(super) scratch: Scratch,
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

/// What the rules need to know about one filter.
pub(super) enum Kind {
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
    pub(super) fn with_capacity(occurrences: usize) -> Arena<'t> {
        let n = occurrences.min(256);
        Arena {
            filters: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            seen_arcs: Vec::with_capacity(n),
            ..Arena::default()
        }
    }

    /// The id of one of the terms' filters.
    pub(super) fn intern(&mut self, filter: &'t Arc<Filter>) -> Id {
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
    pub(super) fn intern_new(&mut self, filter: Filter) -> Id {
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

    /// Every filter, indexed by id, once the rules are done.
    pub(super) fn into_filters(self) -> Vec<Arc<Filter>> {
        self.filters
    }

    pub(super) fn filter(&self, id: Id) -> &Arc<Filter> {
        &self.filters[id as usize]
    }

    pub(super) fn kind(&self, id: Id) -> &Kind {
        &self.kinds[id as usize]
    }

    pub(super) fn show(&self, ids: &[Id]) -> String {
        show_filters(ids.iter().map(|&id| &**self.filter(id)))
    }

    /// The span of each filter, for quoting them one by one.
    pub(super) fn spans(&self, ids: &[Id]) -> Vec<Span> {
        ids.iter().map(|&id| self.filter(id).span).collect()
    }

    pub(super) fn span(&self, ids: &[Id]) -> Span {
        let mut spans = ids.iter().map(|&id| self.filter(id).span);
        let first = spans.next().unwrap_or_default();
        spans.fold(first, Span::to)
    }

    pub(super) fn number(&self, id: Id) -> Option<(CompareOp, i64)> {
        match self.kind(id) {
            Kind::Number { op, value, .. } => Some((*op, *value)),
            _ => None,
        }
    }

    pub(super) fn field_of(&self, id: Id) -> &'static str {
        self.filter(id).field.name
    }
}
