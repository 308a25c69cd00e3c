//! One record, read strictly into a contact: `id` and `lastSeen` required,
//! every field hcq uses of the type the API gives it, other keys ignored.

use super::{ContactsProblem, Range, Record, range_span};
use crate::eval::{Contact, Location, Tag};
use miette::SourceSpan;
use serde_json::{Map, Value};

/// One record, checked field by field and turned into a contact.
pub(super) fn contact(
    value: &Value,
    record: &Record,
    range: Range,
) -> Result<Contact, ContactsProblem> {
    let span = range_span(range);
    let Value::Object(fields) = value else {
        return Err(ContactsProblem::NotAnObject {
            found: kind(Some(value)),
            record: record.clone(),
            span,
        });
    };
    let check = Check { record, span };
    let id = match fields.get("id") {
        None | Some(Value::Null) => return Err(check.missing("id")),
        Some(value) => value
            .as_i64()
            .ok_or_else(|| check.wrong("id", "an integer", value))?,
    };
    let last_seen = match fields.get("lastSeen") {
        None | Some(Value::Null) => return Err(check.missing("lastSeen")),
        Some(value) => check.timestamp("lastSeen", value)?,
    };
    let first_seen = match fields.get("firstSeen") {
        None | Some(Value::Null) => None,
        Some(value) => Some(check.timestamp("firstSeen", value)?),
    };
    let text = |name: &str| check.text(name, fields.get(name));
    let mut contact = Contact {
        id,
        last_seen,
        first_seen,
        user_id: text("userId")?,
        name: text("name")?,
        email: text("email")?,
        company: text("company")?,
        phone: text("phone")?,
        telegram_id: text("telegramId")?,
        facebook_id: text("facebookId")?,
        instagram_id: text("instagramId")?,
        viber_id: text("viberId")?,
        whatsapp_id: text("whatsappId")?,
        ..Contact::default()
    };
    contact.location = match fields.get("location") {
        None | Some(Value::Null) => Location::default(),
        Some(Value::Object(location)) => {
            let text = |name: &str| check.text(&format!("location.{name}"), location.get(name));
            Location {
                region_code: text("regionCode")?,
                country_code: text("countryCode")?,
                city: text("city")?,
            }
        }
        Some(other) => return Err(check.wrong("location", "an object", other)),
    };
    contact.tags = match fields.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(tags)) => tags
            .iter()
            .enumerate()
            .map(|(i, tag)| check.tag(i, tag))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(check.wrong("tags", "a list of `{\"name\": …}` objects", other));
        }
    };
    Ok(contact)
}

/// Checks the fields of one record.
pub(super) struct Check<'a> {
    record: &'a Record,
    span: SourceSpan,
}

impl Check<'_> {
    pub(super) fn missing(&self, field: &'static str) -> ContactsProblem {
        ContactsProblem::MissingField {
            record: self.record.clone(),
            field,
            span: self.span,
        }
    }

    pub(super) fn wrong(
        &self,
        field: &str,
        expected: &'static str,
        found: &Value,
    ) -> ContactsProblem {
        ContactsProblem::FieldType {
            record: self.record.clone(),
            field: field.to_owned(),
            expected,
            found: short(found),
            span: self.span,
        }
    }

    /// A UNIX timestamp: a whole number, or a string of one (the vendor's
    /// example sends strings).
    pub(super) fn timestamp(&self, field: &str, value: &Value) -> Result<i64, ContactsProblem> {
        let number = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        number.ok_or_else(|| {
            self.wrong(
                field,
                "a UNIX timestamp in seconds (a whole number, or a string of one)",
                value,
            )
        })
    }

    pub(super) fn text(
        &self,
        field: &str,
        value: Option<&Value>,
    ) -> Result<Option<String>, ContactsProblem> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(field, "a string or null", other)),
        }
    }

    pub(super) fn tag(&self, index: usize, tag: &Value) -> Result<Tag, ContactsProblem> {
        let Value::Object(tag) = tag else {
            return Err(self.wrong(
                &format!("tags[{index}]"),
                "an object such as `{\"name\": \"Lead\"}`",
                tag,
            ));
        };
        let name = match tag.get("name") {
            Some(Value::String(name)) => name.clone(),
            other => {
                return Err(self.wrong(
                    &format!("tags[{index}].name"),
                    "a string",
                    other.unwrap_or(&Value::Null),
                ));
            }
        };
        let color = self.text(&format!("tags[{index}].color"), tag.get("color"))?;
        Ok(Tag { name, color })
    }
}

/// A value, as JSON, shortened for a message.
pub(super) fn short(value: &Value) -> String {
    let json = value.to_string();
    if json.chars().count() <= 40 {
        return json;
    }
    let start: String = json.chars().take(37).collect();
    format!("{start}...")
}

/// What a JSON value is, in words.
pub(super) fn kind(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Bool(b)) => format!("the boolean {b}"),
        Some(Value::Number(n)) => format!("the number {n}"),
        Some(Value::String(_)) => format!("the string {}", short(value.expect("some"))),
        Some(Value::Array(_)) => "a list".to_owned(),
        Some(Value::Object(object)) => object_kind(object),
    }
}

pub(super) fn object_kind(object: &Map<String, Value>) -> String {
    let keys: Vec<String> = object.keys().take(4).map(|k| format!("`{k}`")).collect();
    match keys.as_slice() {
        [] => "an empty object".to_owned(),
        _ if object.len() > 4 => format!("an object with keys {}, …", keys.join(", ")),
        _ => format!("an object with keys {}", keys.join(", ")),
    }
}

/// A record read straight from its text into a contact, with its length,
/// building no `Value`: `None` for anything [`contact`] would not accept
/// as it is (and for some things it would, such as a key written twice),
/// which the caller then reads through [`contact`] to say what is wrong.
/// The types below accept exactly what [`contact`] accepts of an object:
/// the same types, `null` as absent, keys hcq does not use ignored, and
/// `location` and each tag objects, never arrays (which serde's derived
/// structs would take field by field).
pub(super) fn fast(json: &str) -> Option<(Contact, usize)> {
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<Fast>();
    let fast = stream.next()?.ok()?;
    let contact = Contact {
        id: fast.id,
        user_id: fast.user_id,
        name: fast.name,
        email: fast.email,
        company: fast.company,
        phone: fast.phone,
        first_seen: fast.first_seen.map(|t| t.0),
        last_seen: fast.last_seen.0,
        location: fast.location.map(|l| l.0).unwrap_or_default(),
        tags: fast
            .tags
            .map(|tags| tags.into_iter().map(|t| t.0).collect())
            .unwrap_or_default(),
        telegram_id: fast.telegram_id,
        facebook_id: fast.facebook_id,
        instagram_id: fast.instagram_id,
        viber_id: fast.viber_id,
        whatsapp_id: fast.whatsapp_id,
    };
    Some((contact, stream.byte_offset()))
}

/// A contact as [`fast`] reads it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fast {
    id: i64,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    first_seen: Option<Timestamp>,
    last_seen: Timestamp,
    #[serde(default)]
    location: Option<Object<Location>>,
    #[serde(default)]
    tags: Option<Vec<Object<Tag>>>,
    #[serde(default)]
    telegram_id: Option<String>,
    #[serde(default)]
    facebook_id: Option<String>,
    #[serde(default)]
    instagram_id: Option<String>,
    #[serde(default)]
    viber_id: Option<String>,
    #[serde(default)]
    whatsapp_id: Option<String>,
}

/// A UNIX timestamp as [`Check::timestamp`] reads one: a whole number
/// that fits an `i64`, or a string of one (trimmed).
struct Timestamp(i64);

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a UNIX timestamp")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                v.trim()
                    .parse()
                    .map(Timestamp)
                    .map_err(|_| E::custom("not a timestamp"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A `T` read only from a JSON object.
struct Object<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Object<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}
