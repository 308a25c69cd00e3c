//! The union of the requests' rows, handed out in the merged order as
//! each row becomes final, with the merge's page cut applied on the way.

use super::page::Row;
use crate::plan::{Order, Plan};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// Where a row sorts in the merge: by the sort field in the merge's
/// order, ties by id ascending (as `eval::run_plan` sorts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    primary: Option<i64>,
    id: i64,
    descending: bool,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        let primary = self.primary.cmp(&other.primary);
        let primary = if self.descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then(self.id.cmp(&other.id))
    }
}

impl Key {
    /// Whether this key's sort value comes strictly before `other`'s in
    /// the merge's order, whatever the ids.
    fn sorts_before(&self, other: &Key) -> bool {
        let primary = self.primary.cmp(&other.primary);
        if self.descending {
            primary == Ordering::Greater
        } else {
            primary == Ordering::Less
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug)]
enum Mode {
    /// A plan with `merge`: rows wait in `pending` until final.
    Merged {
        sort: String,
        descending: bool,
        /// Whether every request sorts as the merge does. Only then does a
        /// request's last row bound what it can still send; otherwise no
        /// row is final before every request is done.
        streams: bool,
        offset: u64,
        limit: u64,
        pending: BTreeMap<Key, Row>,
        /// Per request: the last row it sent, `None` before its first page.
        last: Vec<Option<Key>>,
        /// Per request: whether it may still send rows.
        open: Vec<bool>,
        /// Final rows skipped for the page's `offset`, and handed out.
        skipped: u64,
        kept: u64,
        /// The key of the last row made final.
        released: Option<Key>,
        /// Rows made final after a row that sorts after them: only when a
        /// request was re-read because its matches changed.
        late: u64,
    },
    /// A plan without `merge`: its requests are read one after the other
    /// and each row is final as it arrives.
    InOrder,
}

/// The rows received so far and those ready to hand out.
#[derive(Debug)]
pub(crate) struct Merger {
    mode: Mode,
    /// Ids already pending or handed out: the union is by id.
    seen: HashSet<i64>,
    ready: Vec<Row>,
}

impl Merger {
    pub(crate) fn new(plan: &Plan) -> Self {
        let mode = match &plan.merge {
            None => Mode::InOrder,
            Some(merge) => {
                let page = &merge.page;
                Mode::Merged {
                    sort: page.sort.to_string(),
                    descending: page.order == Order::Desc,
                    streams: plan
                        .requests
                        .iter()
                        .all(|r| r.sort == page.sort && r.order == page.order),
                    offset: page.offset,
                    limit: page.limit.unwrap_or(u64::MAX),
                    pending: BTreeMap::new(),
                    last: vec![None; plan.requests.len()],
                    open: vec![true; plan.requests.len()],
                    skipped: 0,
                    kept: 0,
                    released: None,
                    late: 0,
                }
            }
        };
        Merger {
            mode,
            seen: HashSet::new(),
            ready: Vec::new(),
        }
    }

    /// Takes a page of request `request`, rows in the order it sent them.
    pub(crate) fn receive(&mut self, request: usize, rows: Vec<Row>) {
        match &mut self.mode {
            Mode::InOrder => {
                let seen = &mut self.seen;
                let fresh = rows.into_iter().filter(|row| seen.insert(row.contact.id));
                self.ready.extend(fresh);
            }
            Mode::Merged {
                sort,
                descending,
                pending,
                last,
                ..
            } => {
                for row in rows {
                    let key = Key {
                        primary: row.contact.sort_key(sort),
                        id: row.contact.id,
                        descending: *descending,
                    };
                    last[request] = last[request].max(Some(key));
                    if self.seen.insert(key.id) {
                        pending.insert(key, row);
                    }
                }
                self.release();
            }
        }
    }

    /// Request `request` will send no more rows.
    pub(crate) fn close(&mut self, request: usize) {
        if let Mode::Merged { open, .. } = &mut self.mode {
            open[request] = false;
            self.release();
        }
    }

    /// Request `request` is read again from its first page: until that
    /// page arrives it bounds nothing, so it holds every row back.
    pub(crate) fn restart(&mut self, request: usize) {
        if let Mode::Merged { last, .. } = &mut self.mode {
            last[request] = None;
        }
    }

    /// Rows handed out after a row that sorts after them (see `Mode::Merged::late`).
    pub(crate) fn late(&self) -> u64 {
        match &self.mode {
            Mode::Merged { late, .. } => *late,
            Mode::InOrder => 0,
        }
    }

    /// The last row request `request` sent, if any: the request that has
    /// sent the least holds back the most rows, so it is read first.
    pub(crate) fn progress(&self, request: usize) -> Option<Key> {
        match &self.mode {
            Mode::Merged { last, .. } => last[request],
            Mode::InOrder => None,
        }
    }

    /// Whether the page is complete: nothing more needs reading.
    pub(crate) fn is_full(&self) -> bool {
        match &self.mode {
            Mode::Merged { limit, kept, .. } => kept >= limit,
            Mode::InOrder => false,
        }
    }

    /// The rows that became final since the last call, in merged order.
    pub(crate) fn take(&mut self) -> Vec<Row> {
        std::mem::take(&mut self.ready)
    }

    /// Moves the rows no open request can still precede to `ready`,
    /// skipping the page's `offset` and stopping at its `limit`.
    fn release(&mut self) {
        let Mode::Merged {
            streams,
            offset,
            limit,
            pending,
            last,
            open,
            skipped,
            kept,
            released,
            late,
            ..
        } = &mut self.mode
        else {
            return;
        };
        // A row is final when its sort value comes strictly before the
        // last one of every open request: a request's later pages only
        // hold rows sorting no earlier than its last one. Strictly, since
        // the API may order ties differently from our tie-break by id (a
        // tie with a smaller id may still come). An open request that
        // sent nothing yet bounds nothing, so it holds every row back.
        let mut bound: Option<Key> = None;
        for (request, is_open) in open.iter().enumerate() {
            if !*is_open {
                continue;
            }
            match last[request] {
                Some(key) if *streams => bound = Some(bound.map_or(key, |b| b.min(key))),
                _ => return,
            }
        }
        while kept < limit {
            let Some(entry) = pending.first_entry() else {
                break;
            };
            let key = *entry.key();
            if bound.is_some_and(|bound| !key.sorts_before(&bound)) {
                break;
            }
            if released.is_some_and(|last| key < last) {
                *late += 1;
            }
            *released = (*released).max(Some(key));
            let row = entry.remove();
            if skipped < offset {
                *skipped += 1;
            } else {
                *kept += 1;
                self.ready.push(row);
            }
        }
    }
}
