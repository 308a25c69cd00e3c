//! Writes an export of `--count N` contacts to standard output, the same
//! bytes for the same `--seed`, in one of the layouts `hcq eval` reads:
//!
//! ```text
//! cargo run --release --example gen_contacts -- --count 200000 --seed 1 --layout response > export.json
//! ```
//!
//! - `response` (the default): an API response on one line,
//!   `{"data": [contact, …], "total": N}`, as the API and `curl` deliver it;
//! - `array`: a JSON array of contacts on one line;
//! - `jsonl`: JSON Lines, one contact per line.
//!
//! The benchmarks (`bench/benches/eval.rs`) and `bench/process.sh` generate
//! their exports with [`generate`] from this file, so what they measure can
//! be reproduced and looked at.
//!
//! # What a contact holds
//!
//! The keys of docs/SEMANTICS.md, "Response", shaped like
//! tests/eval_fixtures/contacts.jsonl: increasing unique `id`s with gaps,
//! `userId` (null in one contact of five), `name`, `email` (gmail in about
//! a third, some in capitals), `company` and `phone` (null at times),
//! `firstSeen` (a string of digits, absent in one of ten), `lastSeen` (a
//! string or, one time in four, a number), `location` with `regionCode`,
//! `countryCode` and `city` (some cities in Cyrillic), zero to three
//! `tags` with colours, and keys hcq ignores (`customData`,
//! `unsubscribed`, `blocked`). Every contact is valid, so `hcq eval` reads
//! the whole export and benchmarks measure the path a good export takes.
//!
//! The generator is self-contained (SplitMix64, no dependencies), so a seed
//! means the same export on every platform.

use std::fmt::Write as _;
use std::process::ExitCode;

// Shared with the other generator; the path is relative to this file,
// also where benches and tests include it.
#[path = "common/generator.rs"]
mod generator;
pub use generator::Rng;

/// How the contacts are laid out in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `[contact, …]` on one line.
    Array,
    /// `{"data": [contact, …], "total": N}` on one line.
    Response,
    /// One contact per line.
    Jsonl,
}

impl Layout {
    /// The layout named on the command line.
    pub fn parse(name: &str) -> Option<Layout> {
        match name {
            "array" => Some(Layout::Array),
            "response" => Some(Layout::Response),
            "jsonl" => Some(Layout::Jsonl),
            _ => None,
        }
    }
}

const FIRST: [&str; 12] = [
    "Olena", "Piotr", "Anna", "Taras", "Maria", "John", "Іван", "Sophie", "Lukas", "Emma", "Oleh",
    "Zofia",
];
const LAST: [&str; 10] = [
    "Koval",
    "Nowak",
    "Schmidt",
    "Shevchuk",
    "Smith",
    "Müller",
    "Kowalski",
    "Бондар",
    "Dubois",
    "Rossi",
];
const DOMAINS: [&str; 8] = [
    "gmail.com",
    "gmail.com",
    "GMAIL.com",
    "ukr.net",
    "yahoo.com",
    "example.org",
    "nowak.pl",
    "outlook.com",
];
/// Country, region and city, as the API writes a location.
const PLACES: [(&str, &str, &str); 8] = [
    ("UA", "30", "Kyiv"),
    ("UA", "46", "Lviv"),
    ("UA", "30", "Київ"),
    ("PL", "MZ", "Warsaw"),
    ("DE", "BE", "Berlin"),
    ("US", "NY", "New York"),
    ("GB", "LND", "London"),
    ("FR", "IDF", "Paris"),
];
const TAGS: [(&str, &str); 6] = [
    ("Lead", "#ff0000"),
    ("Paid", "#00aa00"),
    ("Trial", "#ffaa00"),
    ("beta tester", "#0000ff"),
    ("VIP", "#aa00aa"),
    ("Churned", "#777777"),
];
const COMPANIES: [&str; 5] = [
    "Koval Design",
    "Schmidt GmbH",
    "Acme Inc",
    "Nowak i Syn",
    "Rossi S.r.l.",
];
const PLANS: [&str; 3] = ["free", "pro", "enterprise"];

/// One contact as one line of JSON, `id` given.
fn contact(rng: &mut Rng, id: u64, out: &mut String) {
    let first = rng.pick(&FIRST);
    let last = rng.pick(&LAST);
    let domain = rng.pick(&DOMAINS);
    let user_id = if rng.one_in(5) {
        "null".to_owned()
    } else {
        format!("\"u-{id}\"")
    };
    let company = if rng.one_in(3) {
        "null".to_owned()
    } else {
        format!("\"{}\"", rng.pick(&COMPANIES))
    };
    let phone = if rng.one_in(4) {
        "null".to_owned()
    } else {
        format!("\"+380{:09}\"", rng.below(1_000_000_000))
    };
    let last_seen = 1_700_000_000 + rng.below(20_000_000);
    let last_seen = if rng.one_in(4) {
        last_seen.to_string()
    } else {
        format!("\"{last_seen}\"")
    };
    let (country, region, city) = PLACES[rng.below(PLACES.len())];
    let _ = write!(
        out,
        "{{\"id\": {id}, \"userId\": {user_id}, \"name\": \"{first} {last}\", \
         \"email\": \"{}.{id}@{domain}\", \"company\": {company}, \"phone\": {phone}, ",
        first.to_lowercase()
    );
    if !rng.one_in(10) {
        let _ = write!(
            out,
            "\"firstSeen\": \"{}\", ",
            1_600_000_000 + rng.below(100_000_000)
        );
    }
    let _ = write!(
        out,
        "\"lastSeen\": {last_seen}, \"location\": {{\"regionCode\": \"{region}\", \
         \"countryCode\": \"{country}\", \"city\": \"{city}\"}}, \"tags\": ["
    );
    let tags = rng.below(4);
    let start = rng.below(TAGS.len());
    for n in 0..tags {
        let (name, color) = TAGS[(start + n) % TAGS.len()];
        let comma = if n == 0 { "" } else { ", " };
        let _ = write!(
            out,
            "{comma}{{\"name\": \"{name}\", \"color\": \"{color}\"}}"
        );
    }
    let _ = write!(
        out,
        "], \"customData\": {{\"plan\": \"{}\", \"seats\": {}}}, \"unsubscribed\": {}, \
         \"blocked\": {}}}",
        rng.pick(&PLANS),
        1 + rng.below(50),
        rng.one_in(6),
        rng.one_in(20)
    );
}

/// `count` contacts in `layout`, decided by `seed`; ends with a newline.
pub fn generate(count: usize, seed: u64, layout: Layout) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(count * 480 + 64);
    let (open, separator, close) = match layout {
        Layout::Array => ("[", ", ", "]\n".to_owned()),
        Layout::Response => ("{\"data\": [", ", ", format!("], \"total\": {count}}}\n")),
        Layout::Jsonl => ("", "\n", "\n".to_owned()),
    };
    out.push_str(open);
    let mut id = 1000u64;
    for n in 0..count {
        if n > 0 {
            out.push_str(separator);
        }
        id += 1 + rng.below(3) as u64;
        contact(&mut rng, id, &mut out);
    }
    if layout == Layout::Jsonl && count == 0 {
        return String::new();
    }
    out.push_str(&close);
    out
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen_contacts --count N [--seed S] [--layout array|response|jsonl]\n\
         writes N generated contacts to standard output (layout `response` by default)"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut count = None;
    let mut seed = 1;
    let mut layout = Layout::Response;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value.as_deref()) {
            ("--count", Some(v)) => match v.parse::<usize>() {
                Ok(v) => count = Some(v),
                Err(_) => return usage(),
            },
            ("--seed", Some(v)) => match v.parse::<u64>() {
                Ok(v) => seed = v,
                Err(_) => return usage(),
            },
            ("--layout", Some(v)) => match Layout::parse(v) {
                Some(v) => layout = v,
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let Some(count) = count else {
        return usage();
    };
    generator::print("gen_contacts", &generate(count, seed, layout))
}
