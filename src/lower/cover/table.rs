//! Truth tables over a few atoms: every assignment of true and false to
//! them is a *minterm* (bit `i` of its number is atom `i`), and a set of
//! minterms is a [`Bits`] of `64 × W` bits: 256 ([`EXACT_ATOMS`]) for
//! the exact minimum, 1,024 ([`WIDE_ATOMS`]) for coverage alone. The
//! minterms [`Model::rules`] allows are where a plan must agree with the
//! expression; a term is the set of those where its literals hold, so
//! "covered by the others" is a subset test.

use super::EXACT_ATOMS;
use super::model::{ALL_RULES, Lit, Model, Rules, atom_of, denied, lit};

/// A set of minterms, in `W` words.
pub(super) type Bits<const W: usize = 4> = [u64; W];

/// Most atoms of the table coverage uses past [`EXACT_ATOMS`].
pub(super) const WIDE_ATOMS: usize = 10;

/// The words of a table of up to [`WIDE_ATOMS`] atoms, for coverage:
/// past [`EXACT_ATOMS`] the exact minimum is not searched, but a subset
/// test of 1,024 bits costs less than a case split over the atoms. On
/// the generated segment file 10 atoms do best: 9 or 12 cost 1.5 % or
/// 1.1 % more instructions, and a further table of 14 atoms for the
/// case split's share 6 % more.
pub(super) const WIDE_WORDS: usize = 1 << (WIDE_ATOMS - 6);

/// Most assignments of one field's atoms [`Table::build`] judges, over all
/// fields (as many as one field of [`EXACT_ATOMS`] atoms has): past it, a
/// table costs more than it saves.
const MAX_LOCAL: usize = 1 << EXACT_ATOMS;

pub(super) fn and<const W: usize>(a: &Bits<W>, b: &Bits<W>) -> Bits<W> {
    std::array::from_fn(|w| a[w] & b[w])
}

pub(super) fn or<const W: usize>(a: &Bits<W>, b: &Bits<W>) -> Bits<W> {
    std::array::from_fn(|w| a[w] | b[w])
}

pub(super) fn minus<const W: usize>(a: &Bits<W>, b: &Bits<W>) -> Bits<W> {
    std::array::from_fn(|w| a[w] & !b[w])
}

pub(super) fn empty<const W: usize>(a: &Bits<W>) -> bool {
    a.iter().all(|&w| w == 0)
}

pub(super) fn first<const W: usize>(a: &Bits<W>) -> Option<usize> {
    let w = a.iter().position(|&w| w != 0)?;
    Some(w * 64 + a[w].trailing_zeros() as usize)
}

pub(super) fn has<const W: usize>(a: &Bits<W>, m: usize) -> bool {
    a[m / 64] >> (m % 64) & 1 == 1
}

/// Takes `b` from `a` in place; whether any of `a` is left.
pub(super) fn take<const W: usize>(a: &mut Bits<W>, b: &Bits<W>) -> bool {
    let mut left = 0;
    for (word, b) in a.iter_mut().zip(b) {
        *word &= !b;
        left |= *word;
    }
    left != 0
}

pub(super) fn count<const W: usize>(a: &Bits<W>) -> u32 {
    a.iter().map(|w| w.count_ones()).sum()
}

/// How many string rules [`Rules`] tells apart: one bit each.
const RULES: usize = ALL_RULES.count_ones() as usize;

/// Within a word, the minterms where each of the atoms `0..6` holds.
const IN_WORD: [u64; 6] = [
    0xaaaa_aaaa_aaaa_aaaa,
    0xcccc_cccc_cccc_cccc,
    0xf0f0_f0f0_f0f0_f0f0,
    0xff00_ff00_ff00_ff00,
    0xffff_0000_ffff_0000,
    0xffff_ffff_0000_0000,
];

/// The minterms where the atom at place `i` holds: bit `i` of the
/// minterm's number, within each word for the first six, whole words
/// after.
fn holds<const W: usize>(i: usize) -> Bits<W> {
    std::array::from_fn(|w| match IN_WORD.get(i) {
        Some(&pattern) => pattern,
        None if w >> (i - 6) & 1 == 1 => u64::MAX,
        None => 0,
    })
}

/// The minterms of `n` atoms: those numbered below `2^n`.
fn minterms_below<const W: usize>(n: usize) -> Bits<W> {
    let end = 1usize << n;
    std::array::from_fn(|w| {
        let start = w * 64;
        if end >= start + 64 {
            u64::MAX
        } else if end > start {
            (1u64 << (end - start)) - 1
        } else {
            0
        }
    })
}

/// What [`Table::build`] computes as whole words, the allowed minterms,
/// walked minterm by minterm: the definition, which the tests (built with
/// debug assertions) hold every table to.
fn allowed_one_by_one<const W: usize>(
    n: usize,
    fields: &[Vec<usize>],
    local: &[Vec<Rules>],
) -> Bits<W> {
    let mut allowed = [0u64; W];
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

/// The truth table of a few atoms: at most 6 + log₂ `W`.
pub(super) struct Table<const W: usize = 4> {
    /// The model's atoms, in the table's order.
    pub(super) atoms: Vec<usize>,
    /// The minterms some rule allows.
    pub(super) allowed: Bits<W>,
    /// For each atom, the allowed minterms where it holds and where not.
    masks: Vec<[Bits<W>; 2]>,
}

impl<const W: usize> Table<W> {
    /// Most atoms of the table: `64 × W` minterms.
    const ATOMS: usize = 6 + W.trailing_zeros() as usize;

    /// The table of the atoms of `terms`; `None` past [`Table::ATOMS`], or
    /// when the fields' atoms have so many assignments that judging them
    /// costs more than the table saves ([`MAX_LOCAL`]). Each field's
    /// assignments are judged once, and a minterm is allowed when one rule
    /// allows every field's part of it.
    pub(super) fn build<'a>(model: &Model, terms: impl Iterator<Item = &'a [Lit]>) -> Option<Self> {
        let atoms = Self::atoms_of(terms)?;
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
        if fields.iter().map(|f| 1usize << f.len()).sum::<usize>() > MAX_LOCAL {
            return None;
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
        let below: Bits<W> = minterms_below(n);
        let holds_at: Vec<Bits<W>> = (0..n).map(holds).collect();
        let holds = |i: usize, yes: bool| {
            if yes {
                and(&holds_at[i], &below)
            } else {
                minus(&below, &holds_at[i])
            }
        };
        let mut by_rule = [below; RULES];
        // A field whose every assignment leaves every rule (one atom, or
        // atoms that never clash) rules nothing out.
        let constrained = (fields.iter().zip(&local))
            .filter(|(_, table)| table.iter().any(|&rules| rules != ALL_RULES));
        for (f, table) in constrained {
            let mut covered = [[0u64; W]; RULES];
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
        let allowed = by_rule.iter().fold([0u64; W], |all, set| or(&all, set));
        debug_assert_eq!(allowed, allowed_one_by_one::<W>(n, &fields, &local));
        let masks = (holds_at.iter())
            .map(|holds| [and(holds, &allowed), minus(&allowed, holds)])
            .collect();
        Some(Table {
            atoms,
            allowed,
            masks,
        })
    }

    /// The atoms of `terms` in the order they first appear, the table's
    /// order; `None` past [`Table::ATOMS`].
    fn atoms_of<'a>(terms: impl Iterator<Item = &'a [Lit]>) -> Option<Vec<usize>> {
        let mut atoms: Vec<usize> = Vec::with_capacity(Self::ATOMS);
        for &l in terms.flatten() {
            if !atoms.contains(&atom_of(l)) {
                if atoms.len() == Self::ATOMS {
                    return None;
                }
                atoms.push(atom_of(l));
            }
        }
        Some(atoms)
    }

    /// Whether [`Table::build`] would make this table of `terms`: their
    /// atoms are the table's, in the same order.
    pub(super) fn has_atoms_of<'a>(&self, terms: impl Iterator<Item = &'a [Lit]>) -> bool {
        Self::atoms_of(terms).is_some_and(|atoms| atoms == self.atoms)
    }

    /// The table's place of `l`'s atom.
    pub(super) fn place(&self, l: Lit) -> usize {
        self.atoms
            .iter()
            .position(|&a| a == atom_of(l))
            .expect("a literal of the table's terms")
    }

    /// The allowed minterms where `l` holds.
    pub(super) fn literal(&self, l: Lit) -> &Bits<W> {
        &self.masks[self.place(l)][usize::from(denied(l))]
    }

    /// The allowed minterms where every literal of `lits` holds.
    pub(super) fn term(&self, lits: &[Lit]) -> Bits<W> {
        let mut set = self.allowed;
        for &l in lits {
            let mask = self.literal(l);
            for (word, mask) in set.iter_mut().zip(mask) {
                *word &= mask;
            }
        }
        set
    }

    /// The minterms where the table's `i`th atom holds (`denied` false) or
    /// not.
    pub(super) fn atom(&self, i: usize, denied: bool) -> &Bits<W> {
        &self.masks[i][usize::from(denied)]
    }
}
