//! Completion: what may be written at the cursor, read from the tokens
//! before it (the text there rarely parses: it is being typed).
//!
//! - where a comparison may start (after `and`, `or`, `not`, `(`, a
//!   segment's name, or at the start): the fields, with their type and
//!   operators, `not`, `all`, and `@name` for each segment of the file;
//! - after a field: the operators its type allows;
//! - after `@`: the segment names;
//! - after `sort by`: the fields the API sorts by; after those, `asc` and
//!   `desc`; after `limit`, `all`;
//! - after a value: `and`, `or`, the clauses, and `segment`.

use super::document::Document;
use super::hover::{describe_field, operators};
use super::index::Index;
use crate as hcq;
use crate::syntax::lexical::{Strings, is_name, scan};
use crate::syntax::token::{Kind, Lexer, Token};
use hcq::schema::{Field, Schema};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, Range, TextEdit,
};

/// The completions at byte `offset` (a character boundary).
pub(crate) fn complete(
    document: &Document,
    index: &Index,
    schema: &Schema,
    offset: usize,
) -> Vec<CompletionItem> {
    let text = &document.text()[..offset];
    // The last four significant tokens before the cursor, nearest last
    // (the word being typed is one of them, until it is taken out).
    let mut before: Vec<Token> = Vec::with_capacity(5);
    let mut last = None;
    for token in Lexer::new(text) {
        last = Some(token);
        if token.kind.is_trivia() {
            continue;
        }
        if before.len() == 4 {
            before.remove(0);
        }
        before.push(token);
    }
    // Inside a comment or a string, nothing is completed.
    let typing = match last {
        Some(token) if matches!(token.kind, Kind::Comment | Kind::String { .. }) => {
            return Vec::new();
        }
        Some(token) if matches!(token.kind, Kind::Word | Kind::Number) => {
            before.pop();
            Some(token)
        }
        _ => None,
    };
    let word_start = typing.map_or(offset, |token| token.start);
    let range = document.range(word_start, offset);
    let typed = &text[word_start..];
    let word = |i: usize| -> Option<&str> {
        let token = before.get(before.len().checked_sub(i + 1)?)?;
        (token.kind == Kind::Word).then(|| token.text(text))
    };
    let is = |i: usize, keyword: &str| word(i).is_some_and(|w| w.eq_ignore_ascii_case(keyword));
    let items = Items { range };
    if typed.starts_with('@') {
        return items.segments(document.text(), index);
    }
    if is(0, "segment") {
        return Vec::new();
    }
    if is(0, "by") && is(1, "sort") {
        return items.fields(schema.sortable());
    }
    if is(1, "by") && is(2, "sort") {
        return items.keywords(&["asc", "desc", "limit", "offset"]);
    }
    if is(0, "limit") {
        return items.keywords(&["all"]);
    }
    if is(0, "offset") {
        return Vec::new();
    }
    let starts_comparison = |i: usize| match before.len().checked_sub(i + 1) {
        None => true,
        Some(k) => {
            before[k].kind == Kind::LParen
                || ["and", "or", "not"].iter().any(|keyword| is(i, keyword))
                || is(i + 1, "segment")
        }
    };
    if starts_comparison(0) {
        let mut list = items.fields(schema.searchable());
        list.extend(items.keywords(&["not", "all"]));
        list.extend(items.segments(document.text(), index));
        if before.is_empty() && hcq::segment::is_segment_file(document.text()) {
            list.extend(items.keywords(&["segment"]));
        }
        return list;
    }
    if starts_comparison(1) {
        if let Some(field) = word(0).and_then(|name| schema.field(name)) {
            return items.operators(field);
        }
    }
    if matches!(before.last().map(|t| t.kind), Some(Kind::Compare(_))) {
        return Vec::new();
    }
    items.keywords(&["and", "or", "sort by", "limit", "offset", "segment"])
}

/// Completion items that replace the word being typed.
struct Items {
    range: Range,
}

impl Items {
    fn item(&self, label: String, kind: CompletionItemKind) -> CompletionItem {
        CompletionItem {
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                self.range,
                label.clone(),
            ))),
            filter_text: Some(label.clone()),
            label,
            kind: Some(kind),
            ..CompletionItem::default()
        }
    }

    fn fields<'f>(&self, fields: impl Iterator<Item = &'f Field>) -> Vec<CompletionItem> {
        fields
            .map(|field| {
                let mut item = self.item(field.short_name().to_owned(), CompletionItemKind::FIELD);
                let usage = if field.usage.search {
                    operators(field.ty).replace('`', "")
                } else {
                    "sort by only".to_owned()
                };
                item.detail = Some(format!("{}: {}; {usage}", field.name, field.ty));
                item.documentation = Some(Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: describe_field(field),
                }));
                item
            })
            .collect()
    }

    fn operators(&self, field: &Field) -> Vec<CompletionItem> {
        let mut list: Vec<CompletionItem> = field
            .ty
            .operators()
            .iter()
            .map(|op| {
                let mut item = self.item(op.as_str().to_owned(), CompletionItemKind::OPERATOR);
                item.detail = Some(format!("{} {op} …", field.short_name()));
                item
            })
            .collect();
        list.push(self.item("in".to_owned(), CompletionItemKind::KEYWORD));
        if field.ty.allows(hcq::ast::CompareOp::Ne) {
            list.push(self.item("not in".to_owned(), CompletionItemKind::KEYWORD));
        }
        list
    }

    fn keywords(&self, keywords: &[&str]) -> Vec<CompletionItem> {
        keywords
            .iter()
            .map(|keyword| self.item((*keyword).to_owned(), CompletionItemKind::KEYWORD))
            .collect()
    }

    /// `@name` for each segment of the file, each name once: those that
    /// parse, and those whose `segment NAME` line a lexical look finds
    /// (the segment being written rarely parses).
    fn segments(&self, text: &str, index: &Index) -> Vec<CompletionItem> {
        let lexical = scan(text, Strings::OneLine).segment_starts;
        let written = lexical.iter().filter_map(|&start| {
            let rest = text[start + "segment".len()..].trim_start_matches([' ', '\t']);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            is_name(&rest[..end]).then(|| &rest[..end])
        });
        let mut seen = std::collections::HashSet::new();
        index
            .definitions
            .iter()
            .map(|definition| definition.name.as_str())
            .chain(written)
            .filter(|name| seen.insert(*name))
            .map(|name| {
                let mut item = self.item(format!("@{name}"), CompletionItemKind::REFERENCE);
                item.detail = Some("segment of this file".to_owned());
                item
            })
            .collect()
    }
}
