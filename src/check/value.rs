//! Reading a value by its field's type: `userId = 00123` is the text
//! "00123", `id = 00123` the integer 123, `lastSeen > 2024-01-01` a UNIX
//! timestamp.

use super::error::{CheckError, at};
use crate::ast::{RelativeOffset, Value, ValueKind};
use crate::schema::FieldType;
use crate::typed::Literal;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::HashSet;

/// Reads the values of one field.
pub(super) struct Reader<'a> {
    /// The field as written, for messages.
    pub field: &'a str,
    /// The field's type.
    pub ty: FieldType,
    /// What `now` means.
    pub now: Timestamp,
    /// Most tags in one tag list.
    pub max_list_len: usize,
}

impl Reader<'_> {
    /// The value as a literal of the field's type, or `None` with the
    /// reasons pushed onto `errors`.
    pub(super) fn read(&self, value: &Value, errors: &mut Vec<CheckError>) -> Option<Literal> {
        let literal = match self.ty {
            FieldType::String => self.text(value).map(Literal::Text),
            FieldType::Integer => self.integer(value).map(Literal::Integer),
            FieldType::Date => self.timestamp(value).map(Literal::Timestamp),
            // A tag list can hold several wrong tags: each is reported.
            FieldType::Tags => return self.tags(value, errors).map(Literal::Tags),
        };
        literal.map_err(|error| errors.push(error)).ok()
    }

    fn text(&self, value: &Value) -> Result<String, CheckError> {
        match &value.kind {
            ValueKind::Str(text)
            | ValueKind::Word(text)
            | ValueKind::Integer(text)
            | ValueKind::Date(text)
            | ValueKind::DateTime(text) => Ok(text.clone()),
            // A text field may well hold the word "now", or "NOW": it is
            // that text as written. Only an offset makes it a time.
            ValueKind::Now { word, offset: None } => Ok(word.clone()),
            ValueKind::Now {
                offset: Some(_), ..
            } => Err(self.wrong(
                value,
                Some("to match these words as text, put them in quotes".to_owned()),
            )),
            ValueKind::List(_) => Err(self.wrong(value, Some(self.in_hint()))),
        }
    }

    fn integer(&self, value: &Value) -> Result<i64, CheckError> {
        match &value.kind {
            ValueKind::Integer(text) => parse_i64(text, value),
            ValueKind::Str(text) if text.trim().parse::<i64>().is_ok() => {
                Err(self.wrong(value, Some("numbers are written without quotes".to_owned())))
            }
            ValueKind::List(_) => Err(self.wrong(value, Some(self.in_hint()))),
            _ => Err(self.wrong(value, None)),
        }
    }

    fn timestamp(&self, value: &Value) -> Result<i64, CheckError> {
        match &value.kind {
            ValueKind::Integer(text) => parse_i64(text, value),
            ValueKind::Date(text) => {
                date_timestamp(text).map_err(|reason| CheckError::InvalidDate {
                    text: text.clone(),
                    reason,
                    span: at(value.span),
                })
            }
            ValueKind::DateTime(text) => {
                datetime_timestamp(text).map_err(|reason| CheckError::InvalidDateTime {
                    text: text.clone(),
                    reason,
                    span: at(value.span),
                })
            }
            ValueKind::Now { offset: None, .. } => Ok(self.now.as_second()),
            ValueKind::Now {
                offset: Some(offset),
                ..
            } => self.relative(offset),
            ValueKind::Str(_) | ValueKind::Word(_) => Err(self.wrong(
                value,
                Some("the API compares UNIX timestamps, so text is never a date".to_owned()),
            )),
            ValueKind::List(_) => Err(self.wrong(value, Some(self.in_hint()))),
        }
    }

    fn relative(&self, offset: &RelativeOffset) -> Result<i64, CheckError> {
        let unit_seconds: i64 = match offset.unit.as_str() {
            "s" => 1,
            "m" => 60,
            "h" => 60 * 60,
            "d" => 24 * 60 * 60,
            "w" => 7 * 24 * 60 * 60,
            _ => {
                return Err(CheckError::TimeUnit {
                    unit: offset.unit.clone(),
                    span: at(offset.span),
                });
            }
        };
        let out_of_range = || CheckError::OffsetRange {
            text: format!("{}{}", offset.amount, offset.unit),
            span: at(offset.span),
        };
        let amount: i64 = offset.amount.parse().map_err(|_| out_of_range())?;
        let seconds = amount.checked_mul(unit_seconds).ok_or_else(out_of_range)?;
        let now = self.now.as_second();
        let moved = if offset.minus {
            now.checked_sub(seconds)
        } else {
            now.checked_add(seconds)
        };
        // Keep to the calendar jiff knows, so every timestamp can be shown as a date.
        moved
            .filter(|&second| Timestamp::from_second(second).is_ok())
            .ok_or_else(out_of_range)
    }

    fn tags(&self, value: &Value, errors: &mut Vec<CheckError>) -> Option<Vec<String>> {
        let ValueKind::List(items) = &value.kind else {
            return self
                .tag_name(value)
                .map(|name| vec![name])
                .map_err(|error| errors.push(error))
                .ok();
        };
        if items.is_empty() {
            errors.push(CheckError::EmptyTagList {
                span: at(value.span),
            });
            return None;
        }
        if items.len() > self.max_list_len {
            errors.push(CheckError::ListTooLong {
                len: items.len(),
                max: self.max_list_len,
                span: at(value.span),
            });
            return None;
        }
        let mut names = Vec::with_capacity(items.len());
        let mut seen = HashSet::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match self.tag_name(item) {
                Ok(name) => {
                    if seen.insert(name.clone()) {
                        names.push(name);
                    }
                }
                Err(error) => {
                    errors.push(error);
                    ok = false;
                }
            }
        }
        ok.then_some(names)
    }

    fn tag_name(&self, value: &Value) -> Result<String, CheckError> {
        match &value.kind {
            ValueKind::Str(name) | ValueKind::Word(name) | ValueKind::Integer(name) => {
                Ok(name.clone())
            }
            ValueKind::List(_) => Err(self.wrong_found(
                value,
                "a nested list",
                Some("tag lists cannot be nested".to_owned()),
            )),
            // A tag list cannot take `now` as the clock, and a date there
            // is likelier a mistake than a tag: both are refused, with the
            // written text quoted as the way to mean it as a name.
            ValueKind::Date(text)
            | ValueKind::DateTime(text)
            | ValueKind::Now {
                word: text,
                offset: None,
            } => Err(self.wrong(
                value,
                Some(format!("to use it as a tag name, quote it: \"{text}\"")),
            )),
            ValueKind::Now {
                offset: Some(_), ..
            } => Err(self.wrong(
                value,
                Some("to match these words as a tag name, put them in quotes".to_owned()),
            )),
        }
    }

    fn in_hint(&self) -> String {
        format!(
            "to match any of several values, write `{} in (…)`",
            self.field
        )
    }

    fn wrong(&self, value: &Value, hint: Option<String>) -> CheckError {
        self.wrong_found(value, found(&value.kind), hint)
    }

    fn wrong_found(&self, value: &Value, found: &'static str, hint: Option<String>) -> CheckError {
        // A tag field takes names, one at a time or in a list.
        let (expected, one) = match self.ty {
            FieldType::Tags => ("tag names", "a tag name"),
            FieldType::Integer => ("an integer", "an integer"),
            FieldType::String => ("text", "text"),
            FieldType::Date => ("a date", "a date"),
        };
        let mut help = format!("write {expected} such as {}", self.ty.example());
        if let Some(hint) = hint {
            help.push_str("; ");
            help.push_str(&hint);
        }
        CheckError::ValueType {
            field: self.field.to_owned(),
            ty: self.ty,
            expected,
            one,
            found,
            span: at(value.span),
            help,
        }
    }
}

/// What a value looks like, for "takes a date, not …".
fn found(kind: &ValueKind) -> &'static str {
    match kind {
        ValueKind::Str(_) => "quoted text",
        ValueKind::Word(_) => "a word",
        ValueKind::Integer(_) => "an integer",
        ValueKind::Date(_) => "a date",
        ValueKind::DateTime(_) => "a date and time",
        ValueKind::Now { offset: None, .. } => "`now`",
        ValueKind::Now {
            offset: Some(_), ..
        } => "a time relative to now",
        ValueKind::List(_) => "a list",
    }
}

fn parse_i64(text: &str, value: &Value) -> Result<i64, CheckError> {
    text.parse().map_err(|_| CheckError::IntegerRange {
        text: text.to_owned(),
        span: at(value.span),
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `YYYY-MM-DD` as a calendar date, or why it is none, in words.
fn civil_date(text: &str) -> Result<Date, String> {
    let shape = || "expected YYYY-MM-DD".to_owned();
    let mut parts = text.splitn(3, '-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(shape());
    };
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>())
    else {
        return Err(shape());
    };
    let Some(month_name) = usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|m| MONTHS.get(m))
    else {
        return Err(format!("there is no month {month}"));
    };
    let days = Date::new(year, month, 1)
        .map_err(|error| error.to_string())?
        .days_in_month();
    if day < 1 {
        return Err(format!("there is no day {day}"));
    }
    if day > days {
        return Err(format!("{month_name} {year} has {days} days"));
    }
    Date::new(year, month, day).map_err(|error| error.to_string())
}

/// Midnight UTC of a `YYYY-MM-DD` date, as a UNIX timestamp.
fn date_timestamp(text: &str) -> Result<i64, String> {
    civil_date(text)?
        .to_zoned(TimeZone::UTC)
        .map(|zoned| zoned.timestamp().as_second())
        .map_err(|error| error.to_string())
}

/// A date and time with `Z` or an offset, as a UNIX timestamp (fractions
/// of a second dropped).
fn datetime_timestamp(text: &str) -> Result<i64, String> {
    // Say what is wrong in words where it is easy to tell; jiff's own
    // message covers the rest.
    if let Some(split) = text.find(['T', 't', ' ']) {
        civil_date(&text[..split])?;
        let rest = &text[split + 1..];
        let zone = rest.find(['Z', 'z', '+', '-']);
        let clock = &rest[..zone.unwrap_or(rest.len())];
        for (part, (name, max)) in
            clock
                .split(':')
                .zip([("hour", 23), ("minute", 59), ("second", 60)])
        {
            let whole = part.split(['.', ',']).next().unwrap_or(part);
            if let Ok(number) = whole.parse::<u32>() {
                if number > max {
                    return Err(format!("there is no {name} {number}"));
                }
            }
        }
        if zone.is_none() {
            return Err("no time zone: add `Z` for UTC or an offset such as `+02:00`".to_owned());
        }
    }
    text.parse::<Timestamp>()
        .map(Timestamp::as_second)
        .map_err(|error| error.to_string())
}
