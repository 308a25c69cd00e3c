//! Formatting: the whole document in the layout `hcq fmt` writes.

use super::document::Document;
use crate as hcq;
use lsp_types::TextEdit;

/// The edit that formats the document: one replacement of the whole text,
/// none when it is already formatted, and `None` when it does not parse
/// (its diagnostics say why; the editor keeps the text as it is).
pub(crate) fn format(document: &Document, limits: &hcq::Limits) -> Option<Vec<TextEdit>> {
    let formatted = hcq::format::format_source("", document.text(), limits).ok()?;
    if formatted == document.text() {
        return Some(Vec::new());
    }
    Some(vec![TextEdit::new(document.full_range(), formatted)])
}
