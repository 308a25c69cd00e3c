//! The brute force behind `tests/fewest.rs` and `examples/request_corpus.rs`,
//! independent of hcq's own reasoning: which combinations of comparisons'
//! truth values contacts produce under eight string rules (`=`, `~` and tag
//! names each compared exactly or ignoring case), the fewest requests whose
//! union agrees with an expression on all of them, and whether a request of
//! a plan is covered by the others.

#![allow(dead_code)]

use hcq::ast::CompareOp;
use hcq::plan::{self, Comparison};
use hcq::typed::{Expr, Filter, Literal};
use std::collections::BTreeSet;

/// A comparison in its positive form (`=`, `>`, `<`, `~`, a tags test).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Atom {
    pub field: String,
    pub op: Op,
    pub value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Eq,
    Gt,
    Lt,
    Contains,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Number(i64),
    Text(String),
    Tags(Vec<String>),
}

/// How the API might compare text and tag names.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub eq_ci: bool,
    pub contains_ci: bool,
    pub tags_ci: bool,
}

pub fn rules() -> Vec<Rule> {
    let mut all = Vec::new();
    for bits in 0..8 {
        all.push(Rule {
            eq_ci: bits & 1 == 1,
            contains_ci: bits & 2 == 2,
            tags_ci: bits & 4 == 4,
        });
    }
    all
}

/// One field's value in a contact.
#[derive(Clone, Debug)]
pub enum FieldValue {
    Number(i64),
    Text(Option<String>),
    Tags(Vec<String>),
}

pub fn same(a: &str, b: &str, ci: bool) -> bool {
    if ci {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// Whether `atom` holds for a field whose value is `v`, under `rule`.
pub fn holds(atom: &Atom, v: &FieldValue, rule: Rule) -> bool {
    match (&atom.value, v) {
        (Value::Number(c), FieldValue::Number(x)) => match atom.op {
            Op::Eq => x == c,
            Op::Gt => x > c,
            Op::Lt => x < c,
            Op::Contains => unreachable!("no `~` on numbers"),
        },
        (Value::Text(c), FieldValue::Text(x)) => match (atom.op, x) {
            (_, None) => false,
            (Op::Eq, Some(x)) => same(x, c, rule.eq_ci),
            (Op::Contains, Some(x)) if rule.contains_ci => {
                x.to_lowercase().contains(&c.to_lowercase())
            }
            (Op::Contains, Some(x)) => x.contains(c.as_str()),
            _ => unreachable!("no ordering on text"),
        },
        (Value::Tags(names), FieldValue::Tags(carried)) => names
            .iter()
            .all(|n| carried.iter().any(|c| same(c, n, rule.tags_ci))),
        _ => unreachable!("a value of the field's type"),
    }
}

/// `op` in positive form, and whether `op` denies it.
pub fn positive(op: CompareOp) -> (Op, bool) {
    match op {
        CompareOp::Eq => (Op::Eq, false),
        CompareOp::Ne => (Op::Eq, true),
        CompareOp::Gt => (Op::Gt, false),
        CompareOp::Le => (Op::Gt, true),
        CompareOp::Lt => (Op::Lt, false),
        CompareOp::Ge => (Op::Lt, true),
        CompareOp::Contains => (Op::Contains, false),
        CompareOp::NotContains => (Op::Contains, true),
    }
}

pub fn of_typed(f: &Filter) -> (Atom, bool) {
    let (op, denied) = positive(f.op);
    let value = match &f.value {
        Literal::Integer(n) | Literal::Timestamp(n) => Value::Number(*n),
        Literal::Text(t) => Value::Text(t.clone()),
        Literal::Tags(names) => Value::Tags(names.clone()),
    };
    let atom = Atom {
        field: f.field.name.to_owned(),
        op,
        value,
    };
    (atom, denied)
}

pub fn of_plan(f: &plan::Filter) -> (Atom, bool) {
    let (op, denied) = match f.operator {
        plan::Operator::Eq => (Op::Eq, false),
        plan::Operator::Ne => (Op::Eq, true),
        plan::Operator::Gt => (Op::Gt, false),
        plan::Operator::Le => (Op::Gt, true),
        plan::Operator::Lt => (Op::Lt, false),
        plan::Operator::Ge => (Op::Lt, true),
        plan::Operator::Contains => (Op::Contains, false),
        plan::Operator::NotContains => (Op::Contains, true),
    };
    let value = match &f.value {
        plan::Value::Number(n) => Value::Number(*n),
        plan::Value::Text(t) => Value::Text(t.clone()),
        plan::Value::Tags(tags) => Value::Tags(tags.iter().map(|t| t.name.clone()).collect()),
    };
    let atom = Atom {
        field: f.field.to_string(),
        op,
        value,
    };
    (atom, denied)
}

/// The values a field takes in the contacts tried: around every number,
/// and for text every constant, its case variants, inside other text,
/// pairs of constants joined, empty and absent; for tags every set of the
/// names mentioned and their case variants.
pub fn candidates(atoms: &[&Atom]) -> Vec<FieldValue> {
    match &atoms[0].value {
        Value::Number(_) => {
            let mut values = BTreeSet::new();
            for a in atoms {
                if let Value::Number(c) = a.value {
                    values.extend([c - 1, c, c + 1]);
                }
            }
            values.into_iter().map(FieldValue::Number).collect()
        }
        Value::Text(_) => {
            let texts: Vec<&str> = atoms
                .iter()
                .filter_map(|a| match &a.value {
                    Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            let mut values = BTreeSet::new();
            values.insert(String::new());
            values.insert("zz".to_owned());
            for t in &texts {
                values.extend(case_variants(t));
                values.insert(t.to_uppercase());
                values.insert(t.to_lowercase());
                values.insert(format!("x{t}x"));
                for u in &texts {
                    values.insert(format!("{t}{u}"));
                    values.insert(format!("{t}{}", u.to_uppercase()));
                }
            }
            // Several constants in one value: every subset joined, for a
            // few constants; all of them and all but one, for more.
            let distinct: Vec<&str> = texts
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if distinct.len() <= 6 {
                for set in 0..1u32 << distinct.len() {
                    let joined: Vec<&str> = (0..distinct.len())
                        .filter(|i| set >> i & 1 == 1)
                        .map(|i| distinct[i])
                        .collect();
                    values.insert(joined.join("_"));
                }
            } else {
                values.insert(distinct.join("_"));
                for skip in 0..distinct.len() {
                    let rest: Vec<&str> = (0..distinct.len())
                        .filter(|&i| i != skip)
                        .map(|i| distinct[i])
                        .collect();
                    values.insert(rest.join("_"));
                }
            }
            let mut out: Vec<FieldValue> = values
                .into_iter()
                .map(|v| FieldValue::Text(Some(v)))
                .collect();
            out.push(FieldValue::Text(None));
            out
        }
        Value::Tags(_) => {
            let mut names = BTreeSet::new();
            for a in atoms {
                if let Value::Tags(list) = &a.value {
                    for n in list {
                        names.insert(n.clone());
                        names.insert(n.to_uppercase());
                    }
                }
            }
            let names: Vec<String> = names.into_iter().collect();
            (0..1u32 << names.len())
                .map(|set| {
                    let carried = (0..names.len())
                        .filter(|i| set >> i & 1 == 1)
                        .map(|i| names[i].clone())
                        .collect();
                    FieldValue::Tags(carried)
                })
                .collect()
        }
    }
}

/// Every way of writing `t`'s letters in either case (for at most eight
/// letters), and with each `k` as the Kelvin sign, which lower-cases to `k`.
pub fn case_variants(t: &str) -> Vec<String> {
    let chars: Vec<char> = t.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() > 8 {
        return vec![t.to_owned(), t.to_uppercase(), t.to_lowercase()];
    }
    let mut out = Vec::new();
    for set in 0..1u32 << letters.len() {
        let mut v = chars.clone();
        for (bit, &i) in letters.iter().enumerate() {
            v[i] = if set >> bit & 1 == 1 {
                v[i].to_uppercase().next().unwrap_or(v[i])
            } else {
                v[i].to_lowercase().next().unwrap_or(v[i])
            };
        }
        out.push(v.iter().collect::<String>());
        let kelvin: String = v
            .iter()
            .map(|&c| if c == 'k' || c == 'K' { '\u{212A}' } else { c })
            .collect();
        out.push(kelvin);
    }
    out
}

/// Every combination of the atoms' truth values some contact produces
/// under some rule, as bit sets (bit `i` for atom `i`).
pub fn realizable(atoms: &[Atom]) -> BTreeSet<u32> {
    let fields: BTreeSet<&str> = atoms.iter().map(|a| a.field.as_str()).collect();
    let mut all = BTreeSet::new();
    for rule in rules() {
        // Fields are independent: the patterns of the whole are every
        // combination of each field's patterns.
        let mut patterns: BTreeSet<u32> = BTreeSet::from([0]);
        for field in &fields {
            let mine: Vec<usize> = (0..atoms.len())
                .filter(|&i| atoms[i].field == *field)
                .collect();
            let refs: Vec<&Atom> = mine.iter().map(|&i| &atoms[i]).collect();
            let local: BTreeSet<u32> = candidates(&refs)
                .iter()
                .map(|v| {
                    mine.iter()
                        .filter(|&&i| holds(&atoms[i], v, rule))
                        .fold(0, |bits, &i| bits | 1 << i)
                })
                .collect();
            patterns = patterns
                .iter()
                .flat_map(|p| local.iter().map(move |q| p | q))
                .collect();
        }
        all.extend(patterns);
    }
    all
}

pub fn index(atoms: &mut Vec<Atom>, atom: Atom) -> usize {
    match atoms.iter().position(|a| *a == atom) {
        Some(i) => i,
        None => {
            atoms.push(atom);
            atoms.len() - 1
        }
    }
}

pub fn collect_typed(expr: &Expr, atoms: &mut Vec<Atom>) {
    match expr {
        Expr::Filter(f) => {
            index(atoms, of_typed(f).0);
        }
        Expr::Not(inner, _) => collect_typed(inner, atoms),
        Expr::And(items, _) | Expr::Or(items, _) => {
            items.iter().for_each(|e| collect_typed(e, atoms))
        }
        Expr::All(_) => {}
    }
}

pub fn eval_expr(expr: &Expr, atoms: &[Atom], p: u32) -> bool {
    match expr {
        Expr::Filter(f) => {
            let (atom, denied) = of_typed(f);
            let i = atoms.iter().position(|a| *a == atom).expect("collected");
            (p >> i & 1 == 1) != denied
        }
        Expr::Not(inner, _) => !eval_expr(inner, atoms, p),
        Expr::And(items, _) => items.iter().all(|e| eval_expr(e, atoms, p)),
        Expr::Or(items, _) => items.iter().any(|e| eval_expr(e, atoms, p)),
        Expr::All(_) => true,
    }
}

pub fn eval_plan(plan: &plan::Plan, atoms: &[Atom], p: u32) -> bool {
    let filter = |f: &plan::Filter| {
        let (atom, denied) = of_plan(f);
        let i = atoms.iter().position(|a| *a == atom).expect("collected");
        (p >> i & 1 == 1) != denied
    };
    plan.requests.iter().any(|r| match r.comparison {
        Comparison::And => r.filter.iter().all(filter),
        Comparison::Or => r.filter.iter().any(filter),
    })
}

/// A cube: literals `(atom, denied)`, each atom once.
pub type Cube = Vec<(usize, bool)>;

pub fn cube_holds(cube: &Cube, p: u32) -> bool {
    cube.iter().all(|&(i, d)| (p >> i & 1 == 1) != d)
}

/// The fewest requests whose union is `on` on the `patterns`, each request
/// an AND-list of the atoms asserted or denied (tags only asserted), or the
/// one OR-list of single filters (one literal, or asserted tags tests only,
/// which one `tagsData` filter holds).
pub fn brute_minimum(atoms: &[Atom], patterns: &[u32], on: &[bool]) -> usize {
    if !on.iter().any(|&b| b) {
        return 0;
    }
    let n = atoms.len();
    let is_tags = |i: usize| matches!(atoms[i].value, Value::Tags(_));
    // Every cube, as the set of patterns it holds on (bit per pattern).
    let mut cubes: Vec<(Cube, u128)> = Vec::new();
    let mut choice = vec![0u8; n];
    loop {
        let cube: Cube = (0..n)
            .filter(|&i| choice[i] != 0)
            .map(|i| (i, choice[i] == 2))
            .collect();
        if !cube.is_empty() && !cube.iter().any(|&(i, d)| d && is_tags(i)) {
            let set = (0..patterns.len())
                .filter(|&k| cube_holds(&cube, patterns[k]))
                .fold(0u128, |s, k| s | 1 << k);
            cubes.push((cube, set));
        }
        // Next choice, counting in base 3.
        let mut i = 0;
        while i < n && choice[i] == 2 {
            choice[i] = 0;
            i += 1;
        }
        if i == n {
            break;
        }
        choice[i] += 1;
    }
    let on_set = (0..patterns.len())
        .filter(|&k| on[k])
        .fold(0u128, |s, k| s | 1 << k);
    let implicants: Vec<&(Cube, u128)> = cubes
        .iter()
        .filter(|(_, set)| set & !on_set == 0 && *set != 0)
        .collect();
    let single = |c: &Cube| c.len() == 1 || c.iter().all(|&(i, d)| !d && is_tags(i));
    let by_or = implicants
        .iter()
        .filter(|(c, _)| single(c))
        .fold(0u128, |s, (_, set)| s | set);
    let sub = |a: &Cube, b: &Cube| a.len() < b.len() && a.iter().all(|l| b.contains(l));
    let primes: Vec<u128> = implicants
        .iter()
        .filter(|(c, _)| !single(c))
        .filter(|(c, _)| !implicants.iter().any(|(d, _)| sub(d, c)))
        .map(|(_, set)| *set)
        .collect();
    let mut best = usize::MAX;
    for use_or in [false, true] {
        let target = if use_or { on_set & !by_or } else { on_set };
        for k in 0..=primes.len() {
            if k + usize::from(use_or) >= best {
                break;
            }
            if choose(&primes, target, k, 0) {
                best = k + usize::from(use_or);
                break;
            }
        }
    }
    best
}

/// Whether `k` of `sets[from..]` cover `target`.
pub fn choose(sets: &[u128], target: u128, k: usize, from: usize) -> bool {
    if target == 0 {
        return true;
    }
    if k == 0 {
        return false;
    }
    (from..sets.len()).any(|i| choose(sets, target & !sets[i], k - 1, i + 1))
}

/// A plan's requests over `atoms`: how each combines and its literals.
pub fn requests_of(plan: &plan::Plan, atoms: &mut Vec<Atom>) -> Vec<(Comparison, Cube)> {
    plan.requests
        .iter()
        .map(|r| {
            let lits = r
                .filter
                .iter()
                .map(|f| {
                    let (atom, denied) = of_plan(f);
                    (index(atoms, atom), denied)
                })
                .collect();
            (r.comparison, lits)
        })
        .collect()
}

/// Whether some contact, under some rule, is selected by request `target`
/// of `requests` and by no other, so that the request is not covered:
/// `Some(true)` when one is found among the contacts tried, `Some(false)`
/// when none is, `None` when `nodes` runs out first. Contacts are searched
/// field by field, each request judged as soon as its fields are set.
pub fn own_contact(
    atoms: &[Atom],
    requests: &[(Comparison, Cube)],
    target: usize,
    nodes: &mut u64,
) -> Option<bool> {
    let fields: Vec<&str> = atoms
        .iter()
        .map(|a| a.field.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for rule in rules() {
        // Each field's atoms and the truth values its candidate values give.
        let locals: Vec<(Vec<usize>, Vec<Vec<bool>>)> = fields
            .iter()
            .map(|field| {
                let mine: Vec<usize> = (0..atoms.len())
                    .filter(|&i| atoms[i].field == *field)
                    .collect();
                let refs: Vec<&Atom> = mine.iter().map(|&i| &atoms[i]).collect();
                let patterns: BTreeSet<Vec<bool>> = candidates(&refs)
                    .iter()
                    .map(|v| mine.iter().map(|&i| holds(&atoms[i], v, rule)).collect())
                    .collect();
                (mine, patterns.into_iter().collect())
            })
            .collect();
        let mut values = vec![None; atoms.len()];
        if search(&locals, 0, &mut values, requests, target, nodes)? {
            return Some(true);
        }
    }
    Some(false)
}

fn search(
    locals: &[(Vec<usize>, Vec<Vec<bool>>)],
    at: usize,
    values: &mut Vec<Option<bool>>,
    requests: &[(Comparison, Cube)],
    target: usize,
    nodes: &mut u64,
) -> Option<bool> {
    *nodes = nodes.checked_sub(1)?;
    // Each request: known true, known false, or not yet known.
    for (k, (comparison, lits)) in requests.iter().enumerate() {
        let known: Vec<Option<bool>> = lits
            .iter()
            .map(|&(i, denied)| values[i].map(|v| v != denied))
            .collect();
        let status = match comparison {
            Comparison::And if known.contains(&Some(false)) => Some(false),
            Comparison::And if known.iter().all(|k| *k == Some(true)) => Some(true),
            Comparison::Or if known.contains(&Some(true)) => Some(true),
            Comparison::Or if known.iter().all(|k| *k == Some(false)) => Some(false),
            _ => None,
        };
        let wanted = k == target;
        if status == Some(!wanted) {
            return Some(false);
        }
    }
    let Some((mine, patterns)) = locals.get(at) else {
        return Some(true);
    };
    for pattern in patterns {
        for (&i, &v) in mine.iter().zip(pattern) {
            values[i] = Some(v);
        }
        let found = search(locals, at + 1, values, requests, target, nodes);
        for &i in mine {
            values[i] = None;
        }
        if found? {
            return Some(true);
        }
    }
    Some(false)
}
