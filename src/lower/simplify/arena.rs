//! The arena of one simplification: every distinct filter once, as a
//! small [`Id`], with the [`Kind`] the rules read, so that terms are lists
//! of ids and filters compare by id.

use super::spare;
use super::within::Scratch;
use crate::ast::{CompareOp, Span};
use crate::lower::dnf::Term;
use crate::lower::show_filters;
use crate::schema::{Field, FieldType};
use crate::typed::{Filter, Literal};
use std::cell::RefCell;
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
/// Its lists come from the thread's [`Buffers`] and go back there when it
/// is dropped: a small query then allocates none of them.
#[derive(Default)]
pub(super) struct Arena {
    pub(super) filters: Vec<Arc<Filter>>,
    kinds: Vec<Kind>,
    /// `filters` by value, once there are more than [`SCAN`] (empty before).
    by_value: HashMap<ByValue, Id>,
    /// The tag names seen, their index their id, each as the filter and
    /// the place in its list where it was first seen (no name is copied);
    /// past [`SCAN`] names, `tag_ids` finds them.
    tag_names: Vec<(Id, u32)>,
    tag_ids: HashMap<String, u32>,
    /// The name ids of every [`Kind::Tags`], each a range of this list.
    tag_lists: Vec<u32>,
    /// Room for [`Arena::intern_terms`]'s filters seen by address.
    addresses: Vec<(usize, Id)>,
    /// Buffers for [`Arena::normalize`]: boxed, so that taking them for a
    /// term and putting them back moves a pointer, not the buffers.
    pub(super) scratch: Option<Box<Scratch>>,
}

/// The lists of an [`Arena`], empty, kept for their room.
#[derive(Default)]
struct Buffers {
    filters: Vec<Arc<Filter>>,
    kinds: Vec<Kind>,
    tag_names: Vec<(Id, u32)>,
    tag_lists: Vec<u32>,
    addresses: Vec<(usize, Id)>,
    scratch: Option<Box<Scratch>>,
}

/// An arena's lists are kept for the next one only up to this many
/// filters, so a thread that once simplified a large DNF does not hold
/// its room.
const KEPT_ROOM: usize = 256;

thread_local! {
    /// The lists the last arena on this thread left.
    static SPARE: RefCell<Buffers> = RefCell::default();
}

impl Drop for Arena {
    fn drop(&mut self) {
        let room = [
            self.filters.capacity(),
            self.tag_names.capacity(),
            self.tag_lists.capacity(),
            self.addresses.capacity(),
        ];
        if room.iter().any(|&room| room > KEPT_ROOM) {
            return;
        }
        let mut spare = Buffers {
            filters: std::mem::take(&mut self.filters),
            kinds: std::mem::take(&mut self.kinds),
            tag_names: std::mem::take(&mut self.tag_names),
            tag_lists: std::mem::take(&mut self.tag_lists),
            addresses: std::mem::take(&mut self.addresses),
            scratch: std::mem::take(&mut self.scratch),
        };
        spare.filters.clear();
        spare.kinds.clear();
        spare.tag_names.clear();
        spare.tag_lists.clear();
        spare.addresses.clear();
        if let Some(scratch) = &mut spare.scratch {
            scratch.clear();
        }
        // `try_with`: a thread being torn down has nowhere to keep them.
        let _ = SPARE.try_with(|cell| {
            if let Ok(mut kept) = cell.try_borrow_mut() {
                *kept = spare;
            }
        });
    }
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
    /// A tags test; names as sorted, distinct ids, a range of the
    /// arena's list ([`Arena::tag_ids`]).
    Tags { names: (u32, u32) },
    /// Anything else (text comparisons): equal only to itself, with its
    /// exact negation if that filter exists too.
    Plain { negation: Option<Id> },
}

impl Arena {
    /// An arena for terms holding `occurrences` filters in all, sized so
    /// that a small query's lists never grow; a large one's distinct
    /// filters are far fewer than its occurrences, so the room is capped.
    pub(super) fn with_capacity(occurrences: usize) -> Arena {
        let n = occurrences.min(KEPT_ROOM);
        let spare = SPARE
            .try_with(|cell| {
                cell.try_borrow_mut()
                    .map(|mut kept| std::mem::take(&mut *kept))
            })
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut arena = Arena {
            filters: spare.filters,
            kinds: spare.kinds,
            by_value: HashMap::new(),
            tag_names: spare.tag_names,
            tag_ids: HashMap::new(),
            tag_lists: spare.tag_lists,
            addresses: spare.addresses,
            scratch: spare.scratch,
        };
        arena.filters.reserve(n);
        arena.kinds.reserve(n);
        arena
    }

    /// The terms as lists of ids. Filters the terms share (the same `Arc`)
    /// are found by address first: the terms are borrowed throughout, so
    /// no address is reused for another filter meanwhile.
    pub(super) fn intern_terms(&mut self, terms: &[Term]) -> Vec<Vec<Id>> {
        // Each of the terms' filters already seen, with its id; by address
        // once longer than [`SCAN`].
        let mut seen = std::mem::take(&mut self.addresses);
        let mut by_ptr: IdMap<usize, Id> = IdMap::default();
        let mut intern = |arena: &mut Arena, filter: &Arc<Filter>| {
            let at = address(filter);
            let known = if seen.len() <= SCAN {
                seen.iter().find(|&&(f, _)| f == at).map(|&(_, id)| id)
            } else {
                by_ptr.get(&at).copied()
            };
            if let Some(id) = known {
                return id;
            }
            let id = match arena.find(filter) {
                Some(id) => id,
                None => arena.insert(filter.clone()),
            };
            seen.push((at, id));
            index_past_scan(
                &mut by_ptr,
                seen.len(),
                || seen.iter().copied(),
                || (at, id),
            );
            id
        };
        let interned = terms
            .iter()
            .map(|term| {
                let mut ids = spare::IDS.take();
                ids.extend(term.filters.iter().map(|f| intern(self, f)));
                ids
            })
            .collect();
        // No address is looked up past here: the terms may be dropped.
        seen.clear();
        self.addresses = seen;
        interned
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
            // The field by address first: equal fields are one schema entry.
            let at = self.filters.iter().position(|f| {
                f.op == filter.op
                    && (std::ptr::eq(f.field, filter.field) || f.field == filter.field)
                    && f.value == filter.value
            })?;
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
                let start = self.tag_lists.len();
                for (at, name) in names.iter().enumerate() {
                    let name_id = self.tag_name(name, (id, at as u32), names);
                    self.tag_lists.push(name_id);
                }
                let list = &mut self.tag_lists[start..];
                list.sort_unstable();
                let mut end = start;
                for at in start..self.tag_lists.len() {
                    if end == start || self.tag_lists[at] != self.tag_lists[end - 1] {
                        self.tag_lists[end] = self.tag_lists[at];
                        end += 1;
                    }
                }
                self.tag_lists.truncate(end);
                Kind::Tags {
                    names: (start as u32, end as u32),
                }
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

    /// The text of the tag name kept as `(filter, place)`; `pending` is the
    /// list of the filter being inserted, not yet in `filters`.
    fn tag_text<'a>(&'a self, (filter, at): (Id, u32), pending: &'a [String]) -> &'a str {
        let list = match self.filters.get(filter as usize).map(|f| &f.value) {
            Some(Literal::Tags(list)) => list,
            _ => pending,
        };
        &list[at as usize]
    }

    /// The id of the tag name `name`, written at `place` (a filter and the
    /// place in its list, that of the filter being inserted being
    /// `pending`).
    fn tag_name(&mut self, name: &str, place: (Id, u32), pending: &[String]) -> u32 {
        let known = if self.tag_names.len() <= SCAN {
            let mut names = self.tag_names.iter();
            names
                .position(|&kept| self.tag_text(kept, pending) == name)
                .map(|at| at as u32)
        } else {
            self.tag_ids.get(name).copied()
        };
        if let Some(id) = known {
            return id;
        }
        let id = self.tag_names.len() as u32;
        self.tag_names.push(place);
        match self.tag_names.len() {
            n if n <= SCAN => {}
            n if n == SCAN + 1 => {
                let all = (0..n).map(|at| {
                    (
                        self.tag_text(self.tag_names[at], pending).to_owned(),
                        at as u32,
                    )
                });
                let all: Vec<_> = all.collect();
                self.tag_ids.extend(all);
            }
            _ => {
                self.tag_ids.insert(name.to_owned(), id);
            }
        }
        id
    }

    /// The sorted, distinct name ids of a [`Kind::Tags`].
    pub(super) fn tag_ids(&self, names: (u32, u32)) -> &[u32] {
        &self.tag_lists[names.0 as usize..names.1 as usize]
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
