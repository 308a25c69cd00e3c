//! The target's fields and their types, and the operator table of docs/SEMANTICS.md,
//! as data. Adding a field or an alias is one line in [`CONTACT_FIELDS`].

use crate::ast::CompareOp;
use std::fmt;

/// The type of a field's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A whole number, sent as a JSON number.
    Integer,
    /// Text, sent as a JSON string.
    String,
    /// A UNIX timestamp in seconds, sent as a JSON number.
    Date,
    /// A list of tags, sent as `[{"name": "Lead"}, …]`.
    Tags,
}

impl FieldType {
    /// The operators the API allows on this type (docs/SEMANTICS.md, "Operators").
    pub fn operators(self) -> &'static [CompareOp] {
        use CompareOp::*;
        match self {
            FieldType::Integer | FieldType::Date => &[Eq, Ne, Gt, Lt, Ge, Le],
            FieldType::String => &[Eq, Ne, Contains, NotContains],
            FieldType::Tags => &[Eq],
        }
    }

    /// Whether the API allows `op` on this type.
    pub fn allows(self, op: CompareOp) -> bool {
        self.operators().contains(&op)
    }

    /// A value of this type as the language writes it, for help texts.
    pub fn example(self) -> &'static str {
        match self {
            FieldType::Integer => "42",
            FieldType::String => "\"some text\" or a bare word such as gmail.com",
            FieldType::Date => "2024-01-01, 2024-01-01T10:00:00Z, now - 30d or 1700000000",
            FieldType::Tags => "Lead or [Lead, \"beta tester\"]",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldType::Integer => "an integer",
            FieldType::String => "text",
            FieldType::Date => "a date",
            FieldType::Tags => "a list of tags",
        })
    }
}

/// What a field may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Usage {
    /// It may appear in a filter.
    pub search: bool,
    /// It may appear in `sort by`.
    pub sort: bool,
}

/// One field of the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The full name the API takes (`customers.email`).
    pub name: &'static str,
    /// The names the language accepts for it besides the full name
    /// (the short name first: `email`).
    pub aliases: &'static [&'static str],
    /// The type of its values.
    pub ty: FieldType,
    /// Where it may be used.
    pub usage: Usage,
}

impl Field {
    /// The short name people write (`email` for `customers.email`).
    pub fn short_name(&self) -> &'static str {
        self.aliases.first().copied().unwrap_or(self.name)
    }

    /// Whether `name` names this field.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

const SEARCH: Usage = Usage {
    search: true,
    sort: false,
};
const SEARCH_SORT: Usage = Usage {
    search: true,
    sort: true,
};
const SORT_ONLY: Usage = Usage {
    search: false,
    sort: true,
};

const fn field(
    name: &'static str,
    aliases: &'static [&'static str],
    ty: FieldType,
    usage: Usage,
) -> Field {
    Field {
        name,
        aliases,
        ty,
        usage,
    }
}

/// The fields of `/v1/customers/search` (docs/SEMANTICS.md, "Fields").
pub const CONTACT_FIELDS: &[Field] = &[
    field("customers.id", &["id"], FieldType::Integer, SEARCH),
    field("customers.userId", &["userId"], FieldType::String, SEARCH),
    field("customers.name", &["name"], FieldType::String, SEARCH),
    field("customers.email", &["email"], FieldType::String, SEARCH),
    field("customers.company", &["company"], FieldType::String, SEARCH),
    field("customers.phone", &["phone"], FieldType::String, SEARCH),
    field(
        "customers.countryCode",
        &["countryCode"],
        FieldType::String,
        SEARCH,
    ),
    field("customers.city", &["city"], FieldType::String, SEARCH),
    field(
        "customers.regionCode",
        &["regionCode"],
        FieldType::String,
        SEARCH,
    ),
    field(
        "customers.telegramId",
        &["telegramId"],
        FieldType::String,
        SEARCH,
    ),
    field(
        "customers.facebookId",
        &["facebookId"],
        FieldType::String,
        SEARCH,
    ),
    field(
        "customers.instagramId",
        &["instagramId"],
        FieldType::String,
        SEARCH,
    ),
    field("customers.viberId", &["viberId"], FieldType::String, SEARCH),
    field(
        "customers.whatsappId",
        &["whatsappId"],
        FieldType::String,
        SEARCH,
    ),
    field(
        "customers.tagsData",
        &["tags", "tag", "tagsData"],
        FieldType::Tags,
        SEARCH,
    ),
    field(
        "customers.lastSeen",
        &["lastSeen"],
        FieldType::Date,
        SEARCH_SORT,
    ),
    field(
        "customers.firstSeen",
        &["firstSeen"],
        FieldType::Date,
        SORT_ONLY,
    ),
];

/// A target's field table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schema {
    /// The API path this schema's requests go to.
    pub endpoint: &'static str,
    /// Its fields.
    pub fields: &'static [Field],
}

impl Schema {
    /// The contact search, hcq's default target.
    pub const CONTACTS: Schema = Schema {
        endpoint: "/v1/customers/search",
        fields: CONTACT_FIELDS,
    };

    /// The field `name` names, by full name or alias.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.is_named(name))
    }

    /// The field with this full name; panics if there is none, so only for
    /// names written in code.
    pub fn by_name(&self, full_name: &str) -> &'static Field {
        self.fields
            .iter()
            .find(|f| f.name == full_name)
            .unwrap_or_else(|| panic!("no field {full_name} in the schema"))
    }

    /// The known name closest to `name`, ignoring ASCII case, if one is
    /// close enough to suggest (see [`Suggester`] for what it costs).
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        let names = self
            .fields
            .iter()
            .flat_map(|f| f.aliases.iter().copied().chain([f.name]));
        Suggester::new(names, Case::Ignore).suggest(name)
    }

    /// Fields that may be used in filters, short names.
    pub fn searchable(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| f.usage.search)
    }

    /// Fields that may be used in `sort by`.
    pub fn sortable(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| f.usage.sort)
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::CONTACTS
    }
}

/// Names longer than this many characters get no "did you mean" and are
/// never suggested: the names hcq knows are short, and comparing two names
/// costs time that grows with the product of their lengths.
pub(crate) const MAX_SUGGESTED_LEN: usize = 64;

/// Most known names one "did you mean" compares a name with, those
/// closest in length first: a file of many thousand segments must not
/// make each unknown `@name` cost thousands of comparisons.
pub(crate) const MAX_SUGGESTION_CANDIDATES: usize = 256;

/// Whether a [`Suggester`] tells `Email` from `email`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// Field names: `lastseen` is a misspelt `lastSeen`.
    Ignore,
    /// Segment names, which are case-sensitive.
    Keep,
}

/// "Did you mean": the known name most like a given one, at a bounded
/// cost. The names are indexed by length once (linear in their size);
/// each lookup skips a name longer than [`MAX_SUGGESTED_LEN`] characters
/// at once and otherwise compares it with at most
/// [`MAX_SUGGESTION_CANDIDATES`] known names of a close length, each at
/// most about `1.5 ×` [`MAX_SUGGESTED_LEN`] long. A lookup thus costs a
/// constant, and a file's suggestions cost time linear in the file.
#[derive(Clone, Debug)]
pub(crate) struct Suggester<'a> {
    /// The known names by length in characters (longer ones left out), in
    /// the order given.
    by_len: Vec<Vec<&'a str>>,
    case: Case,
    /// Comparisons made so far.
    compared: usize,
}

impl<'a> Suggester<'a> {
    /// Indexes `names`.
    pub fn new(names: impl IntoIterator<Item = &'a str>, case: Case) -> Self {
        let mut by_len = vec![Vec::new(); MAX_SUGGESTED_LEN + 1];
        for name in names {
            if let Some(bucket) = by_len.get_mut(char_len(name)) {
                bucket.push(name);
            }
        }
        Suggester {
            by_len,
            case,
            compared: 0,
        }
    }

    /// The known name closest to `name` (Jaro-Winkler similarity of at
    /// least 0.8; the first of equals in length order, then in the order
    /// given), if any.
    pub fn suggest(&mut self, name: &str) -> Option<&'a str> {
        let len = char_len(name);
        if len > MAX_SUGGESTED_LEN {
            return None;
        }
        let name = self.fold(name);
        let window = len / 2 + 2;
        let mut budget = MAX_SUGGESTION_CANDIDATES;
        let mut best: Option<(&'a str, f64)> = None;
        // Lengths nearest first: `len`, `len - 1`, `len + 1`, `len - 2`, …
        let lengths = (0..=window).flat_map(|distance| {
            let shorter = len.checked_sub(distance).filter(|_| distance > 0);
            shorter.into_iter().chain([len + distance])
        });
        for candidate_len in lengths {
            for &candidate in self.by_len.get(candidate_len).into_iter().flatten() {
                if budget == 0 {
                    return best.map(|(candidate, _)| candidate);
                }
                budget -= 1;
                self.compared += 1;
                let score = strsim::jaro_winkler(&name, &self.fold(candidate));
                if score >= 0.8 && best.is_none_or(|(_, best)| score > best) {
                    best = Some((candidate, score));
                }
            }
        }
        best.map(|(candidate, _)| candidate)
    }

    /// How many comparisons the lookups so far made: what the bounds
    /// above bound.
    pub fn comparisons(&self) -> usize {
        self.compared
    }

    fn fold(&self, name: &str) -> String {
        match self.case {
            Case::Ignore => name.to_ascii_lowercase(),
            Case::Keep => name.to_owned(),
        }
    }
}

/// The length of `name` in characters, counted no further than one past
/// [`MAX_SUGGESTED_LEN`]: a 4 KB name is known to be too long at once.
fn char_len(name: &str) -> usize {
    name.chars().take(MAX_SUGGESTED_LEN + 1).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique() {
        let mut names: Vec<&str> = CONTACT_FIELDS
            .iter()
            .flat_map(|f| f.aliases.iter().copied().chain([f.name]))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total);
    }

    #[test]
    fn suggests_close_names() {
        let schema = Schema::CONTACTS;
        assert_eq!(schema.suggest("emial"), Some("email"));
        assert_eq!(schema.suggest("lastseen"), Some("lastSeen"));
        assert_eq!(schema.suggest("zzzzzz"), None);
    }

    #[test]
    fn suggestions_skip_long_names_and_compare_few_candidates() {
        let long = "a".repeat(MAX_SUGGESTED_LEN + 1);
        let names: Vec<String> = (0..10_000).map(|i| format!("segment_{i:05}")).collect();
        let mut suggester = Suggester::new(
            names.iter().map(String::as_str).chain([long.as_str()]),
            Case::Keep,
        );
        // A long name is compared with nothing, and never suggested.
        assert_eq!(suggester.suggest(&"x".repeat(4096)), None);
        assert_eq!(suggester.suggest(&long), None);
        assert_eq!(suggester.comparisons(), 0);
        // A short one with at most the cap, however many names there are.
        assert_eq!(suggester.suggest("segment_0042"), Some("segment_00042"));
        assert_eq!(suggester.comparisons(), MAX_SUGGESTION_CANDIDATES);
        for _ in 0..300 {
            suggester.suggest("zzzz_00042");
        }
        assert_eq!(suggester.comparisons(), 301 * MAX_SUGGESTION_CANDIDATES);
    }

    #[test]
    fn suggestions_prefer_the_closest_length() {
        let mut suggester = Suggester::new(["gmail_users", "gmail_leads"], Case::Keep);
        assert_eq!(suggester.suggest("gmail_user"), Some("gmail_users"));
        assert_eq!(suggester.suggest("gmial_leads"), Some("gmail_leads"));
        assert_eq!(suggester.suggest("Gmail_Leads"), Some("gmail_leads"));
        let mut folding = Suggester::new(["lastSeen"], Case::Ignore);
        assert_eq!(folding.suggest("LASTSEEN"), Some("lastSeen"));
        // Names of a very different length are not compared.
        assert_eq!(
            Suggester::new(["a_very_long_segment_name"], Case::Keep).suggest("a_very"),
            None
        );
    }

    #[test]
    fn tags_take_only_equality() {
        assert_eq!(FieldType::Tags.operators(), &[CompareOp::Eq]);
        assert!(!FieldType::String.allows(CompareOp::Gt));
    }
}
