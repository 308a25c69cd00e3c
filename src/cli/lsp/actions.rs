//! Code actions: for each diagnostic whose help suggests a name ("did you
//! mean `email`?"), a quick fix that writes it in.

use super::diagnostics::SUGGESTION;
use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;

/// The quick fixes for the diagnostics the client sends back (each with
/// the `data` the server gave it).
pub(crate) fn quick_fixes(
    uri: &Uri,
    diagnostics: &[lsp_types::Diagnostic],
) -> Vec<CodeActionOrCommand> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let name = diagnostic.data.as_ref()?.get(SUGGESTION)?.as_str()?;
            let edit = TextEdit::new(diagnostic.range, name.to_owned());
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{name}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}
