//! Go to definition, find references and rename, for segment names and
//! `@name` references.

use super::document::Document;
use super::index::Index;
use crate::ast::Span;
use crate::syntax::lexical::is_name;
use lsp_types::{Location, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;

/// Where the segment under the cursor is defined (the first definition,
/// which is what `@name` means when a name is defined twice).
pub(crate) fn definition(
    uri: &Uri,
    document: &Document,
    index: &Index,
    offset: usize,
) -> Option<Location> {
    let (name, _) = index.segment_name_at(offset)?;
    let definition = index.definition(name)?;
    Some(location(uri, document, definition.name_span))
}

/// Every `@name` of the segment under the cursor, and with
/// `include_declaration` its definitions, in file order.
pub(crate) fn references(
    uri: &Uri,
    document: &Document,
    index: &Index,
    offset: usize,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let (name, _) = index.segment_name_at(offset)?;
    let spans = spans_of(index, name, include_declaration);
    Some(
        spans
            .into_iter()
            .map(|span| location(uri, document, span))
            .collect(),
    )
}

/// The range and text of the name that would be renamed, if the cursor
/// is on a segment name.
pub(crate) fn prepare_rename(
    document: &Document,
    index: &Index,
    offset: usize,
) -> Option<PrepareRenameResponse> {
    let (name, span) = index.segment_name_at(offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: document.range(span.start, span.end),
        placeholder: name.to_owned(),
    })
}

/// Why a rename cannot be done, in words for the user.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RenameError {
    #[error("place the cursor on a segment name or an `@name` reference to rename it")]
    NotASegment,
    #[error(
        "`{0}` cannot name a segment: a name is a letter or `_` followed by letters, \
         digits and `_`, and not a keyword"
    )]
    InvalidName(String),
    #[error(
        "the file has a segment that does not parse; fix it first, so that no `@name` \
         inside it is missed"
    )]
    Unparsed,
}

/// The edits renaming the segment under the cursor, its definitions and
/// every `@name`, to `new_name`.
pub(crate) fn rename(
    uri: &Uri,
    document: &Document,
    index: &Index,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, RenameError> {
    let (name, _) = index
        .segment_name_at(offset)
        .ok_or(RenameError::NotASegment)?;
    if !is_name(new_name) {
        return Err(RenameError::InvalidName(new_name.to_owned()));
    }
    if !index.parsed_whole {
        return Err(RenameError::Unparsed);
    }
    let edits = spans_of(index, name, true)
        .into_iter()
        .map(|span| TextEdit::new(document.range(span.start, span.end), new_name.to_owned()))
        .collect();
    Ok(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    })
}

/// The spans of `name`'s references and, when asked, its definitions, in
/// file order.
fn spans_of(index: &Index, name: &str, definitions: bool) -> Vec<Span> {
    let mut spans: Vec<Span> = index
        .references
        .iter()
        .filter(|r| r.name == name)
        .map(|r| r.span)
        .collect();
    if definitions {
        spans.extend(
            index
                .definitions
                .iter()
                .filter(|d| d.name == name)
                .map(|d| d.name_span),
        );
    }
    spans.sort_by_key(|span| span.start);
    spans
}

fn location(uri: &Uri, document: &Document, span: Span) -> Location {
    Location::new(uri.clone(), document.range(span.start, span.end))
}
