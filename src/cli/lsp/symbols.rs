//! The document's outline: one symbol per segment.

use super::document::Document;
use super::hover::cost;
use super::index::Index;
use crate::segment::CompiledFile;
use lsp_types::{DocumentSymbol, SymbolKind};

/// Each segment that parses, in file order, with what running it costs
/// when the file has no errors.
pub(crate) fn symbols(
    document: &Document,
    index: &Index,
    compiled: Option<&CompiledFile>,
) -> Vec<DocumentSymbol> {
    index
        .definitions
        .iter()
        .map(|definition| {
            let detail = compiled
                .and_then(|compiled| compiled.get(&definition.name))
                .map(|segment| cost(segment).headline);
            // `deprecated` is the protocol's own deprecated field; `tags` replaces it.
            #[allow(deprecated)]
            DocumentSymbol {
                name: definition.name.clone(),
                detail,
                kind: SymbolKind::FUNCTION,
                tags: None,
                deprecated: None,
                range: document.range(definition.span.start, definition.span.end),
                selection_range: document
                    .range(definition.name_span.start, definition.name_span.end),
                children: None,
            }
        })
        .collect()
}
