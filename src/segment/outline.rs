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
pub(super) struct Use<'a> {
    /// The name after `@`.
    pub(super) name: &'a str,
    /// The whole `@name`, for labels.
    pub(super) span: Span,
    /// The nesting around it: the segment it names adds its own depth,
    /// and the pair of parentheses the `@` stands for, to this.
    pub(super) depth: usize,
}

/// What resolving needs of one segment. Its names are borrowed, from the
/// tree or from the text, so that a file's outlines allocate little: a
/// large file has a hundred thousand.
#[derive(Clone, Debug)]
pub(super) struct Outline<'a> {
    pub(super) name: &'a str,
    /// Where its name is written.
    pub(super) name_span: Span,
    /// Every `@name`, in the order written.
    pub(super) uses: Box<[Use<'a>]>,
    /// Where each clause is written.
    pub(super) clauses: Box<[Span]>,
    /// Its filters and depth, references aside.
    own: Size,
}

impl<'a> Outline<'a> {
    /// The outline of a segment, its names borrowed from the tree.
    pub(super) fn of(segment: &'a ast::Segment) -> Outline<'a> {
        Outline::with_names(segment, |ident| &ident.name)
    }

    /// The outline of a segment parsed from `text`, its names borrowed
    /// from the text, so that the tree can go.
    pub(super) fn in_text(segment: &ast::Segment, text: &'a str) -> Outline<'a> {
        Outline::with_names(segment, |ident| ident.span.slice(text))
    }

    fn with_names<'t>(
        segment: &'t ast::Segment,
        name: impl Fn(&'t ast::Ident) -> &'a str,
    ) -> Outline<'a> {
        let mut walk = Walk {
            name: &name,
            uses: Vec::new(),
            own: Size::default(),
        };
        walk.expr(&segment.query.expr, 0);
        Outline {
            name: name(&segment.name),
            name_span: segment.name.span,
            uses: walk.uses.into(),
            clauses: segment.query.clauses.iter().map(|c| c.span).collect(),
            own: walk.own,
        }
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
}

/// The `@name`s of a tree, with the nesting around each, and its own
/// filters and depth.
struct Walk<'n, 'a, N> {
    name: &'n N,
    uses: Vec<Use<'a>>,
    own: Size,
}

impl<'t, 'a, N: Fn(&'t ast::Ident) -> &'a str> Walk<'_, 'a, N> {
    // Recursion is bounded: the parser bounds nesting before building a tree.
    fn expr(&mut self, expr: &'t ast::Expr, depth: usize) {
        match &expr.kind {
            ast::ExprKind::Compare { .. } => self.leaf(1, depth),
            ast::ExprKind::In { values, .. } => self.leaf(values.len(), depth),
            ast::ExprKind::All => self.leaf(0, depth),
            ast::ExprKind::Ref(ident) => self.uses.push(Use {
                name: (self.name)(ident),
                span: expr.span,
                depth,
            }),
            ast::ExprKind::Not(operand) => {
                let parens = usize::from(matches!(
                    operand.kind,
                    ast::ExprKind::Or(_) | ast::ExprKind::And(_)
                ));
                self.expr(operand, depth.saturating_add(1 + parens));
            }
            ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
                let is_and = matches!(expr.kind, ast::ExprKind::And(_));
                for operand in operands {
                    let parens = usize::from(needs_parens(&operand.kind, is_and));
                    self.expr(operand, depth.saturating_add(parens));
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
