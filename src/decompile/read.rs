//! A JSON input read strictly into what it asks the API: requests (their
//! comparison and filters, checked against the schema and the operator
//! table) and the page their union is cut to. Every problem is collected;
//! nothing the API would coerce or guess is guessed here.

use super::error::{DecompileError, code};
use crate::ast::{CompareOp, Order, Span};
use crate::json::{Json, Member, Node};
use crate::plan::{self, Comparison, Filter, Operator, Tag, Value};
use crate::schema::{Case, Field, FieldType, Schema, Suggester};

/// The page a union of requests is cut to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) sort: &'static Field,
    pub(crate) order: Order,
    pub(crate) offset: u64,
    /// `None`: every row.
    pub(crate) limit: Option<u64>,
}

/// One request: how its filters combine, and the filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) comparison: Comparison,
    pub(crate) filters: Vec<Filter>,
}

/// What the input asks: the union of `requests`, cut to `page`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Asked {
    pub(crate) requests: Vec<Request>,
    pub(crate) page: Page,
}

const BODY_KEYS: [&str; 6] = ["comparison", "filter", "sort", "order", "offset", "limit"];
const FILTER_KEYS: [&str; 3] = ["field", "operator", "value"];
const PLAN_KEYS: [&str; 2] = ["requests", "merge"];
const MERGE_KEYS: [&str; 5] = ["by", "sort", "order", "offset", "limit"];

/// Reads `node`; `None` when anything is wrong (then `problems` says what).
pub(crate) fn read(node: &Node, problems: &mut Vec<DecompileError>) -> Option<Asked> {
    let mut reader = Reader {
        schema: Schema::default(),
        problems,
    };
    let asked = reader.input(node);
    if reader.problems.is_empty() {
        asked
    } else {
        None
    }
}

struct Reader<'p> {
    schema: Schema,
    problems: &'p mut Vec<DecompileError>,
}

/// A body read: its request, and its page with where the page is written.
struct Body {
    request: Request,
    page: Page,
    span: Span,
}

impl Reader<'_> {
    fn report(&mut self, problem: DecompileError) {
        self.problems.push(problem);
    }

    fn input(&mut self, node: &Node) -> Option<Asked> {
        match &node.value {
            Json::Object(members) if members.iter().any(|m| m.key == "requests") => {
                self.plan(node, members)
            }
            Json::Object(members) => {
                let body = self.body(node.span, members)?;
                Some(Asked {
                    requests: vec![body.request],
                    page: body.page,
                })
            }
            Json::Array(elements) => {
                let bodies = self.bodies(node.span, elements)?;
                Some(self.union(bodies, None))
            }
            other => {
                self.report(
                    DecompileError::new(
                        code::SHAPE,
                        node.span,
                        format!(
                            "expected a request body, an array of them or a plan, found {}",
                            other.kind()
                        ),
                        "not an object or an array",
                    )
                    .help(
                        "a request body is {\"comparison\": \"AND\", \"filter\": [...], ...}, as \
                         POST /v1/customers/search takes it; a plan is what `hcq emit` prints",
                    ),
                );
                None
            }
        }
    }

    /// The bodies of an array (at least one), each an object.
    fn bodies(&mut self, span: Span, elements: &[Node]) -> Option<Vec<Body>> {
        if elements.is_empty() {
            self.report(
                DecompileError::new(
                    code::SHAPE,
                    span,
                    "the array holds no request body",
                    "empty",
                )
                .help("give at least one request body"),
            );
            return None;
        }
        let mut bodies = Vec::new();
        for element in elements {
            match &element.value {
                Json::Object(members) => bodies.extend(self.body(element.span, members)),
                other => self.report(DecompileError::new(
                    code::SHAPE,
                    element.span,
                    format!(
                        "expected a request body (an object), found {}",
                        other.kind()
                    ),
                    "not a request body",
                )),
            }
        }
        Some(bodies)
    }

    /// The union of `bodies`, cut to `page` or, without one, to the page
    /// every body shares.
    fn union(&mut self, bodies: Vec<Body>, page: Option<Page>) -> Asked {
        let page = page.unwrap_or_else(|| {
            let first = bodies.first().map_or_else(default_page, |b| b.page);
            for body in &bodies[1.min(bodies.len())..] {
                if body.page != first {
                    self.report(
                        DecompileError::new(
                            code::PAGE,
                            body.span,
                            "the bodies page differently: their union has no one page",
                            "sorts or pages unlike the first body",
                        )
                        .help(
                            "give every body the same sort, order, offset and limit, or \
                             decompile them one at a time",
                        ),
                    );
                }
            }
            first
        });
        Asked {
            requests: bodies.into_iter().map(|body| body.request).collect(),
            page,
        }
    }

    fn plan(&mut self, node: &Node, members: &[Member]) -> Option<Asked> {
        let fields = self.members(members, "a plan", &PLAN_KEYS);
        let requests = fields[0].and_then(|requests| match &requests.value {
            Json::Array(elements) => {
                let mut bodies = Vec::new();
                for element in elements {
                    match &element.value {
                        Json::Object(members) => bodies.extend(self.body(element.span, members)),
                        _ => self.wrong(element, "a plan's request", "an object"),
                    }
                }
                Some(bodies)
            }
            _ => {
                self.wrong(requests, "`requests`", "an array of request bodies");
                None
            }
        });
        let mut merge = fields[1].and_then(|merge| self.merge(merge));
        let bodies = requests?;
        if fields[1].is_some() && merge.is_none() {
            return None;
        }
        if let Some(page) = &mut merge {
            // Each request is read from its own offset: one request's
            // offset adds to the page's; several requests that skip rows
            // of their own have no page in hcq (`emit` never writes one).
            match bodies.as_slice() {
                [only] => page.offset = page.offset.saturating_add(only.page.offset),
                _ => {
                    for body in bodies.iter().filter(|body| body.page.offset != 0) {
                        self.report(
                            DecompileError::new(
                                code::PAGE,
                                body.span,
                                "a request of a merged plan starts past its first row",
                                "`offset` is not 0",
                            )
                            .help("hcq has no page that skips rows of one request only; give each request offset 0"),
                        );
                    }
                }
            }
        }
        if merge.is_none() && bodies.len() > 1 {
            self.report(
                DecompileError::new(
                    code::MISSING_KEY,
                    node.span,
                    "a plan of several requests needs its `merge`",
                    "no `merge`",
                )
                .help("`hcq emit` writes `merge` beside `requests`: how the answers are combined"),
            );
        }
        Some(self.union(bodies, merge))
    }

    /// A plan's `merge`: the page of the union.
    fn merge(&mut self, node: &Node) -> Option<Page> {
        let Json::Object(members) = &node.value else {
            self.wrong(node, "`merge`", "an object");
            return None;
        };
        let [by, sort, order, offset, limit] = self.members(members, "`merge`", &MERGE_KEYS);
        if let Some(by) = by {
            if by.value != Json::Text("id".into()) {
                self.report(DecompileError::new(
                    code::VALUE_TYPE,
                    by.span,
                    "a plan's answers are merged by \"id\"",
                    "expected \"id\"",
                ));
            }
        }
        // Each read before any `?`, so that every problem is reported.
        let (sort, order) = (self.sort(sort), self.order(order));
        let offset = self.count(offset, "`offset`", 0, u64::MAX);
        let limit = self.count(limit, "`limit`", 1, u64::MAX);
        Some(Page {
            sort: sort?,
            order: order?,
            offset: offset?.unwrap_or(0),
            limit: limit?,
        })
    }

    fn body(&mut self, span: Span, members: &[Member]) -> Option<Body> {
        let [comparison, filter, sort, order, offset, limit] =
            self.members(members, "a request body", &BODY_KEYS);
        let comparison = self.comparison(comparison);
        let filters = match filter {
            None => Some(Vec::new()),
            Some(node) => match &node.value {
                Json::Array(elements) => {
                    let filters: Vec<Option<Filter>> = elements
                        .iter()
                        .map(|element| self.filter(element))
                        .collect();
                    filters.into_iter().collect()
                }
                _ => {
                    self.wrong(node, "`filter`", "an array of filters");
                    None
                }
            },
        };
        // Each read before any `?`, so that every problem is reported.
        let (sort, order) = (self.sort(sort), self.order(order));
        let offset = self.count(offset, "`offset`", 0, u64::MAX);
        let limit = self.count(limit, "`limit`", 1, plan::MAX_PAGE);
        let page = Page {
            sort: sort?,
            order: order?,
            offset: offset?.unwrap_or(0),
            limit: Some(limit?.unwrap_or(plan::DEFAULT_LIMIT)),
        };
        Some(Body {
            request: Request {
                comparison: comparison?,
                filters: filters?,
            },
            page,
            span,
        })
    }

    fn comparison(&mut self, node: Option<&Node>) -> Option<Comparison> {
        let Some(node) = node else {
            // The vendor's own single-filter example leaves it out.
            return Some(Comparison::And);
        };
        match &node.value {
            Json::Text(text) if text.eq_ignore_ascii_case("and") => Some(Comparison::And),
            Json::Text(text) if text.eq_ignore_ascii_case("or") => Some(Comparison::Or),
            _ => {
                let found = describe(&node.value);
                self.report(DecompileError::new(
                    code::VALUE_TYPE,
                    node.span,
                    format!("`comparison` is \"AND\" or \"OR\", not {found}"),
                    "expected \"AND\" or \"OR\"",
                ));
                None
            }
        }
    }

    fn sort(&mut self, node: Option<&Node>) -> Option<&'static Field> {
        let Some(node) = node else {
            return Some(self.schema.by_name(plan::DEFAULT_SORT));
        };
        let Json::Text(name) = &node.value else {
            self.wrong(node, "`sort`", "a field's full name");
            return None;
        };
        let field = self.field_named(name, node.span)?;
        if !field.usage.sort {
            let sortable: Vec<&str> = self.schema.sortable().map(|f| f.name).collect();
            self.report(
                DecompileError::new(
                    code::UNKNOWN_FIELD,
                    node.span,
                    format!("the API does not sort by `{name}`"),
                    "not a sort field",
                )
                .help(format!("it sorts only by {}", sortable.join(" or "))),
            );
            return None;
        }
        Some(field)
    }

    fn order(&mut self, node: Option<&Node>) -> Option<Order> {
        let Some(node) = node else {
            return Some(plan::DEFAULT_ORDER.into());
        };
        match &node.value {
            Json::Text(text) if text.eq_ignore_ascii_case("asc") => Some(Order::Asc),
            Json::Text(text) if text.eq_ignore_ascii_case("desc") => Some(Order::Desc),
            _ => {
                let found = describe(&node.value);
                self.report(DecompileError::new(
                    code::VALUE_TYPE,
                    node.span,
                    format!("`order` is \"ASC\" or \"DESC\", not {found}"),
                    "expected \"ASC\" or \"DESC\"",
                ));
                None
            }
        }
    }

    /// A whole number in `min..=max`, if given. `Some(None)` when absent.
    fn count(
        &mut self,
        node: Option<&Node>,
        what: &str,
        min: u64,
        max: u64,
    ) -> Option<Option<u64>> {
        let Some(node) = node else {
            return Some(None);
        };
        let Json::Number(number) = &node.value else {
            self.wrong(node, what, "a whole number");
            return None;
        };
        match number.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(Some(n)),
            Some(n) if n > max => {
                self.report(
                    DecompileError::new(
                        code::PAGE,
                        node.span,
                        format!("{what} is at most {max}, not {n}"),
                        "too large",
                    )
                    .help("a request reads at most 100 contacts; hcq pages past that itself (`limit N` or `limit all` in hcq)"),
                );
                None
            }
            _ => {
                self.report(DecompileError::new(
                    code::PAGE,
                    node.span,
                    format!("{what} is a whole number from {min}, not {number}"),
                    "out of range",
                ));
                None
            }
        }
    }

    fn filter(&mut self, node: &Node) -> Option<Filter> {
        let Json::Object(members) = &node.value else {
            self.wrong(
                node,
                "a filter",
                "an object {\"field\", \"operator\", \"value\"}",
            );
            return None;
        };
        let [field, operator, value] = self.members(members, "a filter", &FILTER_KEYS);
        let (Some(field_node), Some(operator_node), Some(value)) = (field, operator, value) else {
            let missing: Vec<&str> = FILTER_KEYS
                .iter()
                .zip([field, operator, value])
                .filter(|(_, node)| node.is_none())
                .map(|(key, _)| *key)
                .collect();
            self.report(DecompileError::new(
                code::MISSING_KEY,
                node.span,
                format!("a filter needs `{}`", missing.join("`, `")),
                "incomplete filter",
            ));
            return None;
        };
        let field = match &field_node.value {
            Json::Text(name) => self.searchable(name, field_node.span),
            _ => {
                self.wrong(field_node, "`field`", "a field's full name");
                None
            }
        };
        let op = self.operator(operator_node);
        // The value is checked whenever the field is known, so that a bad
        // operator does not hide a bad value.
        let value = field.and_then(|field| self.value(field, value));
        let (field, op) = (field?, op?);
        if !field.ty.allows(op) {
            let allowed: Vec<&str> = field.ty.operators().iter().map(|op| op.as_str()).collect();
            let mut problem = DecompileError::new(
                code::OPERATOR,
                operator_node.span,
                format!(
                    "`{}` takes {}, which `{op}` does not compare",
                    field.name, field.ty
                ),
                format!("not an operator for {}", field.ty),
            );
            problem = if field.ty == FieldType::Tags {
                problem.help("the API has no \"has not this tag\": a tags filter only takes `=`")
            } else {
                problem.help(format!("use one of {}", allowed.join(" ")))
            };
            self.report(problem);
            return None;
        }
        let value = value?;
        Some(Filter {
            field: field.name.into(),
            operator: Operator::from(op),
            value,
        })
    }

    fn operator(&mut self, node: &Node) -> Option<CompareOp> {
        if let Json::Text(text) = &node.value {
            if let Some(op) = CompareOp::ALL.into_iter().find(|op| op.as_str() == text) {
                return Some(op);
            }
        }
        let found = describe(&node.value);
        let all: Vec<&str> = CompareOp::ALL.iter().map(|op| op.as_str()).collect();
        self.report(
            DecompileError::new(
                code::OPERATOR,
                node.span,
                format!("{found} is not an operator of the API"),
                "unknown operator",
            )
            .help(format!("the operators are {}", all.join(" "))),
        );
        None
    }

    /// A filter's value, of the field's type exactly.
    fn value(&mut self, field: &Field, node: &Node) -> Option<Value> {
        let wrong = |this: &mut Self, expected: &str, help: String| {
            let found = describe(&node.value);
            this.report(
                DecompileError::new(
                    code::VALUE_TYPE,
                    node.span,
                    format!("`{}` takes {}, not {found}", field.name, field.ty),
                    format!("expected {expected}"),
                )
                .help(help),
            );
            None
        };
        match (field.ty, &node.value) {
            (FieldType::Integer | FieldType::Date, Json::Number(number)) => match number.as_i64() {
                Some(n) => Some(Value::Number(n)),
                None => wrong(self, "a whole number", "write a whole number".into()),
            },
            (FieldType::Integer, Json::Text(_)) => wrong(
                self,
                "a number",
                "the API compares numbers: write 42, not \"42\"; hcq does not guess what a string means".into(),
            ),
            (FieldType::Date, Json::Text(_)) => wrong(
                self,
                "a UNIX timestamp",
                "the API compares UNIX timestamps in seconds, such as 1717200000; text is never a date".into(),
            ),
            (FieldType::Integer | FieldType::Date, _) => {
                wrong(self, "a number", format!("write {}", field.ty.example()))
            }
            (FieldType::String, Json::Text(text)) => Some(Value::Text(text.clone())),
            (FieldType::String, _) => wrong(
                self,
                "a string",
                "write the text in quotes; hcq does not guess what the API makes of a number".into(),
            ),
            (FieldType::Tags, Json::Array(elements)) if !elements.is_empty() => {
                let tags: Vec<Option<Tag>> = elements.iter().map(|e| self.tag(e)).collect();
                tags.into_iter().collect::<Option<Vec<Tag>>>().map(Value::Tags)
            }
            (FieldType::Tags, _) => wrong(
                self,
                "a list of tags",
                "write [{\"name\": \"Lead\"}], one object per tag (all of them must be carried)".into(),
            ),
        }
    }

    fn tag(&mut self, node: &Node) -> Option<Tag> {
        if let Json::Object(members) = &node.value {
            let [name] = self.members(members, "a tag", &["name"]);
            if let Some(Json::Text(name)) = name.map(|name| &name.value) {
                return Some(Tag { name: name.clone() });
            }
        }
        self.report(DecompileError::new(
            code::VALUE_TYPE,
            node.span,
            "a tag is {\"name\": \"Lead\"}",
            "not a tag",
        ));
        None
    }

    /// The field with this full name that filters may use.
    fn searchable(&mut self, name: &str, span: Span) -> Option<&'static Field> {
        let field = self.field_named(name, span)?;
        if !field.usage.search {
            self.report(
                DecompileError::new(
                    code::UNKNOWN_FIELD,
                    span,
                    format!("`{name}` can only be sorted by, not filtered on"),
                    "a sort-only field",
                )
                .help("to filter on dates, use `customers.lastSeen`"),
            );
            return None;
        }
        Some(field)
    }

    /// The field with this full name, as the API spells it.
    fn field_named(&mut self, name: &str, span: Span) -> Option<&'static Field> {
        if let Some(field) = self.schema.fields.iter().find(|f| f.name == name) {
            return Some(field);
        }
        let suggestion = match self.schema.field(name) {
            Some(field) => Some(field.name),
            None => {
                let names = self.schema.fields.iter().map(|f| f.name);
                Suggester::new(names, Case::Ignore).suggest(name)
            }
        };
        let mut problem = DecompileError::new(
            code::UNKNOWN_FIELD,
            span,
            format!("the API has no field `{name}`"),
            "unknown field",
        );
        if let Some(suggestion) = suggestion {
            problem = problem.help(format!(
                "did you mean `{suggestion}`? The API takes full names"
            ));
        }
        self.report(problem);
        None
    }

    /// The values of `keys` in `members`, in that order; a key written
    /// twice, or not one of `keys`, is reported.
    fn members<'n, const N: usize>(
        &mut self,
        members: &'n [Member],
        context: &str,
        keys: &[&str; N],
    ) -> [Option<&'n Node>; N] {
        let mut found: [Option<&'n Node>; N] = [None; N];
        let mut suggester = Suggester::new(keys.iter().copied(), Case::Ignore);
        for member in members {
            match keys.iter().position(|&key| key == member.key) {
                Some(i) if found[i].is_some() => self.report(
                    DecompileError::new(
                        code::DUPLICATE_KEY,
                        member.key_span,
                        format!("`{}` is written twice in {context}", member.key),
                        "written again",
                    )
                    .help("which one the API reads is not said; keep one"),
                ),
                Some(i) => found[i] = Some(&member.value),
                None => {
                    let mut problem = DecompileError::new(
                        code::UNKNOWN_KEY,
                        member.key_span,
                        format!("{context} has no `{}`", member.key),
                        "unknown key",
                    );
                    problem = match suggester.suggest(&member.key) {
                        Some(key) => problem.help(format!("did you mean `{key}`?")),
                        None => problem.help(format!("it takes {}", quoted(keys))),
                    };
                    self.report(problem);
                }
            }
        }
        found
    }

    /// `what` is `expected`, and `node` is not.
    fn wrong(&mut self, node: &Node, what: &str, expected: &str) {
        let found = describe(&node.value);
        self.report(DecompileError::new(
            code::VALUE_TYPE,
            node.span,
            format!("{what} is {expected}, not {found}"),
            format!("expected {expected}"),
        ));
    }
}

fn default_page() -> Page {
    Page {
        sort: Schema::default().by_name(plan::DEFAULT_SORT),
        order: plan::DEFAULT_ORDER.into(),
        offset: 0,
        limit: Some(plan::DEFAULT_LIMIT),
    }
}

/// `"x"` for a short string, else the kind of value.
fn describe(value: &Json) -> String {
    match value {
        Json::Text(text) if text.chars().count() <= 40 => {
            serde_json::to_string(text).unwrap_or_default()
        }
        Json::Number(n) => n.to_string(),
        _ => value.kind().to_owned(),
    }
}

fn quoted(keys: &[&str]) -> String {
    let keys: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    keys.join(", ")
}
