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
    /// `=`, `>`, `<` or `~` (`=` for tags).
    pub(super) op: CompareOp,
    pub(super) value: Literal,
    /// The filters met for it, asserted and denied, reused so that their
    /// spans still point at the source.
    seen: [Option<Arc<Filter>>; 2],
}

/// The atoms of one expression.
#[derive(Default)]
pub(super) struct Model {
    pub(super) atoms: Vec<Atom>,
}

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
        let found = self.atoms.iter().position(|a| {
            a.op == op && a.field.name == filter.field.name && a.value == filter.value
        });
        let at = match found {
            Some(at) => at,
            None => {
                self.atoms.push(Atom {
                    field: filter.field,
                    op,
                    value: filter.value.clone(),
                    seen: [None, None],
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

    /// Whether `l` asserts a tags test (several of them are one filter).
    pub(super) fn is_tags(&self, l: Lit) -> bool {
        !denied(l) && self.atoms[atom_of(l)].field.ty == FieldType::Tags
    }

    /// Whether some contact can satisfy every literal of `lits`, under
    /// some string rule the API may have; `true` where unsure. Fields are
    /// independent, except that one rule holds for them all: each field's
    /// literals give the rules ([`Rules`]) under which they can hold, and
    /// some rule must be among them all.
    pub(super) fn consistent(&self, lits: &[Lit]) -> bool {
        match lits {
            [] => true,
            [only] => self.field_rules(*only, std::iter::once(*only)) != 0,
            _ => {
                let mut rules = ALL_RULES;
                for (i, &l) in lits.iter().enumerate() {
                    let field = self.atoms[atom_of(l)].field.name;
                    // Each field once, at its first literal.
                    if lits[..i]
                        .iter()
                        .any(|&k| self.atoms[atom_of(k)].field.name == field)
                    {
                        continue;
                    }
                    let group = lits[i..]
                        .iter()
                        .copied()
                        .filter(|&k| self.atoms[atom_of(k)].field.name == field);
                    rules &= self.field_rules(l, group);
                    if rules == 0 {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// The rules under which the literals of `group`, all on `first`'s
    /// field, can hold.
    fn field_rules(&self, first: Lit, group: impl Iterator<Item = Lit> + Clone) -> Rules {
        let all_or_none = |ok: bool| if ok { ALL_RULES } else { 0 };
        match self.atoms[atom_of(first)].field.ty {
            FieldType::Integer | FieldType::Date => all_or_none(self.numbers_consistent(group)),
            FieldType::Tags => all_or_none(self.tags_consistent(group)),
            FieldType::String => self.texts_rules(group),
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

    /// Text: the rules the laws of [`Model::texts_clash`] leave, pair by
    /// pair, and, when one literal fixes the value (`= A`), those of
    /// [`Model::fixed_text_rules`].
    fn texts_rules(&self, group: impl Iterator<Item = Lit> + Clone) -> Rules {
        let lits: Vec<Lit> = group.collect();
        let mut rules = ALL_RULES;
        for (i, &a) in lits.iter().enumerate() {
            for &b in &lits[i + 1..] {
                rules &= !(self.texts_clash(a, b) | self.texts_clash(b, a));
            }
        }
        if rules == 0 {
            return 0;
        }
        rules & self.fixed_text_rules(&lits)
    }

    /// With `= A` asserted, the value is `A` itself when `=` compares
    /// exactly, and `A` up to case when it does not; so each other literal
    /// is known under each rule, except where case matters and the text is
    /// not ASCII, and `~ C` compared exactly on a value known only up to
    /// case, which is left free unless `A` lacks `C` even ignoring case.
    /// The rules under which no literal is known to fail.
    fn fixed_text_rules(&self, lits: &[Lit]) -> Rules {
        let text = |l: Lit| match &self.atoms[atom_of(l)].value {
            Literal::Text(t) => t.as_str(),
            _ => "",
        };
        let Some(a) = lits
            .iter()
            .find(|&&l| !denied(l) && self.atoms[atom_of(l)].op == CompareOp::Eq)
            .map(|&l| text(l))
        else {
            return ALL_RULES;
        };
        let ascii = lits.iter().all(|&l| text(l).is_ascii());
        let lower_a = a.to_ascii_lowercase();
        let mut rules = 0;
        for rule in 0..4 {
            let (eq_ci, contains_ci) = (rule & EQ_CI_BIT != 0, rule & CONTAINS_CI_BIT != 0);
            let possible = lits.iter().all(|&l| {
                let c = text(l);
                let known = match (self.atoms[atom_of(l)].op, eq_ci, contains_ci) {
                    (CompareOp::Eq, false, _) => Some(a == c),
                    (_, false, false) => Some(a.contains(c)),
                    _ if !ascii => None,
                    (CompareOp::Eq, true, _) => Some(lower_a == c.to_ascii_lowercase()),
                    (_, _, true) => Some(lower_a.contains(&c.to_ascii_lowercase())),
                    (_, true, false) => {
                        (!lower_a.contains(&c.to_ascii_lowercase())).then_some(false)
                    }
                };
                known.is_none_or(|holds| holds != denied(l))
            });
            if possible {
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
                let ascii = va.is_ascii() && vb.is_ascii();
                let folded = ascii && va.to_ascii_lowercase().contains(&vb.to_ascii_lowercase());
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
type Rules = u8;

/// Bit of a rule's number (0 to 3): `=` compares without case.
const EQ_CI_BIT: u8 = 2;
/// Bit of a rule's number: `~` compares without case.
const CONTAINS_CI_BIT: u8 = 1;
const ALL_RULES: Rules = 0b1111;
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
    let key = |s: &str| {
        s.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<Vec<u8>>()
    };
    key(a) != key(b)
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
