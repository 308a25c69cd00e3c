//! Interval arithmetic on one Integer or Date field: the values a term
//! admits as one range minus points ([`NumSet`]), intersected filter by
//! filter, joined, compared, and said again as the fewest filters.

use super::arena::{Arena, Id};
use crate::ast::{CompareOp, Span};
use crate::schema::{Field, FieldType};
use crate::typed::{Filter, Literal};
use std::collections::BTreeMap;

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
pub(super) struct NumSet {
    pub(super) field: &'static Field,
    lo: i64,
    lo_from: Source,
    hi: i64,
    hi_from: Source,
    holes: BTreeMap<i64, Id>,
}

impl NumSet {
    pub(super) fn full(field: &'static Field) -> NumSet {
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
    pub(super) fn build(arena: &Arena, field: &'static Field, group: &[Id]) -> Option<NumSet> {
        let mut set = NumSet::full(field);
        for &id in group {
            set.add(arena, id);
        }
        set.normalized(arena)
    }

    /// Narrows the set by the filter `id`, if it is a comparison of numbers.
    /// Not normalised: [`NumSet::normalized`] comes after the last filter.
    pub(super) fn add(&mut self, arena: &Arena, id: Id) {
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
    pub(super) fn normalized(mut self, arena: &Arena) -> Option<NumSet> {
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

    pub(super) fn is_full(&self) -> bool {
        self.lo == i64::MIN && self.hi == i64::MAX && self.holes.is_empty()
    }

    pub(super) fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi && !self.holes.contains_key(&v)
    }

    pub(super) fn is_subset(&self, other: &NumSet) -> bool {
        self.lo >= other.lo
            && self.hi <= other.hi
            && other
                .holes
                .range(self.lo..=self.hi)
                .all(|(v, _)| self.holes.contains_key(v))
    }

    pub(super) fn same_values(&self, other: &NumSet) -> bool {
        self.lo == other.lo && self.hi == other.hi && self.holes.keys().eq(other.holes.keys())
    }

    /// `self ∪ other`, when it is again one range minus points.
    pub(super) fn union(&self, other: &NumSet, arena: &Arena) -> Option<NumSet> {
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
    pub(super) fn filter_count(&self) -> usize {
        let bounds = if self.lo == self.hi {
            1
        } else {
            usize::from(self.lo != i64::MIN) + usize::from(self.hi != i64::MAX)
        };
        bounds + self.holes.len()
    }

    /// The filters that say exactly this set, reusing the user's own where
    /// they fit.
    pub(super) fn to_filters(&self, arena: &mut Arena) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.filter_count());
        self.to_filters_into(arena, &mut out);
        out
    }

    /// [`NumSet::to_filters`], appended to `out`.
    pub(super) fn to_filters_into(&self, arena: &mut Arena, out: &mut Vec<Id>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
    use CompareOp::{Eq, Ge, Gt, Le, Lt, Ne};

    const OPS: [CompareOp; 6] = [Gt, Ge, Lt, Le, Eq, Ne];

    /// The values of the brute-force filters. Every comparison with them
    /// says the same of any number past ±3 as of ±3, so [`WINDOW`] shows
    /// everything a set of them can admit or leave out.
    const VALUES: std::ops::RangeInclusive<i64> = -2..=2;

    /// The points the model looks at, one bit each.
    const WINDOW: std::ops::RangeInclusive<i64> = -5..=5;

    fn id_field() -> &'static Field {
        Schema::CONTACTS.by_name("customers.id")
    }

    fn filter(arena: &mut Arena, op: CompareOp, value: i64) -> Id {
        arena.intern_new(Filter {
            field: id_field(),
            op,
            value: Literal::Integer(value),
            span: Span::default(),
        })
    }

    /// The model: which points of [`WINDOW`] every filter of `ids` admits.
    fn model(arena: &Arena, ids: &[Id]) -> u16 {
        let holds = |id: Id, x: i64| match arena.number(id) {
            Some((Gt, v)) => x > v,
            Some((Ge, v)) => x >= v,
            Some((Lt, v)) => x < v,
            Some((Le, v)) => x <= v,
            Some((Eq, v)) => x == v,
            Some((Ne, v)) => x != v,
            other => panic!("not a number comparison: {other:?}"),
        };
        mask(|x| ids.iter().all(|&id| holds(id, x)))
    }

    /// The points of [`WINDOW`] `admits`, as bits.
    fn mask(admits: impl Fn(i64) -> bool) -> u16 {
        WINDOW
            .enumerate()
            .filter(|&(_, x)| admits(x))
            .fold(0, |bits, (i, _)| bits | 1 << i)
    }

    fn points(set: &NumSet) -> u16 {
        mask(|x| set.contains(x))
    }

    /// Every set of at most `n` distinct filters `op v`, `v` in [`VALUES`].
    fn filter_sets(arena: &mut Arena, n: usize) -> Vec<Vec<Id>> {
        let mut filters = Vec::new();
        for op in OPS {
            for v in VALUES {
                filters.push(filter(arena, op, v));
            }
        }
        let mut sets = vec![Vec::new()];
        let mut frontier = vec![(Vec::new(), 0)];
        for _ in 0..n {
            let mut next = Vec::new();
            for (set, from) in &frontier {
                for (i, &id) in filters.iter().enumerate().skip(*from) {
                    let mut grown: Vec<Id> = set.clone();
                    grown.push(id);
                    sets.push(grown.clone());
                    next.push((grown, i + 1));
                }
            }
            frontier = next;
        }
        sets
    }

    #[test]
    fn every_set_of_up_to_three_filters_builds_and_says_itself_again() {
        let mut arena = Arena::default();
        for ids in filter_sets(&mut arena, 3) {
            let expected = model(&arena, &ids);
            let Some(set) = NumSet::build(&arena, id_field(), &ids) else {
                assert_eq!(expected, 0, "{ids:?} was found empty");
                continue;
            };
            assert_eq!(points(&set), expected, "{ids:?}");
            assert_eq!(set.is_full(), expected == mask(|_| true), "{ids:?}");
            let filters = set.to_filters(&mut arena);
            assert_eq!(model(&arena, &filters), expected, "{ids:?} as {filters:?}");
            assert_eq!(set.filter_count(), filters.len(), "{ids:?}");
            assert!(
                filters.len() <= ids.len().max(1),
                "{ids:?} grew to {filters:?}"
            );
        }
    }

    #[test]
    fn every_pair_of_sets_compares_and_joins_as_sets_of_points() {
        let mut arena = Arena::default();
        let sets: Vec<(NumSet, u16)> = filter_sets(&mut arena, 2)
            .into_iter()
            .filter_map(|ids| {
                let set = NumSet::build(&arena, id_field(), &ids)?;
                let bits = points(&set);
                Some((set, bits))
            })
            .collect();
        // The lowest and highest admitted points: a set's hull.
        let hull = |bits: u16| (bits.trailing_zeros(), 15 - bits.leading_zeros());
        for (a, bits_a) in &sets {
            for (b, bits_b) in &sets {
                assert_eq!(a.is_subset(b), bits_a & !bits_b == 0);
                assert_eq!(a.same_values(b), bits_a == bits_b);
                let ((lo_a, hi_a), (lo_b, hi_b)) = (hull(*bits_a), hull(*bits_b));
                let apart = hi_a + 1 < lo_b || hi_b + 1 < lo_a;
                match a.union(b, &arena) {
                    Some(joined) => assert_eq!(points(&joined), bits_a | bits_b),
                    None => assert!(apart, "{a:?} and {b:?} touch but were not joined"),
                }
            }
        }
    }

    #[test]
    fn bounds_past_the_ends_of_the_numbers() {
        let mut arena = Arena::default();
        let above_all = filter(&mut arena, Gt, i64::MAX);
        let below_all = filter(&mut arena, Lt, i64::MIN);
        let at_least_min = filter(&mut arena, Ge, i64::MIN);
        let at_most_max = filter(&mut arena, Le, i64::MAX);
        let field = id_field();
        assert!(NumSet::build(&arena, field, &[above_all]).is_none());
        assert!(NumSet::build(&arena, field, &[below_all]).is_none());
        // A later bound cannot undo `> i64::MAX`.
        assert!(NumSet::build(&arena, field, &[above_all, at_least_min]).is_none());
        let all = NumSet::build(&arena, field, &[at_least_min, at_most_max]).unwrap();
        assert!(all.is_full());
        assert!(all.to_filters(&mut arena).is_empty());
        let top = filter(&mut arena, Eq, i64::MAX);
        let not_top = filter(&mut arena, Ne, i64::MAX);
        assert!(NumSet::build(&arena, field, &[top, not_top]).is_none());
    }

    #[test]
    fn the_users_own_filters_are_kept_where_they_fit() {
        let mut arena = Arena::default();
        let above = filter(&mut arena, Gt, 5);
        let below = filter(&mut arena, Lt, 9);
        let set = NumSet::build(&arena, id_field(), &[below, above]).unwrap();
        assert_eq!(set.to_filters(&mut arena), [above, below]);
    }

    #[test]
    fn meeting_bounds_are_one_equality_and_a_hole_on_a_bound_moves_it() {
        let mut arena = Arena::default();
        let (ge, le, ne) = (
            filter(&mut arena, Ge, 10),
            filter(&mut arena, Le, 10),
            filter(&mut arena, Ne, 10),
        );
        let field = id_field();
        let one = NumSet::build(&arena, field, &[ge, le]).unwrap();
        let eq = one.to_filters(&mut arena);
        assert_eq!(eq.len(), 1);
        assert_eq!(arena.number(eq[0]), Some((Eq, 10)));
        let above = NumSet::build(&arena, field, &[ge, ne]).unwrap();
        let gt = above.to_filters(&mut arena);
        assert_eq!(gt.len(), 1);
        assert_eq!(arena.number(gt[0]), Some((Gt, 10)));
    }

    #[test]
    fn ranges_that_touch_join_and_ranges_apart_do_not() {
        let mut arena = Arena::default();
        let field = id_field();
        let at_most_5 = filter(&mut arena, Le, 5);
        let above_5 = filter(&mut arena, Gt, 5);
        let at_least_7 = filter(&mut arena, Ge, 7);
        let build = |id: Id| NumSet::build(&arena, field, &[id]).unwrap();
        let joined = build(at_most_5).union(&build(above_5), &arena).unwrap();
        assert!(joined.is_full());
        assert!(build(at_most_5).union(&build(at_least_7), &arena).is_none());
    }
}
