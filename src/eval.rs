//! The reference evaluator: the semantics of docs/SEMANTICS.md run locally, over contacts
//! shaped as the API returns them. Tests use it to check that a plan's
//! requests select exactly what the expression selects; `hcq eval` runs a
//! query over a file of contacts.
//!
//! The semantics (docs/SEMANTICS.md, "The reference evaluator"):
//!
//! - `~` and `!~` compare text case-insensitively; `=` and `!=` exactly;
//! - a missing text field is never equal to anything and never contains
//!   anything, so `!=` and `!~` hold for it: they are exact negations;
//! - Integer and Date fields (`id`, `lastSeen`) are always present;
//! - a tags filter matches a contact that carries every one of its names,
//!   compared exactly.
//!
//! Rows are sorted by the sort field in the given order, ties broken by
//! `id` ascending, as [`search`] assumes the API does.

use crate::ast::CompareOp;
use crate::plan::{self, Order, Plan, Request};
use crate::schema::{FieldType, Schema};
use crate::typed::{self, Literal};
use serde::{Deserialize, Deserializer};
use std::cmp::Ordering;
use std::collections::HashSet;

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

fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    optional_timestamp(deserializer)?
        .ok_or_else(|| serde::de::Error::custom("expected a UNIX timestamp, found null"))
}

fn optional_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
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

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A field's value on a contact.
enum FieldValue<'a> {
    Number(i64),
    Text(Option<&'a str>),
    Tags(&'a [Tag]),
    /// A field this evaluator does not know.
    Unknown,
}

impl Contact {
    /// The value of the field with this full name.
    fn field(&self, name: &str) -> FieldValue<'_> {
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
    /// `firstSeen` sorts before every present one.
    fn sort_key(&self, sort: &str) -> Option<i64> {
        match sort {
            "customers.firstSeen" => self.first_seen,
            "customers.lastSeen" => Some(self.last_seen),
            _ => Some(self.id),
        }
    }
}

/// The value side of one comparison.
enum Operand<'a> {
    Number(i64),
    Text(&'a str),
    Tags(Vec<&'a str>),
}

/// Whether `field op operand` holds for `contact`.
fn compare(contact: &Contact, field: &str, op: CompareOp, operand: Operand<'_>) -> bool {
    match (contact.field(field), operand) {
        (FieldValue::Number(have), Operand::Number(want)) => match op {
            CompareOp::Eq => have == want,
            CompareOp::Ne => have != want,
            CompareOp::Gt => have > want,
            CompareOp::Lt => have < want,
            CompareOp::Ge => have >= want,
            CompareOp::Le => have <= want,
            CompareOp::Contains | CompareOp::NotContains => false,
        },
        (FieldValue::Text(have), Operand::Text(want)) => {
            let equal = have == Some(want);
            let contains =
                have.is_some_and(|have| have.to_lowercase().contains(&want.to_lowercase()));
            match op {
                CompareOp::Eq => equal,
                CompareOp::Ne => !equal,
                CompareOp::Contains => contains,
                CompareOp::NotContains => !contains,
                CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le => false,
            }
        }
        (FieldValue::Tags(have), Operand::Tags(want)) => {
            let all = want.iter().all(|w| have.iter().any(|t| t.name == *w));
            match op {
                CompareOp::Eq => all,
                CompareOp::Ne => !all,
                _ => false,
            }
        }
        // A value of the wrong type, or an unknown field: the API would
        // refuse the request; nothing matches.
        _ => false,
    }
}

/// Whether a checked expression selects `contact`.
pub fn matches_expr(expr: &typed::Expr, contact: &Contact) -> bool {
    match expr {
        typed::Expr::Or(items, _) => items.iter().any(|item| matches_expr(item, contact)),
        typed::Expr::And(items, _) => items.iter().all(|item| matches_expr(item, contact)),
        typed::Expr::Not(inner, _) => !matches_expr(inner, contact),
        typed::Expr::Filter(filter) => {
            let operand = match &filter.value {
                Literal::Text(text) => Operand::Text(text),
                Literal::Integer(n) | Literal::Timestamp(n) => Operand::Number(*n),
                Literal::Tags(names) => Operand::Tags(names.iter().map(String::as_str).collect()),
            };
            compare(contact, filter.field.name, filter.op, operand)
        }
    }
}

/// Whether one API request's filters select `contact` (ignoring paging).
pub fn matches_request(request: &Request, contact: &Contact) -> bool {
    let hit = |filter: &plan::Filter| {
        let operand = match &filter.value {
            plan::Value::Number(n) => Operand::Number(*n),
            plan::Value::Text(text) => Operand::Text(text),
            plan::Value::Tags(tags) => {
                Operand::Tags(tags.iter().map(|t| t.name.as_str()).collect())
            }
        };
        compare(contact, &filter.field, filter.operator.into(), operand)
    };
    match request.comparison {
        plan::Comparison::And => request.filter.iter().all(hit),
        plan::Comparison::Or => request.filter.iter().any(hit),
    }
}

/// Orders two contacts by `sort` in `order`, ties by id ascending.
fn by(sort: &str, order: Order) -> impl Fn(&&Contact, &&Contact) -> Ordering + '_ {
    move |a, b| {
        let primary = a.sort_key(sort).cmp(&b.sort_key(sort));
        let primary = match order {
            Order::Asc => primary,
            Order::Desc => primary.reverse(),
        };
        primary.then(a.id.cmp(&b.id))
    }
}

/// `limit` rows from `offset` of `rows`, sorted.
fn window<'a>(
    mut rows: Vec<&'a Contact>,
    sort: &str,
    order: Order,
    offset: u64,
    limit: u64,
) -> Vec<&'a Contact> {
    rows.sort_by(by(sort, order));
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    rows.into_iter().skip(offset).take(limit).collect()
}

/// The API simulated: the contacts `request` selects, sorted by its sort
/// field and order (ties by id ascending), `limit` of them from `offset`.
pub fn search<'a>(request: &Request, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let rows = contacts
        .iter()
        .filter(|c| matches_request(request, c))
        .collect();
    window(
        rows,
        &request.sort,
        request.order,
        request.offset,
        request.limit,
    )
}

/// Runs a plan against simulated API answers, exactly as its `merge` says
/// (see [`crate::plan`]): each request read page by page, the rows unioned
/// by id, sorted, and the merge's page taken. Without `merge`, the single
/// request's answer; with several requests and no `merge` (not a plan
/// [`crate::lower`] makes), their answers unioned by id in request order.
pub fn run_plan<'a>(plan: &Plan, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let Some(merge) = &plan.merge else {
        let mut seen = HashSet::new();
        return plan
            .requests
            .iter()
            .flat_map(|request| search(request, contacts))
            .filter(|c| seen.insert(c.id))
            .collect();
    };
    let wanted = merge.offset.saturating_add(merge.limit);
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for request in &plan.requests {
        let mut page = request.clone();
        let mut read: u64 = 0;
        while read < wanted && page.limit > 0 {
            let got = search(&page, contacts);
            read += got.len() as u64;
            let short = (got.len() as u64) < page.limit;
            rows.extend(got.into_iter().filter(|c| seen.insert(c.id)));
            if short {
                break;
            }
            page.offset = page.offset.saturating_add(page.limit);
        }
    }
    window(rows, &merge.sort, merge.order, merge.offset, merge.limit)
}

/// A sort, an order and a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The full name of the sort field.
    pub sort: String,
    /// The order; ties by id ascending.
    pub order: Order,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to keep.
    pub limit: u64,
}

/// The true page of an expression: what a correct client shows for it.
pub fn page<'a>(expr: &typed::Expr, window: &Window, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let rows = contacts.iter().filter(|c| matches_expr(expr, c)).collect();
    self::window(
        rows,
        &window.sort,
        window.order,
        window.offset,
        window.limit,
    )
}

/// Whether `request` is one the API accepts by docs/SEMANTICS.md: every filter on a
/// searchable field of `schema`, with an operator its type allows and a
/// value of its type (tags non-empty), a sortable sort field, and a limit
/// of at most [`plan::MAX_PAGE`]. Returns what is wrong.
pub fn validate(request: &Request, schema: &Schema) -> Result<(), String> {
    if request.filter.is_empty() {
        return Err("no filters".to_owned());
    }
    if request.limit > plan::MAX_PAGE {
        return Err(format!(
            "limit {} is above {}",
            request.limit,
            plan::MAX_PAGE
        ));
    }
    match schema.fields.iter().find(|f| f.name == request.sort) {
        Some(field) if field.usage.sort => {}
        _ => return Err(format!("`{}` is not a sort field", request.sort)),
    }
    for filter in &request.filter {
        let Some(field) = schema.fields.iter().find(|f| f.name == filter.field) else {
            return Err(format!("unknown field `{}`", filter.field));
        };
        if !field.usage.search {
            return Err(format!("`{}` is not searchable", field.name));
        }
        let op: CompareOp = filter.operator.into();
        if !field.ty.allows(op) {
            return Err(format!("`{op}` is not valid for `{}`", field.name));
        }
        let typed = matches!(
            (field.ty, &filter.value),
            (FieldType::Integer | FieldType::Date, plan::Value::Number(_))
                | (FieldType::String, plan::Value::Text(_))
        ) || matches!((field.ty, &filter.value), (FieldType::Tags, plan::Value::Tags(tags)) if !tags.is_empty());
        if !typed {
            return Err(format!("`{}` has a value of the wrong type", field.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;
    use crate::plan::{Comparison, Filter, Operator, Value};

    fn contact(json: &str) -> Contact {
        serde_json::from_str(json).unwrap()
    }

    fn filter(field: &str, op: CompareOp, value: Literal) -> typed::Expr {
        typed::Expr::Filter(typed::Filter {
            field: Schema::CONTACTS.by_name(field),
            op,
            value,
            span: Span::default(),
        })
    }

    #[test]
    fn reads_the_api_response_shape() {
        let c = contact(
            r#"{"id": 3, "name": null, "firstSeen": 1600000000, "lastSeen": "1700000000",
                "location": null, "tags": null, "customData": {"x": 1}, "blocked": false,
                "viberId": "v1"}"#,
        );
        assert_eq!(c.first_seen, Some(1_600_000_000));
        assert_eq!(c.last_seen, 1_700_000_000);
        assert_eq!(c.location, Location::default());
        assert!(c.tags.is_empty());
        assert_eq!(c.viber_id.as_deref(), Some("v1"));
        let err = serde_json::from_str::<Contact>(r#"{"id": 1, "lastSeen": "soon"}"#).unwrap_err();
        assert!(err.to_string().contains("UNIX timestamp"), "{err}");
        assert!(serde_json::from_str::<Contact>(r#"{"id": 1}"#).is_err());
    }

    #[test]
    fn text_semantics() {
        let ann = contact(r#"{"id": 1, "lastSeen": 0, "email": "Ann@Gmail.com"}"#);
        let text = |op, v: &str| filter("customers.email", op, Literal::Text(v.into()));
        assert!(matches_expr(&text(CompareOp::Contains, "gmail"), &ann));
        assert!(!matches_expr(&text(CompareOp::NotContains, "GMAIL"), &ann));
        assert!(!matches_expr(&text(CompareOp::Eq, "ann@gmail.com"), &ann));
        assert!(matches_expr(&text(CompareOp::Eq, "Ann@Gmail.com"), &ann));
        // A missing field: never equal, never contains; `!=` and `!~` hold.
        let city = |op, v: &str| filter("customers.city", op, Literal::Text(v.into()));
        assert!(!matches_expr(&city(CompareOp::Eq, ""), &ann));
        assert!(!matches_expr(&city(CompareOp::Contains, ""), &ann));
        assert!(matches_expr(&city(CompareOp::Ne, "Kyiv"), &ann));
        assert!(matches_expr(&city(CompareOp::NotContains, ""), &ann));
    }

    #[test]
    fn tags_need_every_name_exactly() {
        let c = contact(
            r#"{"id": 1, "lastSeen": 0, "tags": [{"name": "Lead", "color": "red"}, {"name": "Paid"}]}"#,
        );
        let tags = |names: &[&str]| {
            filter(
                "customers.tagsData",
                CompareOp::Eq,
                Literal::Tags(names.iter().map(|n| n.to_string()).collect()),
            )
        };
        assert!(matches_expr(&tags(&["Lead", "Paid"]), &c));
        assert!(!matches_expr(&tags(&["Lead", "VIP"]), &c));
        assert!(!matches_expr(&tags(&["lead"]), &c));
    }

    fn request(offset: u64, limit: u64) -> Request {
        Request {
            comparison: Comparison::And,
            filter: vec![Filter {
                field: "customers.id".into(),
                operator: Operator::Gt,
                value: Value::Number(0),
            }],
            sort: "customers.lastSeen".into(),
            order: Order::Desc,
            offset,
            limit,
        }
    }

    fn people() -> Vec<Contact> {
        (0..10)
            .map(|id| Contact {
                id,
                last_seen: id % 3,
                ..Contact::default()
            })
            .collect()
    }

    #[test]
    fn search_sorts_with_ties_by_id_and_pages() {
        let people = people();
        let ids = |rows: Vec<&Contact>| rows.iter().map(|c| c.id).collect::<Vec<_>>();
        // lastSeen 2: 2, 5, 8; 1: 1, 4, 7; 0: 3, 6, 9 (0 fails id > 0)
        assert_eq!(
            ids(search(&request(0, 100), &people)),
            [2, 5, 8, 1, 4, 7, 3, 6, 9]
        );
        assert_eq!(ids(search(&request(2, 3), &people)), [8, 1, 4]);
    }

    #[test]
    fn run_plan_pages_and_merges() {
        let people = people();
        // Requests sorted as the merge sorts, read two rows at a time.
        let mut first = request(0, 2);
        first.order = Order::Asc;
        let mut second = first.clone();
        second.filter[0].operator = Operator::Ne;
        second.filter[0].value = Value::Number(4);
        let plan = Plan {
            requests: vec![first, second],
            merge: Some(plan::Merge {
                by: "id".into(),
                sort: "customers.lastSeen".into(),
                order: Order::Asc,
                offset: 1,
                limit: 3,
            }),
        };
        let rows: Vec<i64> = run_plan(&plan, &people).iter().map(|c| c.id).collect();
        // Everyone is selected; by lastSeen ascending, ties by id: 0 3 6 9 1 …
        assert_eq!(rows, [3, 6, 9]);
        let window = Window {
            sort: "customers.lastSeen".into(),
            order: Order::Asc,
            offset: 1,
            limit: 3,
        };
        let all = typed::Expr::And(vec![], Span::default());
        let want: Vec<i64> = page(&all, &window, &people).iter().map(|c| c.id).collect();
        assert_eq!(rows, want);
    }

    #[test]
    fn validate_names_what_is_wrong() {
        let mut r = request(0, 101);
        assert!(
            validate(&r, &Schema::CONTACTS)
                .unwrap_err()
                .contains("limit")
        );
        r.limit = 100;
        assert_eq!(validate(&r, &Schema::CONTACTS), Ok(()));
        r.filter[0].operator = Operator::Contains;
        assert!(validate(&r, &Schema::CONTACTS).is_err());
        r.filter[0].field = "customers.firstSeen".into();
        assert!(
            validate(&r, &Schema::CONTACTS)
                .unwrap_err()
                .contains("searchable")
        );
    }
}
