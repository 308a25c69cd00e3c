//! The exact minimum for a few comparisons: every assignment of true and
//! false to the `n` atoms (at most [`super::EXACT_ATOMS`], so 256) is a
//! *minterm*; those [`Model::consistent`] allows are where the plan must
//! agree with the expression. A request is an AND-list of literals (a cube)
//! that holds on no minterm where the expression fails, or the one OR-list
//! of single filters, each such a cube. Prime implicants are found by
//! enumerating cubes; the fewest requests covering every minterm where the
//! expression holds by a depth-first search, bounded by [`MAX_NODES`].

use super::model::{Lit, Model, atom_of, lit};
use super::table::{Bits, Table, and, count, empty, first, has, minus, or};
use super::{cost_of, single};

/// Most search nodes (cube enumeration and cover search together); past
/// it the search gives up and the plan stays as it was.
const MAX_NODES: u32 = 200_000;

/// What [`minimum`] found.
pub(super) struct Minimum {
    /// The terms of the plan, as literals.
    pub cubes: Vec<Vec<Lit>>,
    /// The requests they pack into.
    pub cost: usize,
    /// The distinct comparisons.
    pub atoms: usize,
}

/// The fewest requests for the expression `terms` (an OR of AND-terms, the
/// atoms of `table`), if fewer than `current` (what `terms` pack into) and
/// found within the bounds.
pub(super) fn minimum(
    model: &Model,
    table: &Table,
    terms: &[Vec<Lit>],
    current: usize,
) -> Option<Minimum> {
    let on = terms
        .iter()
        .fold([0u64; 4], |on, t| or(&on, &table.term(t)));
    let off = minus(&table.allowed, &on);
    if empty(&on) || least(model, table, terms, &on, &off) >= current {
        return None;
    }
    let mut search = Search {
        model,
        table,
        on,
        off,
        primes: Vec::new(),
        nodes: 0,
    };
    search.primes_from(0, &mut Vec::new(), table.allowed)?;
    search.best(current).map(|cubes| Minimum {
        cost: cost_of(model, cubes.iter()),
        cubes,
        atoms: table.atoms.len(),
    })
}

/// A quick lower bound on the requests of any plan, to spare the search
/// when `terms` already reach it: one minterm of each AND-term that no
/// single filter of the expression's could carry in the OR request and,
/// if no AND-list holds two of these, as many AND requests. `0` when the
/// minterms chosen do not show it.
fn least(model: &Model, table: &Table, terms: &[Vec<Lit>], on: &Bits, off: &Bits) -> usize {
    // Where a single filter (one literal, or asserted tags) could hold.
    let mut by_singles = [0u64; 4];
    let n = table.atoms.len();
    let mut tags: Vec<Lit> = Vec::new();
    for i in 0..n {
        for denied in [false, true] {
            let l = lit(table.atoms[i], denied);
            if model.expressible(l) && empty(&and(table.atom(i, denied), off)) {
                by_singles = or(&by_singles, table.atom(i, denied));
            }
            if model.is_tags(l) {
                tags.push(l);
            }
        }
    }
    for set in 1..1u32 << tags.len() {
        let cube: Vec<Lit> = (0..tags.len())
            .filter(|k| set >> k & 1 == 1)
            .map(|k| tags[k])
            .collect();
        let holds = table.term(&cube);
        if empty(&and(&holds, off)) {
            by_singles = or(&by_singles, &holds);
        }
    }
    let masks: Vec<Bits> = terms.iter().map(|t| table.term(t)).collect();
    let mut witnesses: Vec<usize> = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        if single(model, t) {
            return 0;
        }
        let mine = minus(&and(&masks[i], on), &by_singles);
        let others = masks
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .fold([0u64; 4], |all, (_, m)| or(&all, m));
        let Some(w) = first(&minus(&mine, &others)).or_else(|| first(&mine)) else {
            return 0;
        };
        // No AND-list may hold `w` and an earlier witness: the smallest
        // one that does (the atoms they agree on) must hold an `off` minterm.
        for &v in &witnesses {
            let joint = (0..n)
                .filter(|&k| (w >> k & 1) == (v >> k & 1))
                .fold(table.allowed, |set, k| {
                    and(&set, table.atom(k, w >> k & 1 == 0))
                });
            if empty(&and(&joint, off)) {
                return 0;
            }
        }
        witnesses.push(w);
    }
    witnesses.len()
}

struct Search<'a> {
    model: &'a Model,
    table: &'a Table,
    on: Bits,
    off: Bits,
    /// Prime implicants: literals (of the model) and where they hold.
    primes: Vec<(Vec<Lit>, Bits)>,
    nodes: u32,
}

impl Search<'_> {
    fn tick(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// Every prime implicant extending `cube` (literals on atoms below
    /// `from` decided) whose minterms are `set`.
    fn primes_from(&mut self, from: usize, cube: &mut Vec<(usize, bool)>, set: Bits) -> Option<()> {
        self.tick()?;
        if empty(&and(&set, &self.on)) {
            return Some(());
        }
        if !cube.is_empty() && empty(&and(&set, &self.off)) {
            // An implicant; prime if no literal can go.
            let prime = (0..cube.len()).all(|skip| {
                let mut wider = self.table.allowed;
                for (k, &(i, d)) in cube.iter().enumerate() {
                    if k != skip {
                        wider = and(&wider, self.table.atom(i, d));
                    }
                }
                !empty(&and(&wider, &self.off))
            });
            if prime {
                let lits = cube
                    .iter()
                    .map(|&(i, d)| lit(self.table.atoms[i], d))
                    .collect();
                self.primes.push((lits, and(&set, &self.on)));
            }
            return Some(());
        }
        for i in from..self.table.atoms.len() {
            for d in [false, true] {
                if !self.model.expressible(lit(self.table.atoms[i], d)) {
                    continue;
                }
                cube.push((i, d));
                let narrower = and(&set, self.table.atom(i, d));
                self.primes_from(i + 1, cube, narrower)?;
                cube.pop();
            }
        }
        Some(())
    }

    /// The fewest requests covering `on`, if fewer than `current`.
    fn best(&mut self, current: usize) -> Option<Vec<Vec<Lit>>> {
        let (singles, mut multis): (Vec<usize>, Vec<usize>) =
            (0..self.primes.len()).partition(|&p| single(self.model, &self.primes[p].0));
        multis.sort_by_key(|&p| std::cmp::Reverse(count(&self.primes[p].1)));
        let by_singles = singles
            .iter()
            .fold([0u64; 4], |all, &p| or(&all, &self.primes[p].1));
        let mut best: Option<(usize, Vec<usize>, bool)> = None;
        for use_or in [true, false] {
            if use_or && singles.is_empty() {
                continue;
            }
            let target = if use_or {
                minus(&self.on, &by_singles)
            } else {
                self.on
            };
            let extra = usize::from(use_or);
            let bound = best.as_ref().map_or(current, |b| b.0);
            // Fewer than `bound` requests in all: at most `bound - 1 - extra` AND-lists.
            let Some(most) = bound.checked_sub(1 + extra) else {
                continue;
            };
            // A cover needs at least as many AND-lists as there are
            // minterms no two of which one AND-list holds.
            let least = self.lower_bound(&target, &multis);
            for k in least..=most {
                let mut chosen = Vec::new();
                if self.cover(&target, k, &multis, &mut chosen)? {
                    best = Some((k + extra, chosen, use_or));
                    break;
                }
            }
        }
        let (_, chosen, use_or) = best?;
        let mut cubes: Vec<Vec<Lit>> = Vec::new();
        let mut covered = [0u64; 4];
        for &p in &chosen {
            covered = or(&covered, &self.primes[p].1);
        }
        if use_or {
            // The singles the AND-lists leave needed: greedily, then
            // without any whose minterms the rest hold.
            let mut left = minus(&self.on, &covered);
            let mut picked: Vec<usize> = Vec::new();
            while !empty(&left) {
                let &p = singles.iter().max_by_key(|&&p| {
                    (count(&and(&self.primes[p].1, &left)), std::cmp::Reverse(p))
                })?;
                picked.push(p);
                left = minus(&left, &self.primes[p].1);
            }
            let mut k = 0;
            while k < picked.len() {
                let rest = picked
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != k)
                    .fold(covered, |all, (_, &p)| or(&all, &self.primes[p].1));
                if empty(&minus(&self.on, &rest)) {
                    picked.remove(k);
                } else {
                    k += 1;
                }
            }
            picked.sort_unstable();
            cubes.extend(picked.iter().map(|&p| self.primes[p].0.clone()));
        }
        let mut ands: Vec<Vec<Lit>> = chosen.iter().map(|&p| self.primes[p].0.clone()).collect();
        ands.sort_by_key(|c| c.iter().map(|&l| atom_of(l)).min());
        cubes.extend(ands);
        Some(cubes)
    }

    /// A lower bound on the AND-lists of `multis` that cover `target`: the
    /// size of a set of its minterms (gathered greedily, those with the
    /// fewest AND-lists first) no two of which one AND-list holds;
    /// `usize::MAX` when some minterm is in none.
    fn lower_bound(&self, target: &Bits, multis: &[usize]) -> usize {
        let mut minterms: Vec<Vec<usize>> = Vec::new();
        for m in 0..256 {
            if has(target, m) {
                let by: Vec<usize> = (0..multis.len())
                    .filter(|&k| has(&self.primes[multis[k]].1, m))
                    .collect();
                if by.is_empty() {
                    return usize::MAX;
                }
                minterms.push(by);
            }
        }
        minterms.sort_by_key(Vec::len);
        let mut used = vec![false; multis.len()];
        let mut bound = 0;
        for by in minterms {
            if by.iter().all(|&k| !used[k]) {
                bound += 1;
                by.iter().for_each(|&k| used[k] = true);
            }
        }
        bound
    }

    /// Whether `k` of `multis` cover `target`, pushing them on `chosen`;
    /// `None` past [`MAX_NODES`].
    fn cover(
        &mut self,
        target: &Bits,
        k: usize,
        multis: &[usize],
        chosen: &mut Vec<usize>,
    ) -> Option<bool> {
        self.tick()?;
        let Some(m) = first(target) else {
            return Some(true);
        };
        if k == 0 {
            return Some(false);
        }
        for &p in multis {
            if !has(&self.primes[p].1, m) {
                continue;
            }
            chosen.push(p);
            let rest = minus(target, &self.primes[p].1);
            if self.cover(&rest, k - 1, multis, chosen)? {
                return Some(true);
            }
            chosen.pop();
        }
        Some(false)
    }
}
