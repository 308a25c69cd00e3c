//! The fewest requests, proven by brute force: for random expressions over
//! at most four comparisons, the plan has exactly as many requests as the
//! smallest plan this test finds by trying every combination, and selects
//! exactly what the expression selects under every string rule the API
//! might have.
//!
//! Nothing here uses hcq's own reasoning. Which combinations of the
//! comparisons' truth values a contact can produce is found by evaluating
//! them on contacts built from the expression's constants (each field
//! independently), under each of eight rules: `=`, `~` and tag names each
//! compared exactly or ignoring case. A plan is exact when, on every such
//! combination, some request holds exactly when the expression does. The
//! smallest plan is searched over the comparisons of the expression and of
//! hcq's plan, each asserted or denied (a tags test only asserted): one OR
//! request of single filters plus AND requests, by prime implicants and
//! every choice of them, fewest first.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default);
//! BENCHMARKS.md ("Fewest requests") gives a run of 20,000.

mod common;

use hcq::Limits;
use hcq::ast::{CompareOp, Span};
use hcq::lower::{self, PlanOptions};
use hcq::plan::{self, Comparison};
use hcq::schema::Schema;
use hcq::typed::{Expr, Filter, Literal, Query};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeSet;

/// A comparison in its positive form (`=`, `>`, `<`, `~`, a tags test).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Atom {
    field: String,
    op: Op,
    value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Eq,
    Gt,
    Lt,
    Contains,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Number(i64),
    Text(String),
    Tags(Vec<String>),
}

/// How the API might compare text and tag names.
#[derive(Clone, Copy, Debug)]
struct Rule {
    eq_ci: bool,
    contains_ci: bool,
    tags_ci: bool,
}

fn rules() -> Vec<Rule> {
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
enum FieldValue {
    Number(i64),
    Text(Option<String>),
    Tags(Vec<String>),
}

fn same(a: &str, b: &str, ci: bool) -> bool {
    if ci {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// Whether `atom` holds for a field whose value is `v`, under `rule`.
fn holds(atom: &Atom, v: &FieldValue, rule: Rule) -> bool {
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
fn positive(op: CompareOp) -> (Op, bool) {
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

fn of_typed(f: &Filter) -> (Atom, bool) {
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

fn of_plan(f: &plan::Filter) -> (Atom, bool) {
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
        field: f.field.clone(),
        op,
        value,
    };
    (atom, denied)
}

/// The values a field takes in the contacts tried: around every number,
/// and for text every constant, its case variants, inside other text,
/// pairs of constants joined, empty and absent; for tags every set of the
/// names mentioned and their case variants.
fn candidates(atoms: &[&Atom]) -> Vec<FieldValue> {
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
            let mut out: Vec<FieldValue> =
                values.into_iter().map(|v| FieldValue::Text(Some(v))).collect();
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
fn case_variants(t: &str) -> Vec<String> {
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
fn realizable(atoms: &[Atom]) -> BTreeSet<u32> {
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

fn index(atoms: &mut Vec<Atom>, atom: Atom) -> usize {
    match atoms.iter().position(|a| *a == atom) {
        Some(i) => i,
        None => {
            atoms.push(atom);
            atoms.len() - 1
        }
    }
}

fn collect_typed(expr: &Expr, atoms: &mut Vec<Atom>) {
    match expr {
        Expr::Filter(f) => {
            index(atoms, of_typed(f).0);
        }
        Expr::Not(inner, _) => collect_typed(inner, atoms),
        Expr::And(items, _) | Expr::Or(items, _) => {
            items.iter().for_each(|e| collect_typed(e, atoms))
        }
    }
}

fn eval_expr(expr: &Expr, atoms: &[Atom], p: u32) -> bool {
    match expr {
        Expr::Filter(f) => {
            let (atom, denied) = of_typed(f);
            let i = atoms.iter().position(|a| *a == atom).expect("collected");
            (p >> i & 1 == 1) != denied
        }
        Expr::Not(inner, _) => !eval_expr(inner, atoms, p),
        Expr::And(items, _) => items.iter().all(|e| eval_expr(e, atoms, p)),
        Expr::Or(items, _) => items.iter().any(|e| eval_expr(e, atoms, p)),
    }
}

fn eval_plan(plan: &plan::Plan, atoms: &[Atom], p: u32) -> bool {
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
type Cube = Vec<(usize, bool)>;

fn cube_holds(cube: &Cube, p: u32) -> bool {
    cube.iter().all(|&(i, d)| (p >> i & 1 == 1) != d)
}

/// The fewest requests whose union is `on` on the `patterns`, each request
/// an AND-list of the atoms asserted or denied (tags only asserted), or the
/// one OR-list of single filters (one literal, or asserted tags tests only,
/// which one `tagsData` filter holds).
fn brute_minimum(atoms: &[Atom], patterns: &[u32], on: &[bool]) -> usize {
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
fn choose(sets: &[u128], target: u128, k: usize, from: usize) -> bool {
    if target == 0 {
        return true;
    }
    if k == 0 {
        return false;
    }
    (from..sets.len()).any(|i| choose(sets, target & !sets[i], k - 1, i + 1))
}

fn make(field: &str, op: CompareOp, value: Literal) -> Filter {
    Filter {
        field: Schema::CONTACTS.by_name(field),
        op,
        value,
        span: Span::default(),
    }
}

/// The comparisons the expressions are made of: values that differ only
/// by case, substrings of each other, ranges that meet, tags in one test
/// and in two.
fn pool() -> Vec<Filter> {
    let text = |field, op, v: &str| make(field, op, Literal::Text(v.to_owned()));
    let id = |op, n| make("customers.id", op, Literal::Integer(n));
    let tags = |names: &[&str]| {
        make(
            "customers.tagsData",
            CompareOp::Eq,
            Literal::Tags(names.iter().map(|n| (*n).to_owned()).collect()),
        )
    };
    vec![
        text("customers.city", CompareOp::Eq, "Kyiv"),
        text("customers.city", CompareOp::Eq, "kyiv"),
        text("customers.city", CompareOp::Eq, "Lviv"),
        text("customers.city", CompareOp::Ne, "Kyiv"),
        text("customers.city", CompareOp::Contains, "Ky"),
        text("customers.city", CompareOp::NotContains, "iv"),
        text("customers.email", CompareOp::Contains, "fb.ann"),
        text("customers.email", CompareOp::Contains, "fb."),
        text("customers.email", CompareOp::NotContains, "FB"),
        text("customers.email", CompareOp::Eq, "a@fb.ann"),
        id(CompareOp::Gt, 1),
        id(CompareOp::Lt, 3),
        id(CompareOp::Eq, 2),
        id(CompareOp::Ne, 1),
        id(CompareOp::Ge, 2),
        tags(&["Lead"]),
        tags(&["Paid"]),
        tags(&["Lead", "Paid"]),
    ]
}

#[derive(Clone, Debug)]
enum Shape {
    Leaf(usize),
    Not(Box<Shape>),
    And(Vec<Shape>),
    Or(Vec<Shape>),
}

fn shape() -> impl Strategy<Value = Shape> {
    (0..4usize).prop_map(Shape::Leaf).prop_recursive(4, 12, 3, |inner| {
        prop_oneof![
            1 => inner.clone().prop_map(|s| Shape::Not(Box::new(s))),
            2 => proptest::collection::vec(inner.clone(), 2..=3).prop_map(Shape::And),
            2 => proptest::collection::vec(inner, 2..=3).prop_map(Shape::Or),
        ]
    })
}

/// `shape` over `filters`; a `not` over a tags test is left out, as the
/// checker refuses it.
fn build(shape: &Shape, filters: &[Filter]) -> Expr {
    match shape {
        Shape::Leaf(i) => Expr::Filter(filters[i % filters.len()].clone()),
        Shape::Not(inner) => {
            let inner = build(inner, filters);
            if has_tags(&inner) {
                inner
            } else {
                Expr::Not(Box::new(inner), Span::default())
            }
        }
        Shape::And(items) => Expr::And(
            items.iter().map(|s| build(s, filters)).collect(),
            Span::default(),
        ),
        Shape::Or(items) => Expr::Or(
            items.iter().map(|s| build(s, filters)).collect(),
            Span::default(),
        ),
    }
}

fn has_tags(expr: &Expr) -> bool {
    match expr {
        Expr::Filter(f) => matches!(f.value, Literal::Tags(_)),
        Expr::Not(inner, _) => has_tags(inner),
        Expr::And(items, _) | Expr::Or(items, _) => items.iter().any(has_tags),
    }
}

fn expression() -> impl Strategy<Value = Expr> {
    (
        proptest::collection::vec(select(pool()), 1..=4),
        shape(),
    )
        .prop_map(|(filters, shape)| build(&shape, &filters))
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_requests = usize::MAX;
    limits
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// The plan is exact under every rule, and no plan over the same
    /// comparisons has fewer requests.
    #[test]
    fn plans_of_four_comparisons_are_exact_and_the_fewest(expr in expression()) {
        let query = Query { expr: expr.clone(), sort: None, limit: None, offset: None, span: Span::default() };
        let plan = lower::lower(&query, &PlanOptions::default(), &limits()).expect("lowers").plan;
        let mut atoms = Vec::new();
        collect_typed(&expr, &mut atoms);
        for request in &plan.requests {
            for f in &request.filter {
                index(&mut atoms, of_plan(f).0);
            }
        }
        let patterns: Vec<u32> = realizable(&atoms).into_iter().collect();
        prop_assert!(patterns.len() <= 128, "{} patterns", patterns.len());
        let on: Vec<bool> = patterns.iter().map(|&p| eval_expr(&expr, &atoms, p)).collect();
        for (k, &p) in patterns.iter().enumerate() {
            prop_assert_eq!(
                eval_plan(&plan, &atoms, p), on[k],
                "pattern {:b} over {:?}\nplan {}", p, atoms, plan.to_json()
            );
        }
        let least = brute_minimum(&atoms, &patterns, &on);
        prop_assert_eq!(
            plan.requests.len(), least,
            "atoms {:?}\nplan {}", atoms, plan.to_json()
        );
    }
}

