//! A contact as the API's search returns it, read with serde, and its
//! fields by the names the filters use.

use serde::{Deserialize, Deserializer};

/// A contact as the API's search returns it (docs/SEMANTICS.md, "Response"). Unknown
/// keys are ignored.
///
/// ```
/// let json = r#"{"id": 7, "email": "ann@gmail.com", "lastSeen": "1700000000",
///                "location": {"city": "Kyiv"}, "tags": [{"name": "Lead", "color": "red"}]}"#;
/// let contact: hcq::eval::Contact = serde_json::from_str(json).unwrap();
/// assert_eq!(contact.last_seen, 1_700_000_000);
/// assert_eq!(contact.location.city.as_deref(), Some("Kyiv"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// HelpCrunch's id.
    pub id: i64,
    /// The customer's own id for the contact.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// First seen, UNIX seconds (sent as a string or a number); may be absent.
    #[serde(default, deserialize_with = "optional_timestamp")]
    pub first_seen: Option<i64>,
    /// Last seen, UNIX seconds (sent as a string or a number); always present.
    #[serde(deserialize_with = "timestamp")]
    pub last_seen: i64,
    /// Where the contact is.
    #[serde(default, deserialize_with = "null_as_default")]
    pub location: Location,
    /// The contact's tags.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
    /// Telegram id.
    #[serde(default)]
    pub telegram_id: Option<String>,
    /// Facebook id.
    #[serde(default)]
    pub facebook_id: Option<String>,
    /// Instagram id.
    #[serde(default)]
    pub instagram_id: Option<String>,
    /// Viber id.
    #[serde(default)]
    pub viber_id: Option<String>,
    /// WhatsApp id.
    #[serde(default)]
    pub whatsapp_id: Option<String>,
}

/// A contact's `location`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Region code.
    #[serde(default)]
    pub region_code: Option<String>,
    /// Country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
}

/// One of a contact's tags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Tag {
    /// The name filters match.
    pub name: String,
    /// Its colour in HelpCrunch's interface.
    #[serde(default)]
    pub color: Option<String>,
}

pub(super) fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    optional_timestamp(deserializer)?
        .ok_or_else(|| serde::de::Error::custom("expected a UNIX timestamp, found null"))
}

pub(super) fn optional_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(text)) => text.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected a UNIX timestamp, found {text:?}"))
        }),
    }
}

pub(super) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A field's value on a contact.
pub(super) enum FieldValue<'a> {
    Number(i64),
    Text(Option<&'a str>),
    Tags(&'a [Tag]),
    /// A field this evaluator does not know.
    Unknown,
}

impl Contact {
    /// The value of the field with this full name.
    pub(super) fn field(&self, name: &str) -> FieldValue<'_> {
        fn text(value: &Option<String>) -> Option<&str> {
            value.as_deref()
        }
        match name {
            "customers.id" => FieldValue::Number(self.id),
            "customers.lastSeen" => FieldValue::Number(self.last_seen),
            "customers.userId" => FieldValue::Text(text(&self.user_id)),
            "customers.name" => FieldValue::Text(text(&self.name)),
            "customers.email" => FieldValue::Text(text(&self.email)),
            "customers.company" => FieldValue::Text(text(&self.company)),
            "customers.phone" => FieldValue::Text(text(&self.phone)),
            "customers.countryCode" => FieldValue::Text(text(&self.location.country_code)),
            "customers.city" => FieldValue::Text(text(&self.location.city)),
            "customers.regionCode" => FieldValue::Text(text(&self.location.region_code)),
            "customers.telegramId" => FieldValue::Text(text(&self.telegram_id)),
            "customers.facebookId" => FieldValue::Text(text(&self.facebook_id)),
            "customers.instagramId" => FieldValue::Text(text(&self.instagram_id)),
            "customers.viberId" => FieldValue::Text(text(&self.viber_id)),
            "customers.whatsappId" => FieldValue::Text(text(&self.whatsapp_id)),
            "customers.tagsData" => FieldValue::Tags(&self.tags),
            _ => FieldValue::Unknown,
        }
    }

    /// The key this contact sorts by for a sort field; an absent
    /// `firstSeen` sorts before every present one. The executor
    /// (`crate::run`) merges by the same key.
    pub(crate) fn sort_key(&self, sort: &str) -> Option<i64> {
        match sort {
            "customers.firstSeen" => self.first_seen,
            "customers.lastSeen" => Some(self.last_seen),
            _ => Some(self.id),
        }
    }
}
