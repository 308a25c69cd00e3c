//! Diagnostics: what `hcq check` reports for a document, errors and
//! warnings, as the protocol's diagnostics.
//!
//! The document is checked by the very path `hcq check` takes
//! (`segment::check_file` for a segment file, through its cached form
//! `check_file_cached`, and `hcq::compile` for one expression), so an
//! editor and the command never disagree. Each
//! problem's primary label gives the range; its other labels (the first
//! definition of a duplicate, every `@name` of a cycle) become related
//! locations.

use super::document::Document;
use crate as hcq;
use crate::diagnostic::{MAX_TEXT_CHARS, clip};
use hcq::segment::{self, CompiledFile, LowerCache};
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use miette::{Diagnostic as _, LabeledSpan, Severity};
use serde_json::json;

/// A document's diagnostics, and its segments' plans when it is a segment
/// file without errors (hover shows their cost).
pub(crate) struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub compiled: Option<CompiledFile>,
}

/// Checks `document` as `hcq check` would; a segment file's segments that
/// have not changed since the last check with `cache` keep their plans
/// (the report is the same).
pub(crate) fn check(
    uri: &Uri,
    document: &Document,
    options: &hcq::Options,
    cache: &mut LowerCache,
) -> Checked {
    let text = document.text();
    let name = uri.as_str();
    let (report, compiled) = if segment::is_segment_file(text) {
        match segment::check_file_cached(name, text, options, cache) {
            Ok(compiled) => (compiled.warnings(), Some(compiled)),
            Err(error) => (Some(error), None),
        }
    } else {
        match hcq::compile(text, options) {
            Ok(compiled) => (compiled.warnings, None),
            Err(error) => (Some(error), None),
        }
    };
    let diagnostics = report.map_or_else(Vec::new, |report| convert(uri, document, &report));
    Checked {
        diagnostics,
        compiled,
    }
}

/// The problems of `report` as protocol diagnostics, in its order.
fn convert(uri: &Uri, document: &Document, report: &hcq::Error) -> Vec<Diagnostic> {
    let problems: Vec<(&hcq::Problem, Vec<LabeledSpan>)> = report
        .problems()
        .iter()
        .map(|problem| (problem, labels(problem)))
        .collect();
    // Every label's ends, converted in one sweep over the text.
    let offsets: Vec<usize> = problems
        .iter()
        .flat_map(|(_, labels)| labels)
        .flat_map(|label| [label.offset(), label.offset() + label.len()])
        .collect();
    let positions = document.lines().positions(document.text(), &offsets);
    let mut ranges = positions
        .chunks_exact(2)
        .map(|ends| lsp_types::Range::new(ends[0], ends[1]));
    problems
        .into_iter()
        .map(|(problem, labels)| {
            let mut located: Vec<(lsp_types::Range, Option<String>)> = labels
                .iter()
                .map(|label| {
                    let range = ranges.next().expect("two positions for every label");
                    (range, label.label().map(str::to_owned))
                })
                .collect();
            let range = if located.is_empty() {
                lsp_types::Range::default()
            } else {
                located.remove(0).0
            };
            let related = located
                .into_iter()
                .map(|(range, label)| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), range),
                    message: clip(label.as_deref().unwrap_or("here"), MAX_TEXT_CHARS).into_owned(),
                })
                .collect::<Vec<_>>();
            Diagnostic {
                range,
                severity: Some(severity(problem.severity())),
                code: problem
                    .code()
                    .map(|code| NumberOrString::String(code.to_string())),
                source: Some("hcq".to_owned()),
                message: message(problem),
                related_information: (!related.is_empty()).then_some(related),
                data: suggestion(problem).map(|name| json!({ SUGGESTION: name })),
                ..Diagnostic::default()
            }
        })
        .collect()
}

/// A problem's labels, the primary one first (miette's own rule: the one
/// marked primary, else the first).
fn labels(problem: &hcq::Problem) -> Vec<LabeledSpan> {
    let mut labels: Vec<LabeledSpan> = problem.labels().into_iter().flatten().collect();
    if let Some(primary) = labels.iter().position(LabeledSpan::primary) {
        let label = labels.remove(primary);
        labels.insert(0, label);
    }
    labels
}

/// The message and the help under it, each clipped as `--message-format
/// json` clips them (a message quoting a 1 MB word stays readable).
pub(crate) fn message(problem: &dyn miette::Diagnostic) -> String {
    let mut message = clip(&problem.to_string(), MAX_TEXT_CHARS).into_owned();
    if let Some(help) = problem.help() {
        message.push_str("\nhelp: ");
        message.push_str(&clip(&help.to_string(), MAX_TEXT_CHARS));
    }
    message
}

/// The key of a diagnostic's `data` that holds the name its help
/// suggests; `actions.rs` offers to write it over the range.
pub(crate) const SUGGESTION: &str = "replaceWith";

/// The name a problem's help suggests: hcq words every suggestion as
/// "did you mean `NAME`?" (a field, `@segment`, a sort field or a unit),
/// always about the text of its primary label.
fn suggestion(problem: &dyn miette::Diagnostic) -> Option<String> {
    let help = problem.help()?.to_string();
    let rest = help.strip_prefix("did you mean `")?;
    let (name, after) = rest.split_once('`')?;
    after.starts_with('?').then(|| name.to_owned())
}

fn severity(severity: Option<Severity>) -> DiagnosticSeverity {
    match severity.unwrap_or(Severity::Error) {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Advice => DiagnosticSeverity::HINT,
    }
}
