//! A segment without its tree: its name, the `@name`s it uses, the spans
//! of its clauses and its size. That is all resolving references and
//! bounding what splicing makes needs (`resolve.rs`, `splice.rs`), so a
//! large file can be resolved without holding every segment's tree
//! (`stream.rs`).

use crate::ast::{self, Span};

/// How large and deep a segment is once its references are spliced in.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Size {
    pub(super) filters: usize,
    /// Nesting of `not` and of the parentheses the tree needs (each `@`
    /// counting as a pair), like the parser's depth.
    pub(super) depth: usize,
}

/// A `@name` in an expression.
#[derive(Clone, Debug)]
pub(super) struct Use {
    /// The name after `@`.
    pub(super) ident: ast::Ident,
    /// The whole `@name`, for labels.
    pub(super) span: Span,
    /// The nesting around it: the segment it names adds its own depth,
    /// and the pair of parentheses the `@` stands for, to this.
    pub(super) depth: usize,
}

/// What resolving needs of one segment.
#[derive(Clone, Debug)]
pub(super) struct Outline {
    pub(super) name: ast::Ident,
    /// The whole definition.
    pub(super) span: Span,
    /// Every `@name`, in the order written.
    pub(super) uses: Vec<Use>,
    /// Where each clause is written.
    pub(super) clauses: Vec<Span>,
    /// Its filters and depth, references aside.
    own: Size,
}

impl Outline {
    pub(super) fn of(segment: &ast::Segment) -> Outline {
        let mut outline = Outline {
            name: segment.name.clone(),
            span: segment.span,
            uses: Vec::new(),
            clauses: segment.query.clauses.iter().map(|c| c.span).collect(),
            own: Size::default(),
        };
        outline.walk(&segment.query.expr, 0);
        outline
    }

    /// Its size once spliced, given the spliced size of the segment each
    /// `@name` names, in the order of [`Outline::uses`]: its own filters
    /// and theirs; the deepest of its own nesting and of each `@name`'s,
    /// plus its pair of parentheses and the depth of what it names.
    pub(super) fn spliced_size(&self, mut target: impl FnMut(usize) -> Size) -> Size {
        let mut size = self.own;
        for (k, used) in self.uses.iter().enumerate() {
            let inner = target(k);
            size.filters = size.filters.saturating_add(inner.filters);
            let depth = used.depth.saturating_add(1).saturating_add(inner.depth);
            size.depth = size.depth.max(depth);
        }
        size
    }

    // Recursion is bounded: the parser bounds nesting before building a tree.
    fn walk(&mut self, expr: &ast::Expr, depth: usize) {
        match &expr.kind {
            ast::ExprKind::Compare { .. } => self.leaf(1, depth),
            ast::ExprKind::In { values, .. } => self.leaf(values.len(), depth),
            ast::ExprKind::All => self.leaf(0, depth),
            ast::ExprKind::Ref(ident) => self.uses.push(Use {
                ident: ident.clone(),
                span: expr.span,
                depth,
            }),
            ast::ExprKind::Not(operand) => {
                let parens = usize::from(matches!(
                    operand.kind,
                    ast::ExprKind::Or(_) | ast::ExprKind::And(_)
                ));
                self.walk(operand, depth.saturating_add(1 + parens));
            }
            ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
                let is_and = matches!(expr.kind, ast::ExprKind::And(_));
                for operand in operands {
                    let parens = usize::from(needs_parens(&operand.kind, is_and));
                    self.walk(operand, depth.saturating_add(parens));
                }
            }
        }
    }

    fn leaf(&mut self, filters: usize, depth: usize) {
        self.own.filters = self.own.filters.saturating_add(filters);
        self.own.depth = self.own.depth.max(depth);
    }
}

/// Whether `child` needs parentheses as an operand of an `and` (or of an
/// `or`, when `parent_is_and` is false).
fn needs_parens(child: &ast::ExprKind, parent_is_and: bool) -> bool {
    matches!(child, ast::ExprKind::Or(_))
        || (parent_is_and && matches!(child, ast::ExprKind::And(_)))
}

/// Whether `expr` holds a `@name`.
pub(super) fn has_refs(expr: &ast::Expr) -> bool {
    match &expr.kind {
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => operands.iter().any(has_refs),
        ast::ExprKind::Not(operand) => has_refs(operand),
        ast::ExprKind::Ref(_) => true,
        ast::ExprKind::Compare { .. } | ast::ExprKind::In { .. } | ast::ExprKind::All => false,
    }
}
