//! The exact minimum for a few comparisons: every assignment of true and
//! false to the `n` atoms (at most [`EXACT_ATOMS`], so 256) is a
//! *minterm*; those [`Model::consistent`] allows are where the plan must
//! agree with the expression. A request is an AND-list of literals (a cube)
//! that holds on no minterm where the expression fails, or the one OR-list
//! of single filters, each such a cube. Prime implicants are found by
//! enumerating cubes; the fewest requests covering every minterm where the
//! expression holds by a depth-first search, bounded by [`MAX_NODES`].

use super::model::{Lit, Model, atom_of, lit};
use super::{EXACT_ATOMS, cost_of, single};

/// Most search nodes (cube enumeration and cover search together); past
/// it the search gives up and the plan stays as it was.
const MAX_NODES: u32 = 200_000;

/// A set of minterms.
type Bits = [u64; 4];

fn and(a: &Bits, b: &Bits) -> Bits {
    [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]]
}

fn or(a: &Bits, b: &Bits) -> Bits {
    [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]]
}

fn minus(a: &Bits, b: &Bits) -> Bits {
    [a[0] & !b[0], a[1] & !b[1], a[2] & !b[2], a[3] & !b[3]]
}

fn empty(a: &Bits) -> bool {
    a.iter().all(|&w| w == 0)
}

fn first(a: &Bits) -> Option<usize> {
    let w = a.iter().position(|&w| w != 0)?;
    Some(w * 64 + a[w].trailing_zeros() as usize)
}

fn has(a: &Bits, m: usize) -> bool {
    a[m / 64] >> (m % 64) & 1 == 1
}

fn count(a: &Bits) -> u32 {
    a.iter().map(|w| w.count_ones()).sum()
}

/// What [`minimum`] found.
pub(super) struct Minimum {
    /// The terms of the plan, as literals.
    pub cubes: Vec<Vec<Lit>>,
    /// The requests they pack into.
    pub cost: usize,
    /// The distinct comparisons.
    pub atoms: usize,
}

/// The fewest requests for the expression `terms` (an OR of AND-terms), if
/// fewer than `current` and found within the bounds.
pub(super) fn minimum(model: &Model, terms: &[Vec<Lit>], current: usize) -> Option<Minimum> {
    // The atoms, numbered 0..n in order of first appearance.
    let mut atoms: Vec<usize> = Vec::new();
    for &l in terms.iter().flatten() {
        if !atoms.contains(&atom_of(l)) {
            atoms.push(atom_of(l));
            if atoms.len() > EXACT_ATOMS {
                return None;
            }
        }
    }
    let n = atoms.len();
    let local = |l: Lit| -> (usize, bool) {
        let at = atoms.iter().position(|&a| a == atom_of(l)).unwrap_or(0);
        (at, l & 1 == 1)
    };
    // Minterm m gives atom i the value of bit i.
    let (mut on, mut off) = ([0u64; 4], [0u64; 4]);
    let mut assignment = Vec::with_capacity(n);
    for m in 0..1usize << n {
        assignment.clear();
        assignment.extend((0..n).map(|i| lit(atoms[i], m >> i & 1 == 0)));
        if !model.consistent(&assignment) {
            continue;
        }
        let holds = terms.iter().any(|t| {
            t.iter().all(|&l| {
                let (i, denied) = local(l);
                (m >> i & 1 == 1) != denied
            })
        });
        let set = if holds { &mut on } else { &mut off };
        set[m / 64] |= 1 << (m % 64);
    }
    if empty(&on) {
        return None;
    }
    // The minterms where each literal holds.
    let mut masks: Vec<[Bits; 2]> = Vec::with_capacity(n);
    for i in 0..n {
        let mut yes = [0u64; 4];
        for m in 0..1usize << n {
            if m >> i & 1 == 1 {
                yes[m / 64] |= 1 << (m % 64);
            }
        }
        let all = or(&on, &off);
        masks.push([and(&yes, &all), minus(&all, &yes)]);
    }
    let mut search = Search {
        model,
        atoms: &atoms,
        masks: &masks,
        on,
        off,
        primes: Vec::new(),
        nodes: 0,
    };
    let full = [u64::MAX; 4];
    search.primes_from(0, &mut Vec::new(), full)?;
    search.best(current).map(|cubes| Minimum {
        cost: cost_of(model, cubes.iter()),
        cubes,
        atoms: n,
    })
}

struct Search<'a> {
    model: &'a Model,
    atoms: &'a [usize],
    masks: &'a [[Bits; 2]],
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
                let mut wider = [u64::MAX; 4];
                for (k, &(i, d)) in cube.iter().enumerate() {
                    if k != skip {
                        wider = and(&wider, &self.masks[i][usize::from(d)]);
                    }
                }
                !empty(&and(&wider, &self.off))
            });
            if prime {
                let lits = cube.iter().map(|&(i, d)| lit(self.atoms[i], d)).collect();
                self.primes.push((lits, and(&set, &self.on)));
            }
            return Some(());
        }
        for i in from..self.atoms.len() {
            for d in [false, true] {
                if !self.model.expressible(lit(self.atoms[i], d)) {
                    continue;
                }
                cube.push((i, d));
                let narrower = and(&set, &self.masks[i][usize::from(d)]);
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
