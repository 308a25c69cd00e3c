//! The case split that decides coverage: whether every contact satisfying
//! some literals satisfies one of some terms ([`covered`]).
//!
//! It takes the alive term with the fewest undecided literals, `l₁ … lₘ`,
//! and checks the cases where that term fails, one by one: `¬l₁`, then
//! `l₁ ∧ ¬l₂`, … (the case where all hold is the term itself). Each case
//! must be covered by the other terms. The literals fixed so far keep each
//! atom's value and the string rules they leave, so adding one is judged
//! against the others on its field only ([`Model::rules_with`]), and a
//! term's literals are looked up, not searched for.

use super::model::{Lit, Model, Rules, atom_of, denied, not};

/// Deepest nesting of cases (one level per term that fails): past it a
/// check answers "not covered".
const MAX_DEPTH: usize = 256;

/// An atom not fixed either way ([`Scratch::state`]).
const FREE: u8 = 0;

/// The buffers of a split, kept between checks: a check allocates
/// nothing once they have grown.
#[derive(Default)]
pub(super) struct Scratch {
    fixed: Vec<Lit>,
    /// The rules left before each literal of `fixed` was added.
    rules_before: Vec<Rules>,
    /// Per atom: [`FREE`], or 1 + the parity of the literal fixed.
    state: Vec<u8>,
    /// The text literals of the check's fixed ones, and those of them
    /// that can clash with a filter other than an asserted `=`.
    texts: Vec<Lit>,
    clashing: Vec<Lit>,
    /// The terms still alive at each level of the split, by their place
    /// among the check's terms: each level's list follows its parent's.
    alive: Vec<u32>,
}

/// Whether every contact satisfying `fixed` satisfies one of `terms`
/// other than the `skip`th (terms that are `None` are gone).
/// `false` when `budget` runs out or the split nests past [`MAX_DEPTH`]:
/// never "covered" without proof.
pub(super) fn covered(
    model: &Model,
    scratch: &mut Scratch,
    fixed: &[Lit],
    terms: &[Option<Vec<Lit>>],
    skip: Option<usize>,
    budget: &mut u64,
) -> bool {
    let rules = model.rules(fixed);
    if rules == 0 {
        return true;
    }
    scratch.fixed.clear();
    scratch.rules_before.clear();
    scratch.state.clear();
    scratch.state.resize(model.atoms.len(), FREE);
    for &l in fixed {
        scratch.state[atom_of(l)] = state_of(l);
    }
    scratch.fixed.extend_from_slice(fixed);
    // A term with a text filter that cannot hold beside one of `fixed`
    // under any rule takes no part. Only `fixed`'s asserted `=`, `~` and
    // `!~` can clash with a filter that is not an asserted `=`
    // ([`Model::may_clash`]).
    scratch.texts.clear();
    scratch.clashing.clear();
    for &k in fixed.iter().filter(|&&k| model.is_text(k)) {
        scratch.texts.push(k);
        if model.asserts_eq(k) || !denied(k) {
            scratch.clashing.push(k);
        }
    }
    scratch.alive.clear();
    let mut split = Split {
        model,
        scratch,
        terms,
        rules,
        budget,
    };
    for (j, term) in terms.iter().enumerate() {
        let Some(term) = term.as_deref() else {
            continue;
        };
        if Some(j) == skip {
            continue;
        }
        let mut cost = term.len() as u64;
        let out = term.iter().any(|&l| {
            if split.value(l) == Some(false) {
                return true;
            }
            if !model.is_text(l) {
                return false;
            }
            let against = if model.asserts_eq(l) {
                &split.scratch.texts
            } else {
                &split.scratch.clashing
            };
            cost += against.len() as u64;
            against.iter().any(|&k| {
                k != l
                    && model.same_field(k, l)
                    && model.may_clash(k, l)
                    && model.text_pair(k, l) == 0
            })
        });
        if !split.charge(cost) {
            return false;
        }
        if !out {
            split.scratch.alive.push(j as u32);
        }
    }
    let end = split.scratch.alive.len();
    split.run(0, end, 0)
}

fn state_of(l: Lit) -> u8 {
    1 + (l & 1) as u8
}

struct Split<'a> {
    model: &'a Model,
    scratch: &'a mut Scratch,
    /// The check's terms, which [`Scratch::alive`] lists by place.
    terms: &'a [Option<Vec<Lit>>],
    /// The rules `scratch.fixed` leaves: never none.
    rules: Rules,
    budget: &'a mut u64,
}

impl Split<'_> {
    /// Takes `cost` steps from the budget; `false` (and the budget spent)
    /// when there are not that many left.
    fn charge(&mut self, cost: u64) -> bool {
        if *self.budget < cost {
            *self.budget = 0;
            return false;
        }
        *self.budget -= cost;
        true
    }

    /// Whether `l` holds under the literals fixed; `None` when its atom is
    /// free.
    fn value(&self, l: Lit) -> Option<bool> {
        match self.scratch.state[atom_of(l)] {
            FREE => None,
            s => Some(s == state_of(l)),
        }
    }

    /// The term at place `at` of [`Scratch::alive`].
    fn term(&self, at: usize) -> &'_ [Lit] {
        let terms = self.terms;
        terms[self.scratch.alive[at] as usize]
            .as_deref()
            .unwrap_or_default()
    }

    /// Fixes `l` too, when some contact can satisfy it beside the others
    /// under some rule; `false` (and nothing fixed) when none can.
    fn push(&mut self, l: Lit) -> bool {
        let fixed = &self.scratch.fixed;
        if !self.charge(fixed.len() as u64 + 1) {
            return false;
        }
        let rules = self.model.rules_with(&self.scratch.fixed, self.rules, l);
        if rules == 0 {
            return false;
        }
        self.scratch.fixed.push(l);
        self.scratch.rules_before.push(self.rules);
        self.scratch.state[atom_of(l)] = state_of(l);
        self.rules = rules;
        true
    }

    /// Unfixes every literal after the first `len` fixed by [`Split::push`].
    fn pop_to(&mut self, len: usize) {
        while self.scratch.fixed.len() > len {
            let l = self.scratch.fixed.pop().unwrap_or_default();
            self.scratch.state[atom_of(l)] = FREE;
            self.rules = self.scratch.rules_before.pop().unwrap_or(self.rules);
        }
    }

    /// Whether every contact satisfying the literals fixed satisfies one
    /// of the terms at places `from..to` of [`Scratch::alive`].
    fn run(&mut self, from: usize, to: usize, depth: usize) -> bool {
        let scanned: usize = (from..to).map(|at| self.term(at).len()).sum();
        if depth > MAX_DEPTH || !self.charge((to - from + scanned) as u64) {
            return false;
        }
        // This level's alive terms follow the parent's list.
        let start = self.scratch.alive.len();
        debug_assert_eq!(start, to);
        // The alive term with the fewest free literals: the fewest cases.
        let mut first: Option<(usize, usize)> = None;
        for at in from..to {
            let mut free = 0;
            let mut dead = false;
            for &l in self.term(at) {
                match self.value(l) {
                    Some(false) => {
                        dead = true;
                        break;
                    }
                    Some(true) => {}
                    None => free += 1,
                }
            }
            if dead {
                continue;
            }
            if free == 0 {
                self.scratch.alive.truncate(start);
                return true;
            }
            if first.is_none_or(|(_, fewest)| free < fewest) {
                first = Some((self.scratch.alive.len() - start, free));
            }
            let j = self.scratch.alive[at];
            self.scratch.alive.push(j);
        }
        let Some((at, _)) = first else {
            self.scratch.alive.truncate(start);
            return false;
        };
        // The chosen term leaves the list as `Vec::swap_remove` would take
        // it: the order decides which term later levels choose on a tie.
        let chosen = self.scratch.alive.swap_remove(start + at);
        let end = self.scratch.alive.len();
        let term = self.terms[chosen as usize].as_deref().unwrap_or_default();
        let mark = self.scratch.fixed.len();
        let mut covered = true;
        for &l in term {
            match self.value(l) {
                Some(true) => continue,
                // The term also denies a literal it asserts: it fails
                // wherever the ones before hold, which the others must
                // cover.
                Some(false) => {
                    covered = self.run(start, end, depth + 1);
                    break;
                }
                None => {}
            }
            // The case where `l` fails (and the term's literals before it
            // hold): the other terms must cover it.
            if self.push(not(l)) {
                let ok = self.run(start, end, depth + 1);
                self.pop_to(self.scratch.fixed.len() - 1);
                if !ok {
                    covered = false;
                    break;
                }
            } else if *self.budget == 0 {
                covered = false;
                break;
            }
            // On with `l` holding; when it cannot, no case is left.
            if !self.push(l) {
                covered = *self.budget > 0;
                break;
            }
        }
        self.pop_to(mark);
        self.scratch.alive.truncate(start);
        covered
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::{self, Table};
    use super::*;
    use crate::ast::{CompareOp, Span};
    use crate::schema::Schema;
    use crate::testing::proptest_config;
    use crate::typed::{Filter, Literal};
    use proptest::prelude::*;
    use std::sync::Arc;

    /// Twelve comparisons whose values relate (`= Kyiv`, `= kyiv`, `~ Ky`,
    /// `= Lviv`; `~ "fb.ann"`, `~ "fb."`, `= "fb.ann@x"`; `id > 3`, `id < 5`,
    /// `id > 4`), and two tags tests: the first eight fit the narrow truth
    /// table ([`Table`]), the first [`table::WIDE_ATOMS`] the wide one, and
    /// all twelve only the case split.
    fn model() -> (Model, Vec<Lit>) {
        let filter = |name: &str, op, value| Filter {
            field: Schema::CONTACTS.field(name).expect("a contact field"),
            op,
            value,
            span: Span::default(),
        };
        let text = |s: &str| Literal::Text(s.to_owned());
        let filters = [
            filter("city", CompareOp::Eq, text("Kyiv")),
            filter("city", CompareOp::Eq, text("kyiv")),
            filter("city", CompareOp::Contains, text("Ky")),
            filter("email", CompareOp::Contains, text("fb.ann")),
            filter("email", CompareOp::Contains, text("fb.")),
            filter("id", CompareOp::Gt, Literal::Integer(3)),
            filter("id", CompareOp::Lt, Literal::Integer(5)),
            filter("tags", CompareOp::Eq, Literal::Tags(vec!["Lead".into()])),
            filter("city", CompareOp::Eq, text("Lviv")),
            filter("email", CompareOp::Eq, text("fb.ann@x")),
            filter("id", CompareOp::Gt, Literal::Integer(4)),
            filter(
                "tags",
                CompareOp::Eq,
                Literal::Tags(vec!["Lead".into(), "VIP".into()]),
            ),
        ];
        let mut model = Model::default();
        let lits = filters
            .iter()
            .map(|f| model.intern(&Arc::new(f.clone())))
            .collect();
        (model, lits)
    }

    /// A term: literals of the first `atoms` of `model()`'s atoms, by
    /// place and whether denied.
    fn term(atoms: usize) -> impl Strategy<Value = Vec<(usize, bool)>> {
        prop::collection::vec((0..atoms, any::<bool>()), 1..4)
    }

    /// The case split's answer and the truth table's (of `W` words, over
    /// the first `n` atoms) on whether `others` cover `fixed`.
    fn both<const W: usize>(
        n: usize,
        fixed: &[(usize, bool)],
        others: &[Vec<(usize, bool)>],
    ) -> (bool, bool, u64) {
        let (model, atoms) = model();
        let lits = |t: &[(usize, bool)]| -> Vec<Lit> {
            t.iter()
                .map(|&(a, denied)| if denied { not(atoms[a]) } else { atoms[a] })
                .collect()
        };
        let fixed = lits(fixed);
        let others: Vec<Vec<Lit>> = others.iter().map(|t| lits(t)).collect();
        let terms: Vec<Option<Vec<Lit>>> = others.iter().cloned().map(Some).collect();
        let table = Table::<W>::build(&model, std::iter::once(&atoms[..n]))
            .expect("the atoms fit the table");
        let theirs = others
            .iter()
            .fold([0u64; W], |all, t| table::or(&all, &table.term(t)));
        let expected = table::empty(&table::minus(&table.term(&fixed), &theirs));
        let mut budget = 1_000_000;
        let got = covered(
            &model,
            &mut Scratch::default(),
            &fixed,
            &terms,
            None,
            &mut budget,
        );
        (got, expected, budget)
    }

    proptest! {
        #![proptest_config(proptest_config())]

        /// The case split answers as the truth table does, whenever it
        /// does not run out of steps: the table decides coverage over
        /// every assignment the model allows, with no search.
        #[test]
        fn the_split_agrees_with_the_truth_table(
            fixed in term(8),
            others in prop::collection::vec(term(8), 0..6),
        ) {
            let (got, expected, budget) = both::<4>(8, &fixed, &others);
            prop_assert!(budget > 0, "the split ran out of steps");
            prop_assert_eq!(got, expected);
        }

        /// The same with as many atoms as the wide table coverage uses
        /// past eight holds.
        #[test]
        fn the_split_agrees_with_the_wide_truth_table(
            fixed in term(table::WIDE_ATOMS),
            others in prop::collection::vec(term(table::WIDE_ATOMS), 0..8),
        ) {
            let (got, expected, budget) =
                both::<{ table::WIDE_WORDS }>(table::WIDE_ATOMS, &fixed, &others);
            prop_assert!(budget > 0, "the split ran out of steps");
            prop_assert_eq!(got, expected);
        }
    }
}
