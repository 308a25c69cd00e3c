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

    /// The known name closest to `name`, if one is close enough to suggest.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        let lower = name.to_ascii_lowercase();
        self.fields
            .iter()
            .flat_map(|f| f.aliases.iter().copied().chain([f.name]))
            .map(|candidate| {
                (
                    candidate,
                    strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase()),
                )
            })
            .filter(|&(_, score)| score >= 0.8)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(candidate, _)| candidate)
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
    fn tags_take_only_equality() {
        assert_eq!(FieldType::Tags.operators(), &[CompareOp::Eq]);
        assert!(!FieldType::String.allows(CompareOp::Gt));
    }
}
