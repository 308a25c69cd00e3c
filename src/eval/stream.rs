//! The answer of [`answer`](super::answer), computed over contacts that
//! come one at a time and are not kept: each is judged as it comes, and
//! only what the answer needs stays (the rows of each bounded page, the
//! matches when the answer is every match).

use super::answer::AnswerError;
use super::contact::Contact;
use super::matching::{matches_expr, matches_request};
use crate::lower::PlanOptions;
use crate::plan::{Order, Page, Plan};
use crate::typed;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// [`answer`](super::answer) fed one contact at a time: push every
/// contact in order with what to keep of it (`item`: its text's byte
/// range, its index, the contact itself …), then [`finish`](Answering::finish)
/// for the answer's items in the answer's order.
///
/// What stays between pushes is what the answer needs, not the contacts:
///
/// - with a page clause (`sort by`, `limit`, `offset`), the best
///   `offset + limit` rows of the expression's page and of each request's
///   pages, a bounded selection (every match for `limit all`);
/// - without one, the matches in order (their ids and items), and the
///   rows where the plan's selection and the expression's differ (none,
///   unless hcq has a bug), besides the default page's bounded selections;
/// - the id of every contact (16 bytes or so each), to refuse an id two
///   contacts share as [`answer`](super::answer) does.
///
/// ```
/// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
/// let compiled = hcq::compile_detailed("id > 1 sort by lastSeen asc limit 2", &options)?;
/// let text = r#"[{"id": 1, "lastSeen": 10}, {"id": 2, "lastSeen": 30},
///                {"id": 3, "lastSeen": 20}, {"id": 4, "lastSeen": 40}]"#;
/// let mut answering = hcq::eval::Answering::new(
///     &compiled.query,
///     &hcq::PlanOptions::default(),
///     &compiled.lowered.plan,
/// );
/// for record in hcq::contacts::stream("<contacts>", text).unwrap() {
///     let (contact, range) = record.unwrap();
///     answering.push(&contact, range).unwrap();
/// }
/// let rows: Vec<&str> = answering.finish().unwrap().into_iter().map(|r| &text[r]).collect();
/// assert_eq!(rows, [r#"{"id": 3, "lastSeen": 20}"#, r#"{"id": 2, "lastSeen": 30}"#]);
/// # Ok::<(), hcq::Error>(())
/// ```
#[derive(Debug)]
pub struct Answering<'q, T> {
    query: &'q typed::Query,
    plan: &'q Plan,
    /// Contacts pushed so far.
    index: usize,
    /// The index of the first contact with each id.
    ids: HashMap<i64, usize>,
    /// The expression's page: items kept only when it is the answer.
    page: Best<Option<T>>,
    /// Each request's rows the client reads, as it pages them.
    requests: Vec<Window>,
    /// Without a page clause, every match: the answer.
    every: Option<Every<T>>,
    /// The expression's page: offset and limit.
    window: (u64, Option<u64>),
}

/// Every match in order, and the contacts on which the plan and the
/// expression disagree.
#[derive(Debug)]
struct Every<T> {
    matches: Vec<(usize, i64, T)>,
    /// `(index, id, selected by the plan)`, where the expression says the
    /// opposite.
    differ: Vec<(usize, i64, bool)>,
}

/// The rows one request reads: from its offset, up to `best` keeps.
#[derive(Debug)]
struct Window {
    offset: u64,
    best: Best<()>,
    /// The merge's sort key of each row is kept with it for the merge.
    merge_sort: Option<String>,
}

/// One contact kept in a bounded selection: its sort keys, id and item.
#[derive(Debug)]
struct Row<T> {
    key: Option<i64>,
    merge_key: Option<i64>,
    id: i64,
    item: T,
}

/// The first `keep` rows by a sort field and order (ties by id), kept as
/// they come: once twice as many are held, the best `keep` are selected
/// and the rest let go, so memory is bounded by `keep` and time is linear.
#[derive(Debug)]
struct Best<T> {
    sort: String,
    order: Order,
    keep: Option<usize>,
    rows: Vec<Row<T>>,
}

impl<T> Best<T> {
    fn new(sort: &str, order: Order, keep: Option<u64>) -> Best<T> {
        Best {
            sort: sort.to_owned(),
            order,
            keep: keep.map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
            rows: Vec::new(),
        }
    }

    fn cmp(order: Order) -> impl Fn(&Row<T>, &Row<T>) -> Ordering {
        move |a, b| {
            let primary = a.key.cmp(&b.key);
            let primary = match order {
                Order::Asc => primary,
                Order::Desc => primary.reverse(),
            };
            primary.then(a.id.cmp(&b.id))
        }
    }

    fn push(&mut self, row: Row<T>) {
        match self.keep {
            Some(0) => {}
            Some(keep) => {
                self.rows.push(row);
                if self.rows.len() >= keep.saturating_mul(2).max(64) {
                    self.select(keep);
                }
            }
            None => self.rows.push(row),
        }
    }

    /// Keeps the best `keep` rows, in no order.
    fn select(&mut self, keep: usize) {
        if self.rows.len() > keep {
            let cmp = Self::cmp(self.order);
            self.rows.select_nth_unstable_by(keep, cmp);
            self.rows.truncate(keep);
        }
    }

    /// The rows kept, sorted.
    fn sorted(mut self) -> Vec<Row<T>> {
        if let Some(keep) = self.keep {
            self.select(keep);
        }
        self.rows.sort_by(Self::cmp(self.order));
        self.rows
    }
}

/// `rows[offset..]`, at most `limit` of them.
fn cut<T>(mut rows: Vec<T>, offset: u64, limit: Option<u64>) -> Vec<T> {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    rows.drain(..offset);
    if let Some(limit) = limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    rows
}

impl<'q, T> Answering<'q, T> {
    /// Ready for the contacts of `query`, whose plan is `plan`, lowered
    /// with `overrides` of its clauses ([`PlanOptions::default`] for none,
    /// as [`answer`](super::answer); others as [`answer_with`](super::answer_with)).
    pub fn new(query: &'q typed::Query, overrides: &PlanOptions, plan: &'q Plan) -> Self {
        // The page resolved here from the query, not taken from the plan,
        // so that a plan paging the wrong window is caught.
        let page: Page = overrides.resolve(query);
        let keep = page.limit.map(|limit| page.offset.saturating_add(limit));
        let requests = plan
            .requests
            .iter()
            .map(|request| {
                // How far into its sorted answer the client reads a
                // request: with a merge, pages from its offset until
                // `wanted` rows or a short page; without, one page.
                let keep = match &plan.merge {
                    None => Some(request.offset.saturating_add(request.limit)),
                    Some(merge) => {
                        let wanted = merge
                            .page
                            .limit
                            .map_or(u64::MAX, |limit| merge.page.offset.saturating_add(limit));
                        if wanted == 0 || request.limit == 0 {
                            Some(0)
                        } else if wanted == u64::MAX {
                            None
                        } else {
                            let pages = wanted.div_ceil(request.limit);
                            Some(
                                request
                                    .offset
                                    .saturating_add(pages.saturating_mul(request.limit)),
                            )
                        }
                    }
                };
                Window {
                    offset: request.offset,
                    best: Best::new(&request.sort, request.order, keep),
                    merge_sort: plan.merge.as_ref().map(|m| m.page.sort.to_string()),
                }
            })
            .collect();
        // A page clause, written or overridden, makes the answer that page.
        let every = (overrides.over(query) == PlanOptions::default()).then(|| Every {
            matches: Vec::new(),
            differ: Vec::new(),
        });
        Answering {
            query,
            plan,
            index: 0,
            ids: HashMap::new(),
            page: Best::new(&page.sort, page.order, keep),
            requests,
            every,
            window: (page.offset, page.limit),
        }
    }

    /// Judges the next contact, keeping `item` if the answer may need it.
    ///
    /// # Errors
    ///
    /// [`AnswerError::DuplicateId`] when an earlier contact has its id;
    /// pushing more after that is pointless.
    pub fn push(&mut self, contact: &Contact, item: T) -> Result<(), AnswerError> {
        self.push_with(contact, || item)
    }

    /// [`Answering::push`], making the item only if it is kept (a copy of
    /// the record's text, say, when the text itself is not kept).
    ///
    /// # Errors
    ///
    /// As [`Answering::push`].
    pub fn push_with(
        &mut self,
        contact: &Contact,
        item: impl FnOnce() -> T,
    ) -> Result<(), AnswerError> {
        let index = self.index;
        self.index += 1;
        if let Some(&first) = self.ids.get(&contact.id) {
            return Err(AnswerError::DuplicateId {
                id: contact.id,
                first,
                second: index,
            });
        }
        self.ids.insert(contact.id, index);
        let mut selected = false;
        for (request, window) in self.plan.requests.iter().zip(&mut self.requests) {
            if matches_request(request, contact) {
                selected = true;
                window.best.push(Row {
                    key: contact.sort_key(&window.best.sort),
                    merge_key: window
                        .merge_sort
                        .as_deref()
                        .and_then(|s| contact.sort_key(s)),
                    id: contact.id,
                    item: (),
                });
            }
        }
        if !matches_expr(&self.query.expr, contact) {
            if selected {
                if let Some(every) = &mut self.every {
                    every.differ.push((index, contact.id, true));
                }
            }
            return Ok(());
        }
        let item = item();
        let (page_item, every_item) = match &self.every {
            Some(_) => (None, Some(item)),
            None => (Some(item), None),
        };
        self.page.push(Row {
            key: contact.sort_key(&self.page.sort),
            merge_key: None,
            id: contact.id,
            item: page_item,
        });
        if let (Some(every), Some(item)) = (&mut self.every, every_item) {
            every.matches.push((index, contact.id, item));
            if !selected {
                every.differ.push((index, contact.id, false));
            }
        }
        Ok(())
    }

    /// The answer's items in the answer's order, computed from the rows
    /// kept both ways and compared, as [`answer`](super::answer) does.
    ///
    /// # Errors
    ///
    /// [`AnswerError::Disagreement`] when the plan's answer and the
    /// expression's differ (a bug in hcq, reported with both).
    pub fn finish(self) -> Result<Vec<T>, AnswerError> {
        let (offset, limit) = self.window;
        let span = self.query.span.into();
        let by_expression = cut(self.page.sorted(), offset, limit);
        let by_plan = plan_ids(self.plan, self.requests);
        let expression_ids: Vec<i64> = by_expression.iter().map(|row| row.id).collect();
        if by_plan != expression_ids {
            return Err(AnswerError::Disagreement {
                what: "answers",
                by_plan,
                by_expression: expression_ids,
                span,
            });
        }
        let Some(every) = self.every else {
            return Ok(by_expression
                .into_iter()
                .filter_map(|row| row.item)
                .collect());
        };
        if !every.differ.is_empty() {
            // The plan's selection, in order: the matches it does not
            // drop, and the contacts it adds.
            let dropped: HashSet<usize> = every
                .differ
                .iter()
                .filter(|(_, _, by_plan)| !by_plan)
                .map(|&(index, _, _)| index)
                .collect();
            let mut selected: Vec<(usize, i64)> = every
                .matches
                .iter()
                .filter(|(index, _, _)| !dropped.contains(index))
                .map(|&(index, id, _)| (index, id))
                .chain(
                    every
                        .differ
                        .iter()
                        .filter(|(_, _, by_plan)| *by_plan)
                        .map(|&(index, id, _)| (index, id)),
                )
                .collect();
            selected.sort_unstable();
            return Err(AnswerError::Disagreement {
                what: "selects",
                by_plan: selected.into_iter().map(|(_, id)| id).collect(),
                by_expression: every.matches.iter().map(|&(_, id, _)| id).collect(),
                span,
            });
        }
        Ok(every.matches.into_iter().map(|(_, _, item)| item).collect())
    }
}

/// The ids of the plan's answer, from the rows each request's window
/// kept, as [`run_plan`](super::run_plan) computes it.
fn plan_ids(plan: &Plan, windows: Vec<Window>) -> Vec<i64> {
    let mut seen = HashSet::new();
    let mut rows: Vec<Row<()>> = Vec::new();
    for window in windows {
        let offset = window.offset;
        rows.extend(
            cut(window.best.sorted(), offset, None)
                .into_iter()
                .filter(|row| seen.insert(row.id)),
        );
    }
    if let Some(merge) = &plan.merge {
        let order = merge.page.order;
        rows.sort_by(|a, b| {
            let primary = a.merge_key.cmp(&b.merge_key);
            let primary = match order {
                Order::Asc => primary,
                Order::Desc => primary.reverse(),
            };
            primary.then(a.id.cmp(&b.id))
        });
        rows = cut(rows, merge.page.offset, merge.page.limit);
    }
    rows.into_iter().map(|row| row.id).collect()
}
