//! The reference evaluator: the semantics of docs/SEMANTICS.md run locally, over contacts
//! shaped as the API returns them. Tests use it to check that a plan's
//! requests select exactly what the expression selects; `hcq eval` runs a
//! query over a file of contacts with [`answer`], which computes the page
//! both ways and refuses to answer when they differ.
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
use crate::lower::PlanOptions;
use crate::lower::pack::DEFAULT_LIMIT;
use crate::plan::{self, Order, Plan, Request};
use crate::schema::{FieldType, Schema};
use crate::typed::{self, Literal};
use miette::{Diagnostic, SourceSpan};
use serde::{Deserialize, Deserializer};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

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
fn by(sort: &str, order: Order) -> impl Fn(&Contact, &Contact) -> Ordering + '_ {
    move |a, b| {
        let primary = a.sort_key(sort).cmp(&b.sort_key(sort));
        let primary = match order {
            Order::Asc => primary,
            Order::Desc => primary.reverse(),
        };
        primary.then(a.id.cmp(&b.id))
    }
}

/// Sorts indexes into `contacts` by `sort` in `order`, ties by id.
fn sort_rows(rows: &mut [usize], contacts: &[Contact], sort: &str, order: Order) {
    let by = by(sort, order);
    rows.sort_by(|&a, &b| by(&contacts[a], &contacts[b]));
}

/// The rows of `rows` from `offset`, at most `limit` of them.
fn cut(rows: &[usize], offset: u64, limit: u64) -> &[usize] {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    &rows[offset..offset.saturating_add(limit).min(rows.len())]
}

fn rows_of<'a>(rows: &[usize], contacts: &'a [Contact]) -> Vec<&'a Contact> {
    rows.iter().map(|&i| &contacts[i]).collect()
}

/// Every contact `request` selects (as indexes), sorted as it asks, before
/// paging: any page the simulated API returns is a slice of this.
fn request_rows(request: &Request, contacts: &[Contact]) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..contacts.len())
        .filter(|&i| matches_request(request, &contacts[i]))
        .collect();
    sort_rows(&mut rows, contacts, &request.sort, request.order);
    rows
}

/// The API simulated: the contacts `request` selects, sorted by its sort
/// field and order (ties by id ascending), `limit` of them from `offset`.
pub fn search<'a>(request: &Request, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let rows = request_rows(request, contacts);
    rows_of(cut(&rows, request.offset, request.limit), contacts)
}

/// Runs a plan against simulated API answers, exactly as its `merge` says
/// (see [`crate::plan`]): each request read page by page, the rows unioned
/// by id, sorted, and the merge's page taken. Without `merge`, the single
/// request's answer; with several requests and no `merge` (not a plan
/// [`crate::lower`] makes), their answers unioned by id in request order.
pub fn run_plan<'a>(plan: &Plan, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    rows_of(&plan_rows(plan, contacts), contacts)
}

/// [`run_plan`], as indexes into `contacts`.
fn plan_rows(plan: &Plan, contacts: &[Contact]) -> Vec<usize> {
    let mut seen = HashSet::new();
    let Some(merge) = &plan.merge else {
        return plan
            .requests
            .iter()
            .flat_map(|request| {
                let rows = request_rows(request, contacts);
                cut(&rows, request.offset, request.limit).to_vec()
            })
            .filter(|&i| seen.insert(contacts[i].id))
            .collect();
    };
    let wanted = merge.offset.saturating_add(merge.limit);
    let mut rows = Vec::new();
    for request in &plan.requests {
        // Each page the client asks for is a slice of the same sorted
        // answer: sorting it once, not once per page, keeps a long page
        // over many contacts cheap.
        let answer = request_rows(request, contacts);
        let mut offset = request.offset;
        let mut read: u64 = 0;
        while read < wanted && request.limit > 0 {
            let got = cut(&answer, offset, request.limit);
            read += got.len() as u64;
            rows.extend(got.iter().filter(|&&i| seen.insert(contacts[i].id)));
            if (got.len() as u64) < request.limit {
                break;
            }
            offset = offset.saturating_add(request.limit);
        }
    }
    sort_rows(&mut rows, contacts, &merge.sort, merge.order);
    cut(&rows, merge.offset, merge.limit).to_vec()
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
    rows_of(&page_rows(expr, window, contacts), contacts)
}

/// [`page`], as indexes into `contacts`.
fn page_rows(expr: &typed::Expr, window: &Window, contacts: &[Contact]) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..contacts.len())
        .filter(|&i| matches_expr(expr, &contacts[i]))
        .collect();
    sort_rows(&mut rows, contacts, &window.sort, window.order);
    cut(&rows, window.offset, window.limit).to_vec()
}

/// Why [`answer`] has no answer.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum AnswerError {
    /// The plan and the expression answer different contacts: a bug in
    /// hcq's lowering (or in this evaluator), never the user's.
    #[error(
        "internal error: the plan {what} {} where the expression {what} {}; \
         please report this with the expression",
        describe_rows(.by_plan),
        describe_rows(.by_expression)
    )]
    #[diagnostic(
        code(hcq::eval::disagreement),
        help(
            "this is a bug in hcq, not in the query: please report it at the project's \
             issue tracker with the expression and the contacts it was run over"
        )
    )]
    Disagreement {
        /// Which answers differ: `selects` (every match) or `answers` (the page).
        what: &'static str,
        /// The ids the plan gives, in its order.
        by_plan: Vec<i64>,
        /// The ids the expression gives, in its order.
        by_expression: Vec<i64>,
        /// The query.
        #[label("the plan of this query disagrees with it")]
        span: SourceSpan,
    },

    /// Two contacts with one id: answers are unions by id, so a page of
    /// them has no single right answer.
    #[error("the contacts at index {first} and {second} both have id {id}")]
    #[diagnostic(
        code(hcq::eval::duplicate_id),
        help(
            "HelpCrunch ids are unique: give each contact its own id \
             (`contacts::read_records` refuses repeated ids)"
        )
    )]
    DuplicateId {
        /// The id.
        id: i64,
        /// The first contact with it, as an index into the contacts.
        first: usize,
        /// The contact that repeats it.
        second: usize,
    },
}

/// `3 contacts (ids 1, 2, 3)`, at most ten ids written out: enough to
/// find the contacts in question, short enough for one line.
fn describe_rows(ids: &[i64]) -> String {
    const SHOWN: usize = 10;
    if let [id] = ids {
        return format!("1 contact (id {id})");
    }
    if ids.is_empty() {
        return "no contacts".to_owned();
    }
    let mut list: Vec<String> = ids.iter().take(SHOWN).map(i64::to_string).collect();
    if ids.len() > SHOWN {
        list.push("…".to_owned());
    }
    format!("{} contacts (ids {})", ids.len(), list.join(", "))
}

/// The contacts `query` answers over `contacts`, as indexes into
/// `contacts` in the answer's order, computed twice and compared: once by
/// running `plan` as a client would ([`run_plan`]: each request paged
/// from its own offset, rows unioned by id, sorted by the merge's field
/// and order with ties by id, cut to the merge's page), and once from the
/// expression alone ([`matches_expr`] over every contact, then the query's
/// own sort and page, as [`page`] does). `plan` must be `query`'s plan,
/// lowered with no overrides of its clauses; [`answer_with`] takes them.
///
/// What the answer is depends on whether the query has page clauses:
///
/// - With any of `sort by`, `limit` or `offset`, it is exactly the page the
///   plan answers: clauses not written take the plan's defaults (sort by
///   [`plan::DEFAULT_SORT`] in [`plan::DEFAULT_ORDER`], offset 0, and
///   [`DEFAULT_LIMIT`] rows, the API's page).
/// - With none, it is every contact the query matches, in the order of
///   `contacts`: offline there is no reason to stop at the API's first
///   page. The plan must then select exactly those contacts, and its
///   default page must still be the expression's.
///
/// Fails with [`AnswerError::Disagreement`] when the two computations
/// differ, which is a bug in hcq, and with [`AnswerError::DuplicateId`]
/// when two contacts share an id ([`crate::contacts::read_records`] never
/// returns such contacts).
///
/// ```
/// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
/// let compiled = hcq::compile_detailed("id > 1 sort by lastSeen asc limit 2", &options)?;
/// let contacts = hcq::contacts::read_contacts(r#"[
///     {"id": 1, "lastSeen": 10}, {"id": 2, "lastSeen": 30},
///     {"id": 3, "lastSeen": 20}, {"id": 4, "lastSeen": 40}
/// ]"#).unwrap();
/// let rows = hcq::eval::answer(&compiled.query, &compiled.lowered.plan, &contacts).unwrap();
/// assert_eq!(rows, [2, 1]); // ids 3 and 2
/// # Ok::<(), hcq::Error>(())
/// ```
pub fn answer(
    query: &typed::Query,
    plan: &Plan,
    contacts: &[Contact],
) -> Result<Vec<usize>, AnswerError> {
    answer_with(query, &PlanOptions::default(), plan, contacts)
}

/// [`answer`] for a plan lowered with `overrides` of the query's clauses
/// ([`crate::Options::page`], the command line's `--limit`, say): an
/// override counts as a page clause.
pub fn answer_with(
    query: &typed::Query,
    overrides: &PlanOptions,
    plan: &Plan,
    contacts: &[Contact],
) -> Result<Vec<usize>, AnswerError> {
    let mut first = HashMap::with_capacity(contacts.len());
    for (index, contact) in contacts.iter().enumerate() {
        if let Some(&earlier) = first.get(&contact.id) {
            return Err(AnswerError::DuplicateId {
                id: contact.id,
                first: earlier,
                second: index,
            });
        }
        first.insert(contact.id, index);
    }
    let disagree = |what, by_plan: &[usize], by_expression: &[usize]| {
        let ids = |rows: &[usize]| rows.iter().map(|&i| contacts[i].id).collect();
        AnswerError::Disagreement {
            what,
            by_plan: ids(by_plan),
            by_expression: ids(by_expression),
            span: query.span.into(),
        }
    };
    // The window resolved here from the query, not taken from the plan,
    // so that a plan paging the wrong window is caught.
    let window = Window {
        sort: overrides
            .sort
            .or(query.sort.map(|s| s.field))
            .map_or(plan::DEFAULT_SORT, |field| field.name)
            .to_owned(),
        order: overrides
            .order
            .or(query.sort.and_then(|s| s.order))
            .map_or(plan::DEFAULT_ORDER, Order::from),
        offset: overrides.offset.or(query.offset).unwrap_or(0),
        limit: overrides.limit.or(query.limit).unwrap_or(DEFAULT_LIMIT),
    };
    let by_plan = plan_rows(plan, contacts);
    let by_expression = page_rows(&query.expr, &window, contacts);
    if by_plan != by_expression {
        return Err(disagree("answers", &by_plan, &by_expression));
    }
    let clauses = query.sort.is_some()
        || query.limit.is_some()
        || query.offset.is_some()
        || *overrides != PlanOptions::default();
    if clauses {
        return Ok(by_plan);
    }
    let matches: Vec<usize> = (0..contacts.len())
        .filter(|&i| matches_expr(&query.expr, &contacts[i]))
        .collect();
    let selected: Vec<usize> = (0..contacts.len())
        .filter(|&i| {
            plan.requests
                .iter()
                .any(|r| matches_request(r, &contacts[i]))
        })
        .collect();
    if selected != matches {
        return Err(disagree("selects", &selected, &matches));
    }
    Ok(matches)
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

    fn compiled(text: &str) -> crate::Compilation {
        let options = crate::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
        crate::compile_detailed(text, &options).expect("compiles")
    }

    fn answer_ids(text: &str, contacts: &[Contact]) -> Vec<i64> {
        let compiled = compiled(text);
        answer(&compiled.query, &compiled.lowered.plan, contacts)
            .expect("the plan agrees")
            .into_iter()
            .map(|i| contacts[i].id)
            .collect()
    }

    #[test]
    fn answer_sorts_ties_by_id_and_cuts_the_page() {
        let people = people();
        // lastSeen 0: 0, 3, 6, 9; 1: 1, 4, 7; 2: 2, 5, 8
        assert_eq!(
            answer_ids("id >= 0 sort by lastSeen asc limit 4 offset 2", &people),
            [6, 9, 1, 4]
        );
        assert_eq!(
            answer_ids("id >= 0 sort by lastSeen desc limit 3 offset 2", &people),
            [8, 1, 4]
        );
        // An `offset` past the matches is an empty page.
        assert_eq!(answer_ids("id >= 0 offset 50", &people), [] as [i64; 0]);
        // No clauses: every match, in the order of the contacts.
        let mut shuffled = people.clone();
        shuffled.reverse();
        assert_eq!(answer_ids("id > 2", &shuffled), [9, 8, 7, 6, 5, 4, 3]);
    }

    #[test]
    fn answer_without_clauses_is_not_cut_at_the_api_page() {
        let many: Vec<Contact> = (1..=250)
            .map(|id| Contact {
                id,
                last_seen: id,
                ..Contact::default()
            })
            .collect();
        assert_eq!(answer_ids("id > 0", &many), (1..=250).collect::<Vec<_>>());
        assert_eq!(
            answer_ids("id > 0 limit 150", &many),
            (101..=250).rev().collect::<Vec<_>>()
        );
        // Any clause means the plan's page: 100 rows unless `limit` says.
        assert_eq!(answer_ids("id > 0 offset 0", &many).len(), 100);
    }

    #[test]
    fn answer_refuses_a_plan_whose_selection_differs_beyond_its_page() {
        let many: Vec<Contact> = (1..=150)
            .map(|id| Contact {
                id,
                last_seen: id,
                ..Contact::default()
            })
            .collect();
        let compiled = compiled("id > 0");
        // The first page (lastSeen 150 down to 51) is still right; ids 1 to
        // 10, which only the whole answer shows, are lost.
        let mut plan = compiled.lowered.plan.clone();
        plan.requests[0].filter[0].value = Value::Number(10);
        match answer(&compiled.query, &plan, &many) {
            Err(AnswerError::Disagreement {
                what,
                by_plan,
                by_expression,
                ..
            }) => {
                assert_eq!(what, "selects");
                assert_eq!((by_plan.len(), by_expression.len()), (140, 150));
            }
            other => panic!("expected a disagreement, got {other:?}"),
        }
    }

    #[test]
    fn answer_refuses_a_plan_paging_the_wrong_window() {
        let people = people();
        let compiled = compiled("id >= 0 limit 3 offset 2");
        let mut plan = compiled.lowered.plan.clone();
        plan.requests[0].offset = 0;
        let error = answer(&compiled.query, &plan, &people).unwrap_err();
        assert_eq!(
            error.to_string(),
            "internal error: the plan answers 3 contacts (ids 2, 5, 8) where the expression \
             answers 3 contacts (ids 8, 1, 4); please report this with the expression"
        );
        assert_eq!(
            error.code().map(|c| c.to_string()).as_deref(),
            Some("hcq::eval::disagreement")
        );
        let label = error.labels().and_then(|mut l| l.next()).expect("a label");
        assert_eq!(
            (label.offset(), label.len()),
            (0, "id >= 0 limit 3 offset 2".len())
        );
    }

    #[test]
    fn answer_refuses_contacts_sharing_an_id() {
        let mut people = people();
        people[7].id = 2;
        let compiled = compiled("id >= 0");
        assert_eq!(
            answer(&compiled.query, &compiled.lowered.plan, &people),
            Err(AnswerError::DuplicateId {
                id: 2,
                first: 2,
                second: 7
            })
        );
    }

    #[test]
    fn pages_are_cut_without_overflow() {
        let rows = [4, 5, 6];
        assert_eq!(cut(&rows, 1, u64::MAX), [5, 6]);
        assert_eq!(cut(&rows, u64::MAX, 2), [] as [usize; 0]);
        assert_eq!(cut(&rows, 0, 0), [] as [usize; 0]);
    }

    #[test]
    fn rows_are_described_briefly() {
        assert_eq!(describe_rows(&[]), "no contacts");
        assert_eq!(describe_rows(&[7]), "1 contact (id 7)");
        let many: Vec<i64> = (1..=12).collect();
        assert_eq!(
            describe_rows(&many),
            "12 contacts (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …)"
        );
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
