//! The rules within one term: duplicates dropped, ranges on one number
//! field merged or found empty, a filter beside its exact negation found
//! contradictory, tag tests merged into one filter.

use super::arena::{Arena, Id, Kind};
use super::intervals::NumSet;
use crate::ast::CompareOp;
use crate::lower::{Log, Rule, show_filter};
use crate::schema::Field;
use crate::typed::{Filter, Literal};
use std::collections::HashSet;

/// Buffers [`Arena::normalize`] reuses from term to term, sparing a few
/// allocations per term.
#[derive(Default)]
pub(super) struct Scratch {
    seen: Seen,
    /// Where each kept filter, number field and the tags go in the term.
    slots: Vec<Slot>,
    /// The filters of each number field, in the first `fields` entries; the
    /// entries past them are spare, kept for their room.
    groups: Vec<(&'static Field, Vec<Id>)>,
    fields: usize,
    /// The tag tests.
    tags: Vec<Id>,
    /// A copy of the term [`Arena::normalize_owned`] rewrites in place.
    input: Vec<Id>,
}

impl Scratch {
    /// Empties every buffer, keeping its room (the bits of `seen` are
    /// already clear after each term).
    pub(super) fn clear(&mut self) {
        self.slots.clear();
        self.groups.clear();
        self.fields = 0;
        self.tags.clear();
        self.input.clear();
    }

    /// Puts the number filter `id` on `field` in its field's group, making
    /// the group (and its slot) on the field's first filter. Groups past
    /// `fields` are reused for their room.
    fn group_number(&mut self, field: &'static Field, id: Id) {
        let used = &mut self.groups[..self.fields];
        if let Some((_, group)) = used.iter_mut().find(|(f, _)| f.name == field.name) {
            group.push(id);
            return;
        }
        self.slots.push(Slot::Numbers(self.fields));
        match self.groups.get_mut(self.fields) {
            Some((f, group)) => {
                *f = field;
                group.clear();
                group.push(id);
            }
            None => self.groups.push((field, vec![id])),
        }
        self.fields += 1;
    }
}

/// One place in a normalised term (see [`Scratch::slots`]).
enum Slot {
    Keep(Id),
    /// The filters of `groups[i]`.
    Numbers(usize),
    Tags,
}

/// A set of ids as bits, emptied by clearing only the ids put in, so that
/// a term costs its own length however many filters the arena holds.
#[derive(Default)]
struct Seen(Vec<u64>);

impl Seen {
    /// Room for ids below `n`.
    pub(super) fn grow(&mut self, n: usize) {
        let words = n.div_ceil(64);
        if self.0.len() < words {
            self.0.resize(words, 0);
        }
    }

    /// Adds `id`; false if it was there.
    pub(super) fn insert(&mut self, id: Id) -> bool {
        let (word, bit) = (id as usize / 64, 1 << (id % 64));
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }

    pub(super) fn contains(&self, id: Id) -> bool {
        self.0[id as usize / 64] & (1 << (id % 64)) != 0
    }

    /// Empties the set, which holds no id outside `ids`.
    pub(super) fn clear(&mut self, ids: &[Id]) {
        for &id in ids {
            self.0[id as usize / 64] &= !(1 << (id % 64));
        }
    }
}

impl Arena {
    /// One term on its own: duplicates dropped, ranges merged, tags merged.
    /// `None` when the term cannot hold. Numbers of one field come out where
    /// the field first appears, as lower bound, upper bound (or one `=`),
    /// then `!=` in ascending order; tags where the first tag test was.
    pub(super) fn normalize(&mut self, ids: &[Id], log: &mut Log) -> Option<Vec<Id>> {
        let mut out = Vec::with_capacity(ids.len());
        self.normalize_into(ids, &mut out, log).map(|()| out)
    }

    /// [`Arena::normalize`] of a term the caller gives up: the result takes
    /// its list, sparing an allocation per term.
    pub(super) fn normalize_owned(&mut self, mut ids: Vec<Id>, log: &mut Log) -> Option<Vec<Id>> {
        let mut input = std::mem::take(&mut self.scratch.get_or_insert_default().input);
        input.clear();
        input.append(&mut ids);
        let normal = self.normalize_into(&input, &mut ids, log);
        self.scratch.get_or_insert_default().input = input;
        normal.map(|()| ids)
    }

    /// The term [`Arena::normalize_owned`] took last, as it was given.
    pub(super) fn last_taken(&self) -> &[Id] {
        self.scratch.as_ref().map_or(&[], |scratch| &scratch.input)
    }

    /// [`Arena::normalize`] into `out`, which is empty.
    fn normalize_into(&mut self, ids: &[Id], out: &mut Vec<Id>, log: &mut Log) -> Option<()> {
        let mut scratch = self.scratch.take().unwrap_or_default();
        scratch.seen.grow(self.filters.len());
        let normal = self.normalize_with(ids, out, log, &mut scratch);
        scratch.seen.clear(ids);
        self.scratch = Some(scratch);
        normal
    }

    /// [`Arena::normalize`], with `scratch.seen` clear on entry: the term's
    /// filters sorted into slots, then each slot said again.
    fn normalize_with(
        &mut self,
        ids: &[Id],
        out: &mut Vec<Id>,
        log: &mut Log,
        scratch: &mut Scratch,
    ) -> Option<()> {
        self.sort_into_slots(ids, log, scratch)?;
        let Scratch {
            slots,
            groups,
            tags,
            ..
        } = scratch;
        for slot in slots.iter() {
            match *slot {
                Slot::Keep(id) => out.push(id),
                Slot::Tags => out.push(self.merge_tags(tags, log)),
                Slot::Numbers(g) => {
                    let (field, group) = &groups[g];
                    let Some(set) = NumSet::build(self, field, group) else {
                        self.note_empty_range(ids, field, group, log);
                        return None;
                    };
                    let start = out.len();
                    set.to_filters_into(self, out);
                    self.note_numbers(group, &out[start..], log);
                }
            }
        }
        Some(())
    }

    /// Fills `scratch` with the slots of the term `ids`: duplicates
    /// dropped, number filters grouped by field, tag tests gathered. `None`
    /// when a filter meets its exact negation.
    fn sort_into_slots(&self, ids: &[Id], log: &mut Log, scratch: &mut Scratch) -> Option<()> {
        scratch.slots.clear();
        scratch.fields = 0;
        scratch.tags.clear();
        for &id in ids {
            if !scratch.seen.insert(id) {
                log.record(Rule::DuplicateFilter, self.filter(id).span, || {
                    format!(
                        "`{}` is written twice in one term",
                        show_filter(self.filter(id))
                    )
                });
                continue;
            }
            match self.kind(id) {
                Kind::Number { field, .. } => scratch.group_number(field, id),
                Kind::Tags { .. } => {
                    if scratch.tags.is_empty() {
                        scratch.slots.push(Slot::Tags);
                    }
                    scratch.tags.push(id);
                }
                Kind::Plain { negation } => {
                    if let Some(negation) = negation.filter(|&n| scratch.seen.contains(n)) {
                        self.note_negation(ids, negation, id, log);
                        return None;
                    }
                    scratch.slots.push(Slot::Keep(id));
                }
            }
        }
        Some(())
    }

    /// Records that `negation` and `id` dropped the term `ids`.
    fn note_negation(&self, ids: &[Id], negation: Id, id: Id, log: &mut Log) {
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
    }

    /// Records that no value of `field` satisfies `group`, dropping `ids`.
    fn note_empty_range(&self, ids: &[Id], field: &Field, group: &[Id], log: &mut Log) {
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
                if self.tag_ids(*names).len() == list.len() {
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
}
