//! Measures how few requests hcq's plans take on a seeded random corpus of
//! expressions, against one request per DNF term, and proves two things
//! of every plan by brute force (`tests/common/brute.rs`, which shares no
//! code with hcq's lowering):
//!
//! - no request is covered by the others: for each request of a plan of
//!   several, some contact, under one of eight string rules, is selected
//!   by it and by no other;
//! - an expression over at most four distinct comparisons gets the fewest
//!   requests any plan over its comparisons can have.
//!
//! ```text
//! cargo run --release --example request_corpus -- --count 10000 --seed 1
//! ```
//!
//! BENCHMARKS.md ("Fewest requests") has its output, before and after the
//! pass that made every plan irredundant.

#[path = "../tests/common/brute.rs"]
mod brute;

use hcq::{Limits, Options};
use std::time::{Duration, Instant};

/// A small seeded generator (xorshift64*), so that the corpus is the same
/// for the same seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One comparison (or `in` list), and whether it tests tags.
fn leaf(rng: &mut Rng) -> (String, bool) {
    match rng.below(10) {
        0..=3 => {
            let field = rng.pick(&["city", "email", "name"]);
            let op = rng.pick(&["=", "!=", "~", "!~"]);
            let value = rng.pick(&[
                "Kyiv",
                "kyiv",
                "Lviv",
                "Ky",
                "\"fb.ann\"",
                "\"fb.\"",
                "gmail",
            ]);
            (format!("{field} {op} {value}"), false)
        }
        4..=5 => {
            let op = rng.pick(&["=", "!=", ">", "<", ">=", "<="]);
            (format!("id {op} {}", 1 + rng.below(6)), false)
        }
        6 => {
            let op = rng.pick(&[">", "<", ">=", "<="]);
            let days = rng.pick(&["7", "30", "90"]);
            (format!("lastSeen {op} now - {days}d"), false)
        }
        7 => {
            let tags = rng.pick(&[
                "tag = Lead",
                "tag = Paid",
                "tag = VIP",
                "tags = [Lead, Paid]",
            ]);
            (tags.to_owned(), true)
        }
        _ => {
            let list = rng.pick(&[
                "city in (Kyiv, Lviv)",
                "city not in (Kyiv, Lviv)",
                "id in (1, 2, 3)",
                "id not in (2, 4)",
            ]);
            (list.to_owned(), false)
        }
    }
}

/// An expression of `leaves` comparisons, and whether it tests tags.
fn expr(rng: &mut Rng, leaves: usize) -> (String, bool) {
    if leaves == 1 {
        return leaf(rng);
    }
    let parts = if leaves >= 3 && rng.below(3) == 0 {
        3
    } else {
        2
    };
    let mut sizes = vec![1; parts];
    for _ in parts..leaves {
        let at = rng.below(parts);
        sizes[at] += 1;
    }
    let op = if rng.below(2) == 0 { " and " } else { " or " };
    let mut tags = false;
    let items: Vec<String> = sizes
        .iter()
        .map(|&n| {
            let (text, has_tags) = expr(rng, n);
            tags |= has_tags;
            format!("({text})")
        })
        .collect();
    let text = items.join(op);
    if !tags && rng.below(6) == 0 {
        (format!("not ({text})"), false)
    } else {
        (text, tags)
    }
}

/// The laws of the pass before packing, as `hcq explain` names them.
const LAWS: [&str; 5] = [
    "contradiction by value",
    "complement",
    "consensus",
    "covered request",
    "exact minimum",
];

#[derive(Default)]
struct Tally {
    compiled: usize,
    refused: usize,
    dnf_terms: usize,
    requests: usize,
    multi_request_plans: usize,
    requests_in_multi: usize,
    covered: usize,
    plans_with_covered: usize,
    undecided: usize,
    small: usize,
    small_at_minimum: usize,
    small_above: Vec<String>,
    /// Expressions whose plan holds a covered request, with the places of
    /// those requests in the plan.
    covered_examples: Vec<(String, Vec<usize>)>,
    laws: [usize; 5],
    exact_example: Option<String>,
    slowest: Duration,
    slowest_text: String,
    total_time: Duration,
}

fn main() {
    let mut count = 10_000usize;
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (arg.as_str(), value) {
            ("--count", Some(v)) => count = v as usize,
            ("--seed", Some(v)) => seed = v,
            _ => {
                eprintln!("usage: request_corpus [--count N] [--seed S]");
                std::process::exit(2);
            }
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut options = Options::at("2024-06-01T00:00:00Z".parse().expect("a timestamp"));
    let mut limits = Limits::default();
    limits.max_requests = usize::MAX;
    options.limits = limits;
    let mut t = Tally::default();
    for _ in 0..count {
        let leaves = if rng.below(2) == 0 {
            1 + rng.below(4)
        } else {
            5 + rng.below(26)
        };
        let (text, _) = expr(&mut rng, leaves);
        let started = Instant::now();
        let compiled = hcq::compile(&text, &options);
        let took = started.elapsed();
        if compiled.is_err() {
            t.refused += 1;
            continue;
        }
        t.total_time += took;
        if took > t.slowest {
            t.slowest = took;
            t.slowest_text = text.clone();
        }
        let detailed = hcq::compile_detailed(&text, &options).expect("compiled once");
        let plan = &detailed.lowered.plan;
        t.compiled += 1;
        t.dnf_terms += detailed.trace.dnf_terms();
        t.requests += plan.requests.len();

        let explained = detailed.explain(&text);
        for (k, law) in LAWS.iter().enumerate() {
            if explained.contains(&format!("  - {law}: ")) {
                t.laws[k] += 1;
                if k == 4
                    && t.exact_example
                        .as_ref()
                        .is_none_or(|e| e.len() > text.len())
                {
                    t.exact_example = Some(text.clone());
                }
            }
        }
        let mut atoms = Vec::new();
        brute::collect_typed(&detailed.query.expr, &mut atoms);
        let comparisons = atoms.len();
        // Only the plan's comparisons matter for its requests, and fewer
        // constants give the search fewer values to try.
        let mut plan_atoms = Vec::new();
        let requests = brute::requests_of(plan, &mut plan_atoms);
        brute::requests_of(plan, &mut atoms);
        if requests.len() >= 2 {
            t.multi_request_plans += 1;
            t.requests_in_multi += requests.len();
            let mut covered = Vec::new();
            for target in 0..requests.len() {
                let mut nodes = 2_000_000;
                match brute::own_contact(&plan_atoms, &requests, target, &mut nodes) {
                    Some(true) => {}
                    Some(false) => {
                        t.covered += 1;
                        covered.push(target);
                    }
                    None => t.undecided += 1,
                }
            }
            t.plans_with_covered += usize::from(!covered.is_empty());
            if !covered.is_empty() && t.covered_examples.len() < 5 {
                t.covered_examples.push((text.clone(), covered));
            }
        }
        if comparisons <= 4 {
            t.small += 1;
            let patterns: Vec<u32> = brute::realizable(&atoms).into_iter().collect();
            let expr = &detailed.query.expr;
            let on: Vec<bool> = patterns
                .iter()
                .map(|&p| brute::eval_expr(expr, &atoms, p))
                .collect();
            if brute::brute_minimum(&atoms, &patterns, &on) == plan.requests.len() {
                t.small_at_minimum += 1;
            } else if t.small_above.len() < 5 {
                t.small_above.push(text.clone());
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "expressions: {count} (seed {seed}); compiled {}, refused by a bound {}",
        t.compiled, t.refused
    );
    println!(
        "requests: {} against {} DNF terms ({:.1} % fewer)",
        t.requests,
        t.dnf_terms,
        100.0 - pct(t.requests, t.dnf_terms)
    );
    println!(
        "plans of several requests: {}, holding {} requests; covered by the others: {} requests in {} plans ({:.2} % of those plans); undecided: {}",
        t.multi_request_plans,
        t.requests_in_multi,
        t.covered,
        t.plans_with_covered,
        pct(t.plans_with_covered, t.multi_request_plans),
        t.undecided
    );
    for (text, covered) in &t.covered_examples {
        println!("  with a covered request (requests {covered:?} of its plan): {text}");
    }
    println!(
        "expressions over at most 4 comparisons: {}, at the brute-force minimum: {} ({:.2} %)",
        t.small,
        t.small_at_minimum,
        pct(t.small_at_minimum, t.small)
    );
    for text in &t.small_above {
        println!("  above the minimum: {text}");
    }
    for (law, n) in LAWS.iter().zip(t.laws) {
        println!("plans whose explanation names {law}: {n}");
    }
    if let Some(text) = &t.exact_example {
        println!("  shortest using the exact minimum: {text}");
    }
    println!(
        "compile time (hcq::compile): mean {:.1} µs, slowest {:.1} µs",
        t.total_time.as_secs_f64() * 1e6 / t.compiled.max(1) as f64,
        t.slowest.as_secs_f64() * 1e6
    );
    println!("  slowest: {}", t.slowest_text);
}
