//! What the editor features read of a document's syntax tree: where each
//! segment is defined, where each `@name` and each field is written.
//!
//! Built from the same parse `hcq check` starts with (a segment file with
//! recovery, so the segments that parse are known even when one does
//! not), once per version of the document and only when a feature asks.

use crate as hcq;
use hcq::ast::{self, ClauseKind, ExprKind, Span};

/// A segment's definition.
#[derive(Debug, Clone)]
pub(crate) struct Definition {
    pub name: String,
    /// The name after `segment`.
    pub name_span: Span,
    /// From `segment` to its last clause.
    pub span: Span,
}

/// A name written somewhere in the document.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub name: String,
    /// The name alone (for a reference, without its `@`).
    pub span: Span,
}

/// The names of one document.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Segment definitions, in file order (a duplicate name appears twice).
    pub definitions: Vec<Definition>,
    /// Every `@name`, in file order.
    pub references: Vec<Name>,
    /// Every field, in filters and in `sort by`, in file order.
    pub fields: Vec<Name>,
    /// Whether the whole document parsed: when it did not, a reference in
    /// a segment that failed to parse is not among `references`.
    pub parsed_whole: bool,
}

/// What the cursor is on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// A field name.
    Field(&'a Name),
    /// A segment's name in its definition.
    Definition(&'a Definition),
    /// `@name`.
    Reference(&'a Name),
}

impl Index {
    pub fn new(text: &str, limits: &hcq::Limits) -> Index {
        let mut index = Index::default();
        if hcq::segment::is_segment_file(text) {
            let parsed = hcq::segment::parse_recovering(text, limits);
            index.parsed_whole = parsed.problems.is_empty();
            for segment in &parsed.file.segments {
                index.definitions.push(Definition {
                    name: segment.name.name.clone(),
                    name_span: segment.name.span,
                    span: segment.span,
                });
                index.add_query(&segment.query);
            }
        } else if let Ok(query) = hcq::syntax::parse_query(text, limits) {
            index.parsed_whole = true;
            index.add_query(&query);
        }
        index
    }

    fn add_query(&mut self, query: &ast::Query) {
        self.add_expr(&query.expr);
        for clause in &query.clauses {
            if let ClauseKind::Sort { field, .. } = &clause.kind {
                self.fields.push(name(field));
            }
        }
    }

    /// Recursion is bounded: the parser refuses nesting deeper than
    /// `Limits::max_depth`.
    fn add_expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ExprKind::Or(operands) | ExprKind::And(operands) => {
                for operand in operands {
                    self.add_expr(operand);
                }
            }
            ExprKind::Not(operand) => self.add_expr(operand),
            ExprKind::Compare { field, .. } | ExprKind::In { field, .. } => {
                self.fields.push(name(field));
            }
            ExprKind::Ref(ident) => self.references.push(name(ident)),
            ExprKind::All => {}
        }
    }

    /// What is written at byte `offset`: a name whose span holds it or
    /// ends there (the cursor just after a word is on it).
    pub fn at(&self, offset: usize) -> Option<Target<'_>> {
        let on = |span: Span| span.start <= offset && offset <= span.end;
        if let Some(reference) = find(&self.references, offset) {
            return Some(Target::Reference(reference));
        }
        if let Some(field) = find(&self.fields, offset) {
            return Some(Target::Field(field));
        }
        self.definitions
            .iter()
            .find(|d| on(d.name_span))
            .map(Target::Definition)
    }

    /// The definition `@name` means: the first of that name.
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.name == name)
    }

    /// The segment name the cursor is on, as a definition or a reference.
    pub fn segment_name_at(&self, offset: usize) -> Option<(&str, Span)> {
        match self.at(offset)? {
            Target::Definition(definition) => Some((&definition.name, definition.name_span)),
            Target::Reference(reference) => Some((&reference.name, reference.span)),
            Target::Field(_) => None,
        }
    }
}

/// The name of `names` whose span holds `offset` or ends there; spans of
/// each list are in file order and never overlap.
fn find(names: &[Name], offset: usize) -> Option<&Name> {
    let i = names.partition_point(|n| n.span.end < offset);
    names
        .get(i)
        .filter(|n| n.span.start <= offset && offset <= n.span.end)
}

fn name(ident: &ast::Ident) -> Name {
    Name {
        name: ident.name.clone(),
        span: ident.span,
    }
}
