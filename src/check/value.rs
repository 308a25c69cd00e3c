//! Reading a value by its field's type: `userId = 00123` is the text
//! "00123", `id = 00123` the integer 123, `lastSeen > 2024-01-01` a UNIX
//! timestamp.

use super::error::{CheckError, at};
use crate::ast::{CompareOp, RelativeOffset, Value, ValueKind};
use crate::schema::FieldType;
use crate::typed::Literal;
use jiff::Timestamp;
use std::collections::HashSet;

/// How a value is tested: what decides how a date and time between two
/// whole seconds is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Test {
    /// `field op value`.
    Compare(CompareOp),
    /// One value of `field in (…)`, or of `field not in (…)` when negated.
    In {
        /// `not in`.
        negated: bool,
    },
}

impl Test {
    /// The operator as written, for messages.
    fn written(self) -> &'static str {
        match self {
            Test::Compare(op) => op.as_str(),
            Test::In { negated: false } => "in",
            Test::In { negated: true } => "not in",
        }
    }
}

/// Reads the values of one field.
///
/// Dates and times become UNIX seconds, exactly:
///
/// - a bare date is midnight UTC: `2024-01-01` is the instant
///   2024-01-01T00:00:00Z, so `lastSeen = 2024-01-01` means exactly that
///   one second, not the whole day (which is `lastSeen >= 2024-01-01 and
///   lastSeen < 2024-01-02`);
/// - a date and time needs `Z` or a UTC offset of at most ±23:59;
/// - the API's timestamps are whole seconds, so a fraction of a second is
///   rounded the way that keeps the comparison's meaning for every whole
///   second: up for `>=` and `<` (`>= 10:00:00.5` is `>= 10:00:01`), down
///   for `>` and `<=` (`> 10:00:00.5` is `> 10:00:00`). `=` and `!=` (and
///   `in`, `not in`) cannot keep it: no contact is seen at 10:00:00.5, so
///   `=` would match no contact and `!=` every one. That is an error
///   rather than a plan that silently matches nothing, since it is
///   certainly not what was meant;
/// - `now` is the clock's whole second.
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
    /// The value as a literal of the field's type for `test`, or `None`
    /// with the reasons pushed onto `errors`.
    pub(super) fn read(
        &self,
        value: &Value,
        test: Test,
        errors: &mut Vec<CheckError>,
    ) -> Option<Literal> {
        let literal = match self.ty {
            FieldType::String => self.text(value).map(Literal::Text),
            FieldType::Integer => self.integer(value).map(Literal::Integer),
            FieldType::Date => self.timestamp(value, test).map(Literal::Timestamp),
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

    fn timestamp(&self, value: &Value, test: Test) -> Result<i64, CheckError> {
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
                let instant =
                    datetime_instant(text).map_err(|reason| CheckError::InvalidDateTime {
                        text: text.clone(),
                        reason,
                        span: at(value.span),
                    })?;
                self.whole_second(instant, text, value, test)
            }
            ValueKind::Now { offset: None, .. } => Ok(self.now.as_second()),
            ValueKind::Now {
                offset: Some(offset),
                ..
            } => self.relative(offset),
            ValueKind::Word(text) if misshapen_year(text).is_some() => {
                let reason =
                    "a year has four digits: dates go from 0000-01-01 to 9999-12-31".to_owned();
                let (text, span) = (text.clone(), at(value.span));
                Err(if misshapen_year(&text) == Some(true) {
                    CheckError::InvalidDateTime { text, reason, span }
                } else {
                    CheckError::InvalidDate { text, reason, span }
                })
            }
            ValueKind::Str(_) | ValueKind::Word(_) => Err(self.wrong(
                value,
                Some("the API compares UNIX timestamps, so text is never a date".to_owned()),
            )),
            ValueKind::List(_) => Err(self.wrong(value, Some(self.in_hint()))),
        }
    }

    /// The whole second that keeps `test`'s meaning for an instant that
    /// may lie between two (see [`Reader`]).
    fn whole_second(
        &self,
        instant: Instant,
        text: &str,
        value: &Value,
        test: Test,
    ) -> Result<i64, CheckError> {
        if !instant.fraction {
            return Ok(instant.second);
        }
        let equality = match test {
            Test::Compare(CompareOp::Ge | CompareOp::Lt) => return Ok(instant.second + 1),
            // `~` and `!~` are no operators for dates; the checker reports them.
            Test::Compare(
                CompareOp::Gt | CompareOp::Le | CompareOp::Contains | CompareOp::NotContains,
            ) => return Ok(instant.second),
            Test::Compare(CompareOp::Eq) | Test::In { negated: false } => true,
            Test::Compare(CompareOp::Ne) | Test::In { negated: true } => false,
        };
        let whole = without_fraction(text);
        let help = if equality {
            format!(
                "the API's timestamps are whole seconds, so no contact has this one; write \
                 a whole second, such as `{whole}`, or a range with `>=` and `<`"
            )
        } else {
            format!(
                "the API's timestamps are whole seconds, so every contact differs from \
                 this one; write a whole second, such as `{whole}`"
            )
        };
        Err(CheckError::FractionalSecond {
            field: self.field.to_owned(),
            op: test.written(),
            span: at(value.span),
            help,
        })
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

/// A day of the calendar, years 0000 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CivilDate {
    year: i64,
    month: u32,
    day: u32,
}

impl CivilDate {
    /// Days from 1970-01-01 (negative before), by the proleptic Gregorian
    /// calendar. Computed here rather than by jiff, whose timestamps end
    /// before 9999-12-31 ends: every date a user can write has its second.
    fn days_from_epoch(self) -> i64 {
        // Howard Hinnant's `days_from_civil`: years start in March, so
        // that a leap day is the last day of its year.
        let year = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let month_from_march = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Exactly `n` ASCII digits, as a number.
fn fixed_digits(text: &str, n: usize) -> Option<u32> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` as a calendar date, or why it is none, in words.
fn civil_date(text: &str) -> Result<CivilDate, String> {
    let shape = || "expected YYYY-MM-DD".to_owned();
    let mut parts = text.splitn(3, '-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(shape());
    };
    let (Some(year), Some(month), Some(day)) = (
        fixed_digits(year, 4),
        fixed_digits(month, 2),
        fixed_digits(day, 2),
    ) else {
        return Err(shape());
    };
    let year = i64::from(year);
    let Some(month_name) = usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|m| MONTHS.get(m))
    else {
        return Err(format!("there is no month {month}"));
    };
    let days = days_in_month(year, month);
    if day < 1 {
        return Err(format!("there is no day {day}"));
    }
    if day > days {
        return Err(format!("{month_name} {year} has {days} days"));
    }
    Ok(CivilDate { year, month, day })
}

/// Midnight UTC of a `YYYY-MM-DD` date, as a UNIX timestamp.
fn date_timestamp(text: &str) -> Result<i64, String> {
    Ok(civil_date(text)?.days_from_epoch() * SECONDS_PER_DAY)
}

const SECONDS_PER_DAY: i64 = 24 * 60 * 60;

/// A date and time as written: the whole UTC second it falls in, and
/// whether it lies past that second's start (`10:00:00.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Instant {
    /// The whole second at or before the instant.
    second: i64,
    /// Whether a fraction of a second follows `second`.
    fraction: bool,
}

/// A date and time with `Z` or a UTC offset, read by hand so that every
/// reason it is wrong is said in words: `YYYY-MM-DDTHH:MM[:SS[.F…]]`
/// followed by `Z` or `±HH:MM` (offsets of at most 23:59, as ISO 8601
/// has them). Any number of fractional digits is read exactly.
fn datetime_instant(text: &str) -> Result<Instant, String> {
    let shape = || "expected YYYY-MM-DDTHH:MM:SS and `Z` or an offset such as `+02:00`".to_owned();
    let Some(split) = text.find(['T', 't', ' ']) else {
        return Err(shape());
    };
    let date = civil_date(&text[..split])?;
    let rest = &text[split + 1..];
    let (clock, zone) = rest.split_at(rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len()));
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction))
            if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (clock, Some(fraction))
        }
        Some(_) => return Err(shape()),
        None => (clock, None),
    };
    let mut parts = clock.split(':');
    let (Some(hour), Some(minute), second, None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(shape());
    };
    let (Some(hour), Some(minute)) = (fixed_digits(hour, 2), fixed_digits(minute, 2)) else {
        return Err(shape());
    };
    let second = match second {
        Some(second) => fixed_digits(second, 2).ok_or_else(shape)?,
        None if fraction.is_some() => return Err(shape()),
        None => 0,
    };
    if hour > 23 {
        return Err(format!("there is no hour {hour}"));
    }
    if minute > 59 {
        return Err(format!("there is no minute {minute}"));
    }
    if second == 60 {
        // A UNIX timestamp has no leap second: 23:59:60 has no number of its own.
        return Err("there is no second 60 in UNIX time, which skips leap seconds".to_owned());
    }
    if second > 59 {
        return Err(format!("there is no second {second}"));
    }
    let offset = utc_offset(zone)?;
    let second = date.days_from_epoch() * SECONDS_PER_DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
        - offset;
    Ok(Instant {
        second,
        fraction: fraction.is_some_and(|digits| digits.bytes().any(|b| b != b'0')),
    })
}

/// `Z` or `±HH:MM` as seconds east of UTC.
fn utc_offset(zone: &str) -> Result<i64, String> {
    let (sign, digits) = match zone.as_bytes().first() {
        None => {
            return Err("no time zone: add `Z` for UTC or an offset such as `+02:00`".to_owned());
        }
        Some(b'Z' | b'z') if zone.len() == 1 => return Ok(0),
        Some(b'+') => (1, &zone[1..]),
        Some(b'-') => (-1, &zone[1..]),
        Some(_) => {
            return Err(format!(
                "`{zone}` is no time zone: write `Z` or an offset such as `+02:00`"
            ));
        }
    };
    let parsed = digits
        .split_once(':')
        .and_then(|(hours, minutes)| Some((fixed_digits(hours, 2)?, fixed_digits(minutes, 2)?)));
    let Some((hours, minutes)) = parsed else {
        return Err(format!(
            "`{zone}` is no UTC offset: write one such as `+02:00`"
        ));
    };
    if hours > 23 || minutes > 59 {
        return Err(format!(
            "there is no UTC offset {zone}: offsets go from -23:59 to +23:59"
        ));
    }
    Ok(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
}

/// A word that is a date but for its year (`10000-01-01`, `-0001-01-01`,
/// `999-12-31T10:00:00Z`): `Some(true)` when a time follows the date.
fn misshapen_year(text: &str) -> Option<bool> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let year_len = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &unsigned.as_bytes()[year_len..];
    let digit = |i: usize| rest.get(i).is_some_and(u8::is_ascii_digit);
    let month_day = rest.first() == Some(&b'-')
        && digit(1)
        && digit(2)
        && rest.get(3) == Some(&b'-')
        && digit(4)
        && digit(5);
    let signed = unsigned.len() != text.len();
    if year_len == 0 || (year_len == 4 && !signed) || !month_day {
        return None;
    }
    match rest.get(6) {
        None => Some(false),
        Some(b'T' | b't') => Some(true),
        Some(_) => None,
    }
}

/// A date and time as written without its fraction of a second.
fn without_fraction(text: &str) -> String {
    match text.find('.') {
        Some(dot) => {
            let digits = text[dot + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            format!("{}{}", &text[..dot], &text[dot + 1 + digits..])
        }
        None => text.to_owned(),
    }
}
