//! Writes a valid segment file of about `--bytes N` bytes to standard
//! output, the same file for the same `--seed`:
//!
//! ```text
//! cargo run --release --example gen_segments -- --bytes 1048576 --seed 1 > segments.hcq
//! ```
//!
//! The benchmarks (`bench/benches/pipeline.rs`) generate their 1 MiB and 16 MiB
//! files with [`generate`] from this file, so what they measure can be
//! reproduced and inspected by hand.
//!
//! # What the file holds
//!
//! Segments in the format of README.md, "Segment files", shaped like what a
//! team keeps in version control:
//!
//! - one segment in three has a `#` comment line above it, one in eight a
//!   comment after its expression;
//! - a base segment is an `and` of one to four parts, each a comparison on
//!   a field of its own (strings, `id`, dates written as `now - 30d`,
//!   `2024-01-01`, date-times or UNIX seconds, tags and tag lists), an
//!   `in`/`not in` list, an `or` of two comparisons, or a `not (…)` of
//!   comparisons; parts use distinct fields so no segment is a
//!   contradiction or always true;
//! - one segment in four (once base segments exist) uses earlier base
//!   segments by `@name`: `@a and <comparisons>` or `(@a or @b) and
//!   <comparison>`, the comparisons on messenger-id fields that base
//!   segments leave alone;
//! - one segment in three has `sort by`, one in four `limit`, one in ten
//!   `offset`.
//!
//! Only base segments without clauses are used by `@name` (the clauses of
//! a used segment would not apply, and hcq warns so), and every segment's
//! plan stays within the default bounds (at most 24 requests;
//! `limits::MAX_REQUESTS` is 30), so `hcq check FILE` accepts the whole
//! file without a warning and benchmarks measure the path a valid file
//! takes.
//!
//! The output never exceeds `--bytes` and falls short of it by less than one
//! segment. The generator is self-contained (a SplitMix64 generator, no
//! dependencies), so a seed means the same file on every platform.

use std::fmt::Write as _;
use std::process::ExitCode;

// Shared with the other generator; the path is relative to this file,
// also where benches and tests include it.
#[path = "common/generator.rs"]
mod generator;
pub use generator::Rng;

/// String fields by the names people write.
const STRING_FIELDS: [&str; 9] = [
    "email",
    "name",
    "company",
    "city",
    "countryCode",
    "phone",
    "userId",
    "customers.regionCode",
    "telegramId",
];
/// String fields only segments that use others test, next to the `@name`.
const REFERENCE_FIELDS: [&str; 4] = ["instagramId", "viberId", "whatsappId", "facebookId"];
/// Text that may follow a string operator: bare words and quoted strings.
const TEXTS: [&str; 16] = [
    "gmail",
    "gmail.com",
    "\"yahoo\"",
    "example.org",
    "\"Acme Inc\"",
    "Kyiv",
    "Lviv",
    "\"New York\"",
    "UA",
    "PL",
    "DE",
    "\"+380\"",
    "support@example.com",
    "\"beta \\\"tester\\\"\"",
    "00123",
    "Київ",
];
const COUNTRIES: [&str; 8] = ["UA", "PL", "DE", "US", "GB", "FR", "ES", "IT"];
const CITIES: [&str; 6] = ["Kyiv", "Lviv", "Warsaw", "Berlin", "\"New York\"", "Київ"];
const TAGS: [&str; 8] = [
    "Lead",
    "Paid",
    "Trial",
    "Churned",
    "VIP",
    "\"beta tester\"",
    "Partner",
    "Newsletter",
];
const STRING_OPS: [&str; 4] = ["=", "!=", "~", "!~"];
const NUMBER_OPS: [&str; 6] = ["=", "!=", ">", "<", ">=", "<="];
const WORDS: [&str; 12] = [
    "gmail", "fresh", "paid", "trial", "lead", "eu", "vip", "churn", "weekly", "kyiv", "beta",
    "active",
];

/// The fields a part of a segment may use; each at most once per segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    String(usize),
    Id,
    LastSeen,
    Tags,
}

/// `n` distinct slots, in random order.
fn distinct_slots(rng: &mut Rng, n: usize) -> Vec<Slot> {
    let mut all: Vec<Slot> = (0..STRING_FIELDS.len()).map(Slot::String).collect();
    all.extend([Slot::Id, Slot::LastSeen, Slot::Tags]);
    let mut slots = Vec::with_capacity(n);
    while slots.len() < n {
        let slot = all.swap_remove(rng.below(all.len()));
        slots.push(slot);
    }
    slots
}

/// One comparison on `slot`.
fn comparison(rng: &mut Rng, slot: Slot, out: &mut String) {
    match slot {
        Slot::String(i) => {
            let field = STRING_FIELDS[i];
            let op = rng.pick(&STRING_OPS);
            let _ = write!(out, "{field} {op} {}", rng.pick(&TEXTS));
        }
        Slot::Id => {
            let op = rng.pick(&NUMBER_OPS);
            let _ = write!(out, "id {op} {}", 1 + rng.below(1_000_000));
        }
        Slot::LastSeen => {
            let op = rng.pick(&NUMBER_OPS[2..]);
            let field = if rng.one_in(4) {
                "customers.lastSeen"
            } else {
                "lastSeen"
            };
            let _ = match rng.below(4) {
                0 => {
                    let unit = rng.pick(&["d", "h", "m", "w"]);
                    write!(out, "{field} {op} now - {}{unit}", 1 + rng.below(90))
                }
                1 => write!(
                    out,
                    "{field} {op} 20{:02}-{:02}-{:02}",
                    15 + rng.below(10),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ),
                2 => write!(
                    out,
                    "{field} {op} 2024-{:02}-{:02}T{:02}:{:02}:00Z",
                    1 + rng.below(12),
                    1 + rng.below(28),
                    rng.below(24),
                    rng.below(60)
                ),
                _ => write!(
                    out,
                    "{field} {op} {}",
                    1_600_000_000 + rng.below(100_000_000)
                ),
            };
        }
        Slot::Tags => {
            let field = if rng.one_in(3) { "tags" } else { "tag" };
            if rng.one_in(3) {
                let _ = write!(out, "{field} = [{}, {}]", TAGS[0], rng.pick(&TAGS[1..]));
            } else {
                let _ = write!(out, "{field} = {}", rng.pick(&TAGS));
            }
        }
    }
}

/// A list of two or three distinct values for the string field `i`:
/// country codes for `countryCode`, cities for `city`, any text otherwise.
fn values(rng: &mut Rng, i: usize, out: &mut String) {
    let pool: &[&str] = match STRING_FIELDS[i] {
        "countryCode" => &COUNTRIES,
        "city" => &CITIES,
        _ => &TEXTS,
    };
    let n = 2 + rng.below(2);
    let start = rng.below(pool.len());
    out.push('(');
    for k in 0..n {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(pool[(start + k) % pool.len()]);
    }
    out.push(')');
}

/// One part of a base segment's `and`, on fields taken from `slots`.
/// Returns how many DNF terms it has (at most `budget`, and at most 3), so
/// the caller can keep the segment's plan small.
fn part(rng: &mut Rng, slots: &mut Vec<Slot>, budget: usize, out: &mut String) -> usize {
    let slot = slots.pop().expect("the caller reserves a slot per part");
    let next_negatable = slots.last().is_some_and(|s| *s != Slot::Tags);
    match (rng.below(8), slot) {
        // `field in (UA, PL)`: one term per value.
        (0, Slot::String(i)) if budget >= 3 => {
            let _ = write!(out, "{} in ", STRING_FIELDS[i]);
            values(rng, i, out);
            3
        }
        // `not in` is an `and` of `!=`: one term.
        (1, Slot::String(i)) => {
            let _ = write!(out, "{} not in ", STRING_FIELDS[i]);
            values(rng, i, out);
            1
        }
        // `(a or b)`: two terms.
        (2 | 3, _) if budget >= 2 && !slots.is_empty() => {
            let other = slots.pop().expect("checked above");
            out.push('(');
            comparison(rng, slot, out);
            out.push_str(if rng.one_in(5) { " OR " } else { " or " });
            comparison(rng, other, out);
            out.push(')');
            2
        }
        // `not (a and b)` is `not a or not b`: two terms. Never on tags,
        // which the API cannot negate.
        (4, _) if budget >= 2 && slot != Slot::Tags && next_negatable => {
            let other = slots.pop().expect("checked above");
            out.push_str("not (");
            comparison(rng, slot, out);
            out.push_str(" and ");
            comparison(rng, other, out);
            out.push(')');
            2
        }
        _ => {
            comparison(rng, slot, out);
            1
        }
    }
}

/// A base segment's expression: an `and` of up to four parts whose DNF has
/// at most 12 terms.
fn base_expression(rng: &mut Rng, out: &mut String) {
    let parts = 1 + rng.below(4);
    // Up to two slots per part; `countryCode in` may repeat a string slot's
    // field, which only makes a term narrower.
    let mut slots = distinct_slots(rng, parts * 2);
    let mut terms = 1;
    for k in 0..parts {
        if slots.is_empty() {
            break;
        }
        if k > 0 {
            if rng.one_in(3) {
                out.push_str("\n  and ");
            } else {
                out.push_str(if rng.one_in(6) { " AND " } else { " and " });
            }
        }
        terms *= part(rng, &mut slots, 12 / terms, out);
    }
}

/// A segment that uses earlier ones: `@a and <comparisons>` or
/// `(@a or @b) and <comparison>`,
/// whose plans stay within 24 requests because base segments have at most 12.
fn reference_expression(rng: &mut Rng, bases: &[String], out: &mut String) {
    let a = &bases[rng.below(bases.len())];
    if rng.one_in(3) {
        let b = &bases[rng.below(bases.len())];
        // With a test of its own: two used segments may complement each
        // other (`city = Kyiv`, `city != Kyiv`), and `or` alone would then
        // match every contact (hcq warns so).
        let field = rng.pick(&REFERENCE_FIELDS);
        let op = rng.pick(&STRING_OPS);
        let _ = write!(out, "(@{a} or @{b}) and {field} {op} {}", rng.pick(&TEXTS));
    } else {
        let _ = write!(out, "@{a}");
        // Fields no base segment uses, so that the extra test never
        // contradicts the used segment's own.
        let first = rng.below(REFERENCE_FIELDS.len());
        for k in 0..1 + rng.below(2) {
            let field = REFERENCE_FIELDS[(first + k) % REFERENCE_FIELDS.len()];
            let op = rng.pick(&STRING_OPS);
            let _ = write!(out, " and {field} {op} {}", rng.pick(&TEXTS));
        }
    }
}

/// Clauses after the expression, each on its own line; whether any was
/// written.
fn clauses(rng: &mut Rng, out: &mut String) -> bool {
    let start = out.len();
    if rng.one_in(3) {
        let field = rng.pick(&["lastSeen", "firstSeen", "customers.lastSeen"]);
        let order = rng.pick(&["", " asc", " desc", " DESC"]);
        let _ = write!(out, "\n  sort by {field}{order}");
    }
    if rng.one_in(4) {
        let _ = write!(out, "\n  limit {}", 1 + rng.below(500));
    }
    if rng.one_in(10) {
        let _ = write!(out, "\n  offset {}", rng.below(10_000));
    }
    out.len() > start
}

/// A segment file of at most `bytes` bytes, the same for the same `seed`.
pub fn generate(bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(bytes);
    let header = format!(
        "# Segments generated by examples/gen_segments.rs --bytes {bytes} --seed {seed}\n\n"
    );
    if header.len() <= bytes {
        out.push_str(&header);
    }
    let mut bases: Vec<String> = Vec::new();
    let mut segment = String::new();
    for n in 0.. {
        segment.clear();
        let word = rng.pick(&WORDS);
        let name = format!("{word}_{n}");
        if rng.one_in(3) {
            let _ = writeln!(segment, "# {} contacts, kept for the {word} team", n + 1);
        }
        let _ = write!(segment, "segment {name}\n  ");
        let is_reference = !bases.is_empty() && rng.one_in(4);
        if is_reference {
            reference_expression(&mut rng, &bases, &mut segment);
        } else {
            base_expression(&mut rng, &mut segment);
        }
        if rng.one_in(8) {
            segment.push_str("  # reviewed");
        }
        let has_clauses = clauses(&mut rng, &mut segment);
        segment.push_str("\n\n");
        if out.len() + segment.len() > bytes {
            break;
        }
        out.push_str(&segment);
        // A used segment's clauses would not apply (hcq warns so): only
        // base segments without clauses are used, and the file checks clean.
        if !is_reference && !has_clauses {
            bases.push(name);
        }
    }
    out
}

fn usage() -> ExitCode {
    eprintln!("usage: gen_segments --bytes N [--seed S]   (writes the file to standard output)");
    ExitCode::from(2)
}

#[allow(dead_code)] // The benchmarks include this file for `generate` alone.
fn main() -> ExitCode {
    let mut bytes = None;
    let mut seed = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--bytes", Some(v)) => bytes = usize::try_from(v).ok(),
            ("--seed", Some(v)) => seed = v,
            _ => return usage(),
        }
    }
    let Some(bytes) = bytes else {
        return usage();
    };
    generator::print("gen_segments", &generate(bytes, seed))
}

#[cfg(test)]
mod tests {
    // Paths in full: the benchmarks include this file with `cfg(test)` set
    // but without the test harness, so a `use` here would be unused there.

    #[test]
    fn same_seed_same_file_and_within_the_size() {
        let a = super::generate(64 * 1024, 7);
        assert_eq!(a, super::generate(64 * 1024, 7));
        assert_ne!(a, super::generate(64 * 1024, 8));
        assert!(a.len() <= 64 * 1024 && a.len() > 63 * 1024, "{}", a.len());
    }

    #[test]
    fn the_file_checks_clean_within_the_request_bound() {
        let text = super::generate(256 * 1024, 1);
        let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
        let compiled = hcq::segment::check_file("generated.hcq", &text, &options)
            .unwrap_or_else(|e| panic!("{:?}", e.problems()));
        assert!(compiled.warnings().is_none(), "{:?}", compiled.warnings());
        let segments = compiled.segments().len();
        assert!(segments > 1000, "{segments}");
        let references = compiled.segments().filter(|s| !s.uses().is_empty()).count();
        assert!(references > segments / 8, "{references} of {segments}");
        assert!(compiled.segments().all(|s| s.requests() <= 24));
        // And the parser alone reads the same segments.
        let file = hcq::syntax::parse_file(&text, &hcq::Limits::default()).unwrap();
        assert_eq!(file.segments.len(), segments);
    }
}
