//! What the benchmarks compile: expressions of growing size with their SQL
//! equivalents, the worst cases the bounds allow, and generated segment
//! files.

use std::fmt::Write as _;

/// The expression the issue calls typical.
pub const TYPICAL: &str =
    r#"email ~ "gmail" and (lastSeen >= now - 30d or tag = Lead) and countryCode in (UA, PL)"#;

/// The same question in SQL, as the issue writes it (`now - 30d` becomes a
/// constant: SQL has no clock here either).
pub const TYPICAL_SQL: &str = "SELECT * FROM customers WHERE email LIKE '%gmail%' AND \
     (last_seen >= 1700000000 OR 'Lead' = ANY(tags)) AND country_code IN ('UA','PL')";

/// An input and, for expressions, the SQL that asks the same question.
pub struct Input {
    /// The benchmark id: a shape and its size.
    pub name: String,
    /// The hcq text.
    pub text: String,
    /// `SELECT * FROM customers WHERE …` with the same meaning.
    pub sql: Option<String>,
}

impl Input {
    fn new(shape: &str, text: String, sql: Option<String>) -> Input {
        Input {
            name: format!("{shape}_{}", size(text.len())),
            text,
            sql,
        }
    }
}

/// `89B`, `1.4KiB`, `1MiB` (the 1 MiB cap less a few bytes is `1MiB` too).
pub fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes}B")
    } else if bytes < 1000 * 1024 {
        format!("{:.1}KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.0}MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// The typical expression's shape with its values varied by `i`, and an
/// `and city not in (…)` of `list` cities (an `and` of `!=`, so it adds
/// filters but no requests): hcq and SQL.
fn variant(i: usize, list: usize) -> (String, String) {
    let mut hcq = format!(
        r#"email ~ "gmail{i}" and (lastSeen >= now - {}d or tag = Lead{i}) and countryCode in (UA, PL)"#,
        30 + i
    );
    let mut sql = format!(
        "email LIKE '%gmail{i}%' AND (last_seen >= {} OR 'Lead{i}' = ANY(tags)) \
         AND country_code IN ('UA','PL')",
        1_700_000_000 - i * 86_400
    );
    if list > 0 {
        hcq.push_str(" and city not in (");
        sql.push_str(" AND city NOT IN (");
        for c in 0..list {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(hcq, "{sep}City{i}x{c}");
            let _ = write!(sql, "{sep}'City{i}x{c}'");
        }
        hcq.push(')');
        sql.push(')');
    }
    (hcq, sql)
}

/// `(v0) or (v1) or …` of `k` variants: `4 k` requests.
fn disjunction(k: usize, list: usize) -> (String, String) {
    let (hcq, sql): (Vec<_>, Vec<_>) = (0..k).map(|i| variant(i, list)).unzip();
    let hcq = hcq
        .iter()
        .map(|v| format!("({v})"))
        .collect::<Vec<_>>()
        .join(" or ");
    let sql = sql
        .iter()
        .map(|v| format!("({v})"))
        .collect::<Vec<_>>()
        .join(" OR ");
    (hcq, format!("SELECT * FROM customers WHERE {sql}"))
}

/// The typical expression and four more of growing size (about ×4 each),
/// all within the default bounds: the largest needs 28 requests of the 30
/// allowed and holds 3,535 filters of the 4,096 allowed.
pub fn expressions() -> Vec<Input> {
    let mut inputs = vec![Input::new(
        "typical",
        TYPICAL.to_owned(),
        Some(TYPICAL_SQL.to_owned()),
    )];
    for (k, list) in [(2, 8), (4, 30), (7, 110), (7, 500)] {
        let (hcq, sql) = disjunction(k, list);
        inputs.push(Input::new(&format!("or{k}"), hcq, Some(sql)));
    }
    inputs
}

/// The worst cases at the default bounds.
///
/// - `caps_input`: the largest expression: 1 MiB (`MAX_INPUT_BYTES`) of
///   4,096 comparisons (`MAX_FILTERS`) with long text, joined by `or`, so
///   the DNF has 4,096 one-filter terms that all share one `OR` request.
/// - `caps_dnf`: the largest DNF: four `or`s of ten comparisons and enough
///   more comparisons, `and`ed, to reach both bounds: 10,000 terms
///   (`MAX_DNF_TERMS`) of 25 filters, 250,000 filters in all
///   (`MAX_DNF_FILTERS`).
///   Its plan would need 10,000 requests, so it ends in the
///   too-many-requests error, after every stage has run.
pub fn caps() -> Vec<Input> {
    let limits = hcq::Limits::default();
    let fields = ["email", "name", "company", "city"];
    // `email ~ "…" or ` is 14 bytes around the text.
    let per_filter = limits.max_input_bytes / limits.max_filters;
    let mut input = String::with_capacity(limits.max_input_bytes);
    for i in 0..limits.max_filters {
        if i > 0 {
            input.push_str(" or ");
        }
        let field = fields[i % fields.len()];
        let prefix = format!("{field} ~ \"{i:04}");
        input.push_str(&prefix);
        let pad = per_filter - 4 - prefix.len() - 1;
        input.extend(std::iter::repeat_n('x', pad));
        input.push('"');
    }
    assert!(input.len() <= limits.max_input_bytes);

    let mut dnf = String::new();
    for field in fields {
        dnf.push('(');
        for v in 0..10 {
            let sep = if v == 0 { "" } else { " or " };
            let _ = write!(dnf, "{sep}{field} ~ {field}{v}");
        }
        dnf.push_str(") and ");
    }
    // Each term holds one comparison of each `or` and every extra one.
    let extra = limits.max_dnf_filters / limits.max_dnf_terms - fields.len();
    for v in 0..extra {
        let sep = if v == 0 { "" } else { " and " };
        let _ = write!(dnf, "{sep}phone !~ p{v}");
    }
    vec![
        Input::new("caps_input", input, None),
        Input::new("caps_dnf", dnf, None),
    ]
}

/// Expressions of eight distinct comparisons, where lowering searches for
/// the exact minimum (`lower::cover`, at most 8 comparisons):
///
/// - `exact8_product`: four `or`s of two, `and`ed: 16 terms of four
///   comparisons, every one needed (the search's lower bound shows it at
///   once);
/// - `exact8_cover`: the plan fixture `exact-minimum`
///   (`tests/plans/cases.txt`) and one more comparison, where dropping
///   covered terms one by one leaves 5 requests and the search finds 4.
pub fn exact() -> Vec<Input> {
    let product = "(city = Kyiv or email ~ gmail) and (name ~ Ann or id > 3) and \
                   (tag = Lead or lastSeen > now - 7d) and (phone ~ 380 or company ~ acme)";
    let cover = "((((city in (Kyiv, Lviv)) or (id != 2)) and ((name ~ Kyiv) and (tags = [Lead, Paid]))) \
                 or (((city not in (Kyiv, Lviv)) and ((city in (Kyiv, Lviv)) or (city != \"fb.ann\"))) \
                 or (((id in (1, 2, 3)) or (city != gmail)) and (lastSeen > now - 7d) \
                 and (city not in (Kyiv, Lviv))))) and company ~ acme";
    vec![
        Input::new("exact8_product", product.to_owned(), None),
        Input::new("exact8_cover", cover.to_owned(), None),
    ]
}
