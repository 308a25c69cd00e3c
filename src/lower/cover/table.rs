//! Truth tables over at most [`EXACT_ATOMS`] atoms: every assignment of
//! true and false to them is a *minterm* (bit `i` of its number is atom
//! `i`), and a set of minterms is a [`Bits`] of 256 bits. The minterms
//! [`Model::rules`] allows are where a plan must agree with the
//! expression; a term is the set of those where its literals hold, so
//! "covered by the others" is a subset test.

use super::EXACT_ATOMS;
use super::model::{ALL_RULES, Lit, Model, Rules, atom_of, denied, lit};

/// A set of minterms.
pub(super) type Bits = [u64; 4];

pub(super) fn and(a: &Bits, b: &Bits) -> Bits {
    [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]]
}

pub(super) fn or(a: &Bits, b: &Bits) -> Bits {
    [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]]
}

pub(super) fn minus(a: &Bits, b: &Bits) -> Bits {
    [a[0] & !b[0], a[1] & !b[1], a[2] & !b[2], a[3] & !b[3]]
}

pub(super) fn empty(a: &Bits) -> bool {
    a.iter().all(|&w| w == 0)
}

pub(super) fn first(a: &Bits) -> Option<usize> {
    let w = a.iter().position(|&w| w != 0)?;
    Some(w * 64 + a[w].trailing_zeros() as usize)
}

pub(super) fn has(a: &Bits, m: usize) -> bool {
    a[m / 64] >> (m % 64) & 1 == 1
}

pub(super) fn count(a: &Bits) -> u32 {
    a.iter().map(|w| w.count_ones()).sum()
}

/// How many string rules [`Rules`] tells apart: one bit each.
const RULES: usize = ALL_RULES.count_ones() as usize;

/// For each of the [`EXACT_ATOMS`] places, the minterms where its atom
/// holds: bit `i` of the minterm's number.
const HOLDS: [Bits; EXACT_ATOMS] = {
    let mut holds = [[0u64; 4]; EXACT_ATOMS];
    let mut i = 0;
    while i < EXACT_ATOMS {
        let mut m = 0;
        while m < 1 << EXACT_ATOMS {
            if m >> i & 1 == 1 {
                holds[i][m / 64] |= 1 << (m % 64);
            }
            m += 1;
        }
        i += 1;
    }
    holds
};

/// The minterms of `n` atoms: those numbered below `2^n`.
fn minterms_below(n: usize) -> Bits {
    let mut set = [0u64; 4];
    for (w, word) in set.iter_mut().enumerate() {
        let start = w * 64;
        let end = 1usize << n;
        if end >= start + 64 {
            *word = u64::MAX;
        } else if end > start {
            *word = (1u64 << (end - start)) - 1;
        }
    }
    set
}

/// What [`Table::build`] computes as whole words, the allowed minterms,
/// walked minterm by minterm: the definition, which the tests (built with
/// debug assertions) hold every table to.
fn allowed_one_by_one(n: usize, fields: &[Vec<usize>], local: &[Vec<Rules>]) -> Bits {
    let mut allowed = [0u64; 4];
    for m in 0..1usize << n {
        let mut rules = ALL_RULES;
        for (f, table) in fields.iter().zip(local) {
            let p = f
                .iter()
                .enumerate()
                .fold(0, |p, (k, &i)| p | (m >> i & 1) << k);
            rules &= table[p];
        }
        if rules != 0 {
            allowed[m / 64] |= 1 << (m % 64);
        }
    }
    allowed
}

/// The truth table of a few atoms.
pub(super) struct Table {
    /// The model's atoms, in the table's order.
    pub(super) atoms: Vec<usize>,
    /// The minterms some rule allows.
    pub(super) allowed: Bits,
    /// For each atom, the allowed minterms where it holds and where not.
    masks: Vec<[Bits; 2]>,
}

impl Table {
    /// The table of the atoms of `terms`; `None` past [`EXACT_ATOMS`].
    /// Each field's assignments are judged once, and a minterm is allowed
    /// when one rule allows every field's part of it.
    pub(super) fn build<'a>(
        model: &Model,
        terms: impl Iterator<Item = &'a [Lit]>,
    ) -> Option<Table> {
        let mut atoms: Vec<usize> = Vec::with_capacity(EXACT_ATOMS);
        for t in terms {
            for &l in t {
                if !atoms.contains(&atom_of(l)) {
                    if atoms.len() == EXACT_ATOMS {
                        return None;
                    }
                    atoms.push(atom_of(l));
                }
            }
        }
        let n = atoms.len();
        // The atoms of each field, by their places in the table.
        let mut fields: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            let at = fields
                .iter()
                .position(|f| model.same_field(lit(atoms[f[0]], false), lit(atoms[i], false)));
            match at {
                Some(at) => fields[at].push(i),
                None => fields.push(vec![i]),
            }
        }
        // The rules each assignment of each field's atoms leaves.
        let mut lits = Vec::with_capacity(n);
        let local: Vec<Vec<Rules>> = fields
            .iter()
            .map(|f| {
                (0..1usize << f.len())
                    .map(|p| {
                        lits.clear();
                        lits.extend(
                            f.iter()
                                .enumerate()
                                .map(|(k, &i)| lit(atoms[i], p >> k & 1 == 0)),
                        );
                        model.rules(&lits)
                    })
                    .collect()
            })
            .collect();
        // A minterm is allowed when some rule allows every field's part of
        // it: for each rule, the minterms each field's allowing parts cover,
        // intersected over the fields, then joined over the rules. Each
        // part is a set of minterms made of whole words, not walked minterm
        // by minterm.
        let below: Bits = minterms_below(n);
        let holds = |i: usize, yes: bool| {
            if yes {
                and(&HOLDS[i], &below)
            } else {
                minus(&below, &HOLDS[i])
            }
        };
        let mut by_rule = [below; RULES];
        for (f, table) in fields.iter().zip(&local) {
            let mut covered = [[0u64; 4]; RULES];
            for (p, &rules) in table.iter().enumerate() {
                if rules == 0 {
                    continue;
                }
                let part = f
                    .iter()
                    .enumerate()
                    .fold(below, |set, (k, &i)| and(&set, &holds(i, p >> k & 1 == 1)));
                for (r, set) in covered.iter_mut().enumerate() {
                    if rules >> r & 1 == 1 {
                        *set = or(set, &part);
                    }
                }
            }
            for (all, set) in by_rule.iter_mut().zip(&covered) {
                *all = and(all, set);
            }
        }
        let allowed = by_rule.iter().fold([0u64; 4], |all, set| or(&all, set));
        debug_assert_eq!(allowed, allowed_one_by_one(n, &fields, &local));
        let masks = (0..n)
            .map(|i| [and(&HOLDS[i], &allowed), minus(&allowed, &HOLDS[i])])
            .collect();
        Some(Table {
            atoms,
            allowed,
            masks,
        })
    }

    /// The table's place of `l`'s atom.
    pub(super) fn place(&self, l: Lit) -> usize {
        self.atoms
            .iter()
            .position(|&a| a == atom_of(l))
            .expect("a literal of the table's terms")
    }

    /// The allowed minterms where `l` holds.
    pub(super) fn literal(&self, l: Lit) -> &Bits {
        &self.masks[self.place(l)][usize::from(denied(l))]
    }

    /// The allowed minterms where every literal of `lits` holds.
    pub(super) fn term(&self, lits: &[Lit]) -> Bits {
        lits.iter()
            .fold(self.allowed, |set, &l| and(&set, self.literal(l)))
    }

    /// The minterms where the table's `i`th atom holds (`denied` false) or
    /// not.
    pub(super) fn atom(&self, i: usize, denied: bool) -> &Bits {
        &self.masks[i][usize::from(denied)]
    }
}
