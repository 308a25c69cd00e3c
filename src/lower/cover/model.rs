//! The comparisons of a simplified expression as atoms, and whether a set
//! of them, each asserted or denied, can hold for some contact under every
//! string rule the API might have (docs/SEMANTICS.md, "Case").
//!
//! An atom is a comparison in its positive form (`=`, `>`, `<`, `~`, a tags
//! test); a [`Lit`] is an atom asserted or denied, so `id <= 5` is `id > 5`
//! denied and `city != Kyiv` is `city = Kyiv` denied. [`Model::consistent`]
//! answers "can these literals all hold?" and may answer yes where the API's
//! rules would say no, never the other way round: every law built on it
//! (a term that cannot hold, a term covered by others, the exact minimum)
//! then holds whatever those rules are.

use crate::ast::{CompareOp, Span};
use crate::schema::{Field, FieldType};
use crate::typed::{Filter, Literal};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// An atom asserted (even) or denied (odd): `atom << 1 | denied`.
pub(super) type Lit = u32;

/// The literal of `atom`, denied when `denied`.
pub(super) fn lit(atom: usize, denied: bool) -> Lit {
    (atom as Lit) << 1 | Lit::from(denied)
}

/// The atom of `l`.
pub(super) fn atom_of(l: Lit) -> usize {
    (l >> 1) as usize
}

/// Whether `l` denies its atom.
pub(super) fn denied(l: Lit) -> bool {
    l & 1 == 1
}

/// The opposite of `l`.
pub(super) fn not(l: Lit) -> Lit {
    l ^ 1
}

/// One comparison in its positive form.
pub(super) struct Atom {
    pub(super) field: &'static Field,
    /// The field's place in [`Model::fields`].
    field_id: usize,
    /// `=`, `>`, `<` or `~` (`=` for tags).
    pub(super) op: CompareOp,
    pub(super) value: Literal,
    /// The filters met for it, asserted and denied, reused so that their
    /// spans still point at the source.
    seen: [Option<Arc<Filter>>; 2],
    /// For text: the value lower-cased, when it is ASCII (`None` when not,
    /// or not text).
    lower: Option<String>,
}

/// The atoms of one expression.
#[derive(Default)]
pub(super) struct Model {
    pub(super) atoms: Vec<Atom>,
    /// The names of the atoms' fields, each once.
    fields: Vec<&'static str>,
    /// The atoms by field, operator and value, once there are many.
    index: HashMap<(&'static str, CompareOp, Literal), usize>,
    /// [`Model::text_pair`] of every two literals, filled as asked
    /// ([`UNKNOWN`] until then), when there are at most [`CACHED_ATOMS`]
    /// atoms: consistency is asked thousands of times of the same pairs.
    /// Past them, [`Model::far_pairs`].
    pairs: RefCell<Vec<Rules>>,
    /// The same past [`CACHED_ATOMS`] atoms, by `a << 32 | b`.
    far_pairs: RefCell<HashMap<u64, Rules, BuildHasherDefault<NumberHasher>>>,
}

/// Hashes a number this pass makes (an address, a pair of literals), not
/// the user's text, by a multiplication.
#[derive(Default)]
pub(super) struct NumberHasher(u64);

impl Hasher for NumberHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // The table picks buckets by the low bits, which a product alone
        // takes from the low bits of `n` only: the high half is folded in.
        let x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ x >> 32;
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Most atoms whose pairs [`Model::pairs`] keeps (a table of 64 KiB).
const CACHED_ATOMS: usize = 128;
/// A pair not yet judged.
const UNKNOWN: Rules = 0xff;

/// `op` in positive form, and whether `op` denies it.
fn positive(op: CompareOp) -> (CompareOp, bool) {
    match op {
        CompareOp::Eq | CompareOp::Gt | CompareOp::Lt | CompareOp::Contains => (op, false),
        CompareOp::Ne | CompareOp::Le | CompareOp::Ge | CompareOp::NotContains => {
            (op.negate(), true)
        }
    }
}

impl Model {
    /// The literal of `filter`, making its atom on first sight.
    pub(super) fn intern(&mut self, filter: &Arc<Filter>) -> Lit {
        let (op, denied) = positive(filter.op);
        let found = if self.atoms.len() <= 16 {
            self.atoms.iter().position(|a| {
                a.op == op && a.field.name == filter.field.name && a.value == filter.value
            })
        } else {
            if self.index.is_empty() {
                for (i, a) in self.atoms.iter().enumerate() {
                    self.index.insert((a.field.name, a.op, a.value.clone()), i);
                }
            }
            (self.index)
                .get(&(filter.field.name, op, filter.value.clone()))
                .copied()
        };
        let at = match found {
            Some(at) => at,
            None => {
                let lower = match &filter.value {
                    Literal::Text(t) if t.is_ascii() => Some(t.to_ascii_lowercase()),
                    _ => None,
                };
                if !self.index.is_empty() {
                    let key = (filter.field.name, op, filter.value.clone());
                    self.index.insert(key, self.atoms.len());
                }
                let field_id = match self.fields.iter().position(|&f| f == filter.field.name) {
                    Some(at) => at,
                    None => {
                        self.fields.push(filter.field.name);
                        self.fields.len() - 1
                    }
                };
                self.atoms.push(Atom {
                    field: filter.field,
                    field_id,
                    op,
                    value: filter.value.clone(),
                    seen: [None, None],
                    lower,
                });
                self.atoms.len() - 1
            }
        };
        let seen = &mut self.atoms[at].seen[usize::from(denied)];
        if seen.is_none() {
            *seen = Some(filter.clone());
        }
        lit(at, denied)
    }

    /// The atoms `= c` of the number fields where the comparisons of `lits`
    /// leave `c` alone between two bounds (`< c` and `> c`, or `< c` and
    /// `>= c + 1`) and `= c` is not among them, made when new: simplifying
    /// `id != 1 and id <= 1` leaves `id < 1`, and the exact minimum can
    /// find `id != 1` only among its atoms. None when the atoms of `lits`
    /// and the points would be more than `room`.
    pub(super) fn points_between(
        &mut self,
        lits: impl Iterator<Item = Lit>,
        room: usize,
    ) -> Vec<Lit> {
        let mut atoms: Vec<usize> = lits.map(atom_of).collect();
        atoms.sort_unstable();
        atoms.dedup();
        if atoms.len() >= room {
            return Vec::new();
        }
        // Each bound splits the numbers into `< b` and `>= b`: `< c` at
        // `c`, `> c` at `c + 1`. Two bounds one apart leave one number.
        let mut bounds: Vec<(usize, i64, usize)> = Vec::new();
        for &a in &atoms {
            let atom = &self.atoms[a];
            if !matches!(atom.field.ty, FieldType::Integer | FieldType::Date) {
                continue;
            }
            let Some(c) = atom.value.as_number() else {
                continue;
            };
            let bound = match atom.op {
                CompareOp::Lt => Some(c),
                CompareOp::Gt => c.checked_add(1),
                _ => None,
            };
            if let Some(b) = bound {
                bounds.push((atom.field_id, b, a));
            }
        }
        bounds.sort_unstable();
        bounds.dedup_by_key(|&mut (field, b, _)| (field, b));
        let mut points = Vec::new();
        for pair in bounds.windows(2) {
            let ((field, low, a), (next_field, high, _)) = (pair[0], pair[1]);
            if field != next_field || low.checked_add(1) != Some(high) {
                continue;
            }
            let atom = &self.atoms[a];
            let point = Arc::new(Filter {
                field: atom.field,
                op: CompareOp::Eq,
                value: match atom.value {
                    Literal::Timestamp(_) => Literal::Timestamp(low),
                    _ => Literal::Integer(low),
                },
                span: self.span(lit(a, false)),
            });
            let l = self.intern(&point);
            if !atoms.contains(&atom_of(l)) && !points.contains(&l) {
                points.push(l);
            }
        }
        if atoms.len() + points.len() > room {
            points.clear();
        }
        points
    }

    /// The filter saying `l`: the one met in the expression, or a new one
    /// at the span of its atom's.
    pub(super) fn filter(&self, l: Lit) -> Arc<Filter> {
        let atom = &self.atoms[atom_of(l)];
        if let Some(f) = &atom.seen[usize::from(denied(l))] {
            return f.clone();
        }
        let span = atom.seen.iter().flatten().map(|f| f.span).next();
        Arc::new(Filter {
            field: atom.field,
            op: if denied(l) { atom.op.negate() } else { atom.op },
            value: atom.value.clone(),
            span: span.unwrap_or_default(),
        })
    }

    /// The span of the filter saying `l`.
    pub(super) fn span(&self, l: Lit) -> Span {
        self.filter(l).span
    }

    /// Whether `l` can be a filter of a request: the API has no negated
    /// tags test.
    pub(super) fn expressible(&self, l: Lit) -> bool {
        !(denied(l) && self.atoms[atom_of(l)].field.ty == FieldType::Tags)
    }

    /// Whether `l` is a text comparison.
    pub(super) fn is_text(&self, l: Lit) -> bool {
        self.atoms[atom_of(l)].field.ty == FieldType::String
    }

    /// Whether `l` asserts a tags test (several of them are one filter).
    pub(super) fn is_tags(&self, l: Lit) -> bool {
        !denied(l) && self.atoms[atom_of(l)].field.ty == FieldType::Tags
    }

    /// Whether `a` and `b` are on one field.
    pub(super) fn same_field(&self, a: Lit, b: Lit) -> bool {
        self.atoms[atom_of(a)].field_id == self.atoms[atom_of(b)].field_id
    }

    /// Whether some contact can satisfy every literal of `lits`, under
    /// some string rule the API may have; `true` where unsure. Fields are
    /// independent, except that one rule holds for them all: text literals
    /// on one field, pair by pair, leave the rules ([`Rules`]) under which
    /// they can both hold ([`Model::text_pair`]), and some rule must be
    /// left by every pair; numbers and tags are decided field by field.
    pub(super) fn consistent(&self, lits: &[Lit]) -> bool {
        self.rules(lits) != 0
    }

    /// The rules under which every literal of `lits` can hold (none when
    /// their numbers or tags cannot): [`Model::consistent`]'s answer in full.
    pub(super) fn rules(&self, lits: &[Lit]) -> Rules {
        let mut rules = ALL_RULES;
        // The fields whose numbers or tags are judged already (by their
        // place, for the first 64).
        let mut judged = 0u64;
        for (i, &a) in lits.iter().enumerate() {
            let atom = &self.atoms[atom_of(a)];
            match atom.field.ty {
                // A `!=` clashes only with an asserted `=` or a `~`
                // ([`Model::may_clash`]), which meets it in its own loop:
                // a long `not in` list costs no pairs.
                FieldType::String if self.asserts_eq(a) || atom.op == CompareOp::Contains => {
                    for (j, &b) in lits.iter().enumerate() {
                        if j != i && self.same_field(a, b) && self.may_clash(a, b) {
                            rules &= self.text_pair(a, b);
                            if rules == 0 {
                                return 0;
                            }
                        }
                    }
                    continue;
                }
                FieldType::String => continue,
                _ => {}
            }
            let first = if atom.field_id < 64 {
                let bit = 1u64 << atom.field_id;
                let first = judged & bit == 0;
                judged |= bit;
                first
            } else {
                !lits[..i].iter().any(|&k| self.same_field(a, k))
            };
            match atom.field.ty {
                _ if !first => {}
                FieldType::String => {}
                FieldType::Integer | FieldType::Date => {
                    let group = lits[i..].iter().copied().filter(|&k| self.same_field(a, k));
                    if !self.numbers_consistent(group) {
                        return 0;
                    }
                }
                FieldType::Tags => {
                    let group = lits[i..].iter().copied().filter(|&k| self.same_field(a, k));
                    if !self.tags_consistent(group) {
                        return 0;
                    }
                }
            }
        }
        rules
    }

    /// [`Model::rules`] of `lits` and `l` together, given `rules`, those of
    /// `lits` alone: only what `l` adds is judged, against the literals on
    /// its field, so a case split pays for the literal it adds rather than
    /// for every one it holds.
    pub(super) fn rules_with(&self, lits: &[Lit], rules: Rules, l: Lit) -> Rules {
        let same = lits.iter().copied().filter(|&k| self.same_field(k, l));
        match self.atoms[atom_of(l)].field.ty {
            FieldType::String => same
                .filter(|&k| self.may_clash(k, l))
                .fold(rules, |rules, k| rules & self.text_pair(k, l)),
            FieldType::Integer | FieldType::Date => {
                let group = same.chain(std::iter::once(l));
                if self.numbers_consistent(group) {
                    rules
                } else {
                    0
                }
            }
            FieldType::Tags => {
                let group = same.chain(std::iter::once(l));
                if self.tags_consistent(group) {
                    rules
                } else {
                    0
                }
            }
        }
    }

    /// Numbers are exact: if the literals admit a value, the least one is
    /// an end of the numbers or next to a constant, so those are tried.
    fn numbers_consistent(&self, group: impl Iterator<Item = Lit> + Clone) -> bool {
        let admits = |x: i64| {
            group.clone().all(|l| {
                let atom = &self.atoms[atom_of(l)];
                let v = atom.value.as_number().unwrap_or_default();
                let holds = match atom.op {
                    CompareOp::Gt => x > v,
                    CompareOp::Lt => x < v,
                    _ => x == v,
                };
                holds != denied(l)
            })
        };
        if admits(i64::MIN) || admits(i64::MAX) {
            return true;
        }
        group.clone().any(|l| {
            let v = self.atoms[atom_of(l)].value.as_number().unwrap_or_default();
            [v.saturating_sub(1), v, v.saturating_add(1)]
                .into_iter()
                .any(admits)
        })
    }

    /// A contact carrying exactly the asserted tags is the best chance for
    /// the denied ones; a denied test fails only when each of its names is
    /// asserted, which is so whether names compare with case or without.
    fn tags_consistent(&self, group: impl Iterator<Item = Lit> + Clone) -> bool {
        let names = |l: Lit| match &self.atoms[atom_of(l)].value {
            Literal::Tags(names) => names.as_slice(),
            _ => &[],
        };
        group.clone().filter(|&l| denied(l)).all(|no| {
            names(no).iter().any(|name| {
                !group
                    .clone()
                    .filter(|&yes| !denied(yes))
                    .any(|yes| names(yes).contains(name))
            })
        })
    }

    /// Whether text literals `a` and `b`, on one field, can leave fewer
    /// than every rule ([`Model::text_pair`]): only beside an asserted `=`,
    /// or as `~` beside `!~` ([`Model::texts_clash`],
    /// [`Model::fixed_allows`]). Two `!=`, or a `!=` and a `~`, never
    /// clash, so long `not in` lists skip their pairs.
    pub(super) fn may_clash(&self, a: Lit, b: Lit) -> bool {
        self.asserts_eq(a) || self.asserts_eq(b) || {
            let contains = |l: Lit| self.atoms[atom_of(l)].op == CompareOp::Contains;
            contains(a) && contains(b) && denied(a) != denied(b)
        }
    }

    /// Whether `l` asserts `=`.
    pub(super) fn asserts_eq(&self, l: Lit) -> bool {
        !denied(l) && self.atoms[atom_of(l)].op == CompareOp::Eq
    }

    /// The rules under which text literals `a` and `b`, on one field, can
    /// both hold: those [`Model::texts_clash`] leaves, less those where a
    /// value fixed by one (`= A`) makes the other fail
    /// ([`Model::fixed_allows`]). Kept in [`Model::pairs`] once judged.
    pub(super) fn text_pair(&self, a: Lit, b: Lit) -> Rules {
        let n = self.atoms.len();
        if n > CACHED_ATOMS {
            let key = u64::from(a) << 32 | u64::from(b);
            if let Some(&rules) = self.far_pairs.borrow().get(&key) {
                return rules;
            }
            let rules = self.judge_pair(a, b);
            self.far_pairs.borrow_mut().insert(key, rules);
            return rules;
        }
        let width = 2 * n;
        let at = a as usize * width + b as usize;
        let mut pairs = self.pairs.borrow_mut();
        if pairs.len() != width * width {
            pairs.clear();
            pairs.resize(width * width, UNKNOWN);
        }
        if pairs[at] == UNKNOWN {
            pairs[at] = self.judge_pair(a, b);
        }
        pairs[at]
    }

    fn judge_pair(&self, a: Lit, b: Lit) -> Rules {
        !(self.texts_clash(a, b) | self.texts_clash(b, a))
            & self.fixed_allows(a, b)
            & self.fixed_allows(b, a)
            & ALL_RULES
    }

    /// With `a` asserting `= A`, the value is `A` itself when `=` compares
    /// exactly, and `A` up to case when it does not; so `b` is known under
    /// each rule, except where case matters and a text is not ASCII, and
    /// `~ C` compared exactly on a value known only up to case, which is
    /// left free unless `A` lacks `C` even ignoring case. The rules under
    /// which `b` is not known to fail (all of them when `a` is not `= A`).
    fn fixed_allows(&self, a: Lit, b: Lit) -> Rules {
        let (x, y) = (&self.atoms[atom_of(a)], &self.atoms[atom_of(b)]);
        if denied(a) || x.op != CompareOp::Eq || atom_of(a) == atom_of(b) {
            return ALL_RULES;
        }
        let (Literal::Text(va), Literal::Text(vc)) = (&x.value, &y.value) else {
            return ALL_RULES;
        };
        let lower = x.lower.as_deref().zip(y.lower.as_deref());
        let mut rules = 0;
        for rule in 0..4 {
            let (eq_ci, contains_ci) = (rule & EQ_CI_BIT != 0, rule & CONTAINS_CI_BIT != 0);
            let known = match (y.op, eq_ci, contains_ci, lower) {
                (CompareOp::Eq, false, _, _) => Some(va == vc),
                (_, false, false, _) => Some(va.contains(vc.as_str())),
                (_, _, _, None) => None,
                (CompareOp::Eq, true, _, Some((la, lc))) => Some(la == lc),
                (_, _, true, Some((la, lc))) => Some(la.contains(lc)),
                (_, true, false, Some((la, lc))) => (!la.contains(lc)).then_some(false),
            };
            if known.is_none_or(|holds| holds != denied(b)) {
                rules |= 1 << rule;
            }
        }
        rules
    }

    /// The rules under which text literals `a` and `b` (one field) cannot
    /// both hold:
    ///
    /// - an atom asserted and denied: every rule;
    /// - `= A` and `= B`: when `=` is exact; without case too when `A` and
    ///   `B` differ even ignoring case, spaces and punctuation
    ///   ([`surely_differ`]);
    /// - `~ A` and `!~ B`: when `~` is exact and `B` is in `A`; without case
    ///   too when both are ASCII and `B` is in `A` ignoring case
    ///   (`~ "fb.ann"` implies `~ "fb."`);
    /// - `= A` and `!~ ""`: every rule (a value is present, and holds "");
    /// - `= A` and `~ B` where `B` is not in `A` even ignoring case
    ///   ([`cannot_contain`]): every rule (`city = Lviv and city ~ Ky`).
    fn texts_clash(&self, a: Lit, b: Lit) -> Rules {
        if atom_of(a) == atom_of(b) {
            return if denied(a) != denied(b) { ALL_RULES } else { 0 };
        }
        let (x, y) = (&self.atoms[atom_of(a)], &self.atoms[atom_of(b)]);
        let (Literal::Text(va), Literal::Text(vb)) = (&x.value, &y.value) else {
            return 0;
        };
        let when = |rules: Rules, clash: bool| if clash { rules } else { 0 };
        match (x.op, denied(a), y.op, denied(b)) {
            (CompareOp::Eq, false, CompareOp::Eq, false) => {
                EQ_EXACT | when(ALL_RULES, surely_differ(va, vb))
            }
            (CompareOp::Contains, false, CompareOp::Contains, true) => {
                let folded = match (&x.lower, &y.lower) {
                    (Some(la), Some(lb)) => la.contains(lb.as_str()),
                    _ => false,
                };
                when(CONTAINS_EXACT, va.contains(vb.as_str())) | when(CONTAINS_CI, folded)
            }
            (CompareOp::Eq, false, CompareOp::Contains, true) => when(ALL_RULES, vb.is_empty()),
            (CompareOp::Eq, false, CompareOp::Contains, false) => {
                when(ALL_RULES, cannot_contain(va, vb))
            }
            _ => 0,
        }
    }
}

/// A set of the four string rules hcq allows the API, one bit each:
/// rule `r` is bit `1 << r`, its number saying whether `=` ([`EQ_CI_BIT`])
/// and `~` ([`CONTAINS_CI_BIT`]) compare without case. "Without case" compares ASCII letters without case,
/// whatever it does to other text; how tag names compare is not needed.
pub(super) type Rules = u8;

/// Bit of a rule's number (0 to 3): `=` compares without case.
const EQ_CI_BIT: u8 = 2;
/// Bit of a rule's number: `~` compares without case.
const CONTAINS_CI_BIT: u8 = 1;
pub(super) const ALL_RULES: Rules = 0b1111;
/// The rules where `=` is exact (rules 0 and 1).
const EQ_EXACT: Rules = 0b0011;
/// The rules where `~` is exact (rules 0 and 2).
const CONTAINS_EXACT: Rules = 0b0101;
/// The rules where `~` ignores case (rules 1 and 3).
const CONTAINS_CI: Rules = 0b1010;

/// Whether no value can equal both `a` and `b` under any plausible rule for
/// `=`: exact, without case, or by a collation that also ignores spaces
/// and punctuation. Only ASCII text is judged, so that no Unicode case
/// folding (`ß`, `K` as the Kelvin sign, final sigma) can make two texts
/// equal that look different here; anything else is "not sure".
pub(super) fn surely_differ(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    // Their letters and digits, lower-cased, compared byte by byte.
    let (mut x, mut y) = (a.bytes(), b.bytes());
    loop {
        let next = |it: &mut std::str::Bytes<'_>| {
            it.find(u8::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
        };
        match (next(&mut x), next(&mut y)) {
            (None, None) => return false,
            (p, q) if p != q => return true,
            _ => {}
        }
    }
}

/// Whether no value equal to `a` can contain `b`, under any plausible rule
/// for `=` and `~` (each exact or without case, `=` perhaps also ignoring
/// spaces and punctuation): `b` is ASCII letters and digits, `a` is ASCII,
/// and `a`'s letters and digits, lower-cased, do not hold `b` lower-cased.
/// A value equal to `a` has `a`'s letters and digits up to case, and a
/// value holding `b` holds its letters in a row up to case.
pub(super) fn cannot_contain(a: &str, b: &str) -> bool {
    if !a.is_ascii() || b.is_empty() || !b.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let key: String = a
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !key.contains(&b.to_ascii_lowercase())
}
