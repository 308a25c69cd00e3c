//! The error type the library returns: every problem found in one input,
//! with the input attached so that any miette handler can render it, and a
//! JSON form for editors and scripts.

use miette::{Diagnostic, NamedSource, Severity};
use std::sync::Arc;
use thiserror::Error;

/// One problem, from whichever stage found it.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum Problem {
    /// The text does not follow the grammar, or breaks a bound checked while parsing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] crate::syntax::ParseError),
    /// A field, operator or value does not fit the schema.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] crate::check::CheckError),
    /// The expression cannot become a plan within the bounds.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lower(#[from] crate::lower::LowerError),
    /// A problem only segment files have (unknown `@name`, cycle, …).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Segment(#[from] crate::segment::SegmentError),
    /// Not an error: something lowering found that the user probably did
    /// not mean (an expression that matches nothing, or everything).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Warning(#[from] crate::lower::LowerWarning),
}

impl Problem {
    /// Whether this is an error, not only a warning.
    pub fn is_error(&self) -> bool {
        !matches!(self.severity(), Some(Severity::Warning | Severity::Advice))
    }

    /// Where the problem's first label starts, for ordering.
    fn position(&self) -> usize {
        self.labels()
            .and_then(|mut labels| labels.next())
            .map_or(0, |label| label.offset())
    }
}

/// Everything wrong with one input (an expression or a segment file),
/// reported at once: errors and, where a run also found them, warnings.
///
/// Implements [`std::error::Error`] and [`miette::Diagnostic`]; each problem
/// is a related diagnostic with its own code, labels and help, rendered
/// against the input. When it holds only warnings its severity is
/// [`Severity::Warning`].
#[derive(Debug, Error)]
#[error("{}", headline(.problems, .name))]
pub struct Error {
    name: String,
    text: NamedSource<Arc<str>>,
    problems: Vec<Problem>,
}

fn headline(problems: &[Problem], name: &str) -> String {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    let count = |n: usize, what: &str| match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    match (errors, warnings) {
        (0, w) => format!("found {} in {name}", count(w, "warning")),
        (e, 0) => format!("found {} in {name}", count(e, "problem")),
        (e, w) => format!(
            "found {} and {} in {name}",
            count(e, "problem"),
            count(w, "warning")
        ),
    }
}

impl Error {
    /// The problems in `source` (named `name`, e.g. a file path or
    /// `<expression>`), sorted by position (stably, so problems at one
    /// place keep the order they were found in).
    pub fn new(
        name: impl Into<String>,
        source: impl Into<Arc<str>>,
        mut problems: Vec<Problem>,
    ) -> Self {
        problems.sort_by_key(Problem::position);
        let name = name.into();
        let text = NamedSource::new(name.clone(), source.into()).with_language("hcq");
        Error {
            name,
            text,
            problems,
        }
    }

    /// The problems, by position in the input.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Whether any problem is an error (and not only a warning).
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// The input the spans point into.
    pub fn source_text(&self) -> &str {
        self.text.inner()
    }

    /// The name of the input.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Diagnostic for Error {
    fn severity(&self) -> Option<Severity> {
        (!self.has_errors()).then_some(Severity::Warning)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// The JSON form of one diagnostic (`--message-format json`).
///
/// ```json
/// {"code": "hcq::check::unknown_field", "severity": "error",
///  "message": "unknown field `emial`", "help": "did you mean `email`?",
///  "labels": [{"label": "not a field", "offset": 0, "length": 5, "line": 1, "column": 1}]}
/// ```
/// `line` and `column` count from 1; `column` counts characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JsonDiagnostic {
    /// The stable code, `hcq::stage::name`.
    pub code: Option<String>,
    /// `error`, `warning` or `advice`.
    pub severity: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The input's name.
    pub source: String,
    /// Where, in the input.
    pub labels: Vec<JsonLabel>,
}

/// The JSON form of one label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JsonLabel {
    /// The label's text, if any.
    pub label: Option<String>,
    /// Byte offset of the span.
    pub offset: usize,
    /// Length of the span in bytes.
    pub length: usize,
    /// Line of the span's start, from 1.
    pub line: usize,
    /// Column of the span's start in characters, from 1.
    pub column: usize,
}

/// Turns byte offsets into lines and columns without rescanning the input
/// for every label.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, line_starts }
    }

    /// Line and column (both from 1, column in characters) of `offset`.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// The JSON form of any diagnostic whose spans point into `text`.
pub fn to_json(
    diagnostic: &dyn Diagnostic,
    source_name: &str,
    index: &LineIndex<'_>,
) -> JsonDiagnostic {
    let labels = diagnostic
        .labels()
        .into_iter()
        .flatten()
        .map(|label| {
            let (line, column) = index.line_column(label.offset());
            JsonLabel {
                label: label.label().map(str::to_owned),
                offset: label.offset(),
                length: label.len(),
                line,
                column,
            }
        })
        .collect();
    JsonDiagnostic {
        code: diagnostic.code().map(|c| c.to_string()),
        severity: match diagnostic.severity().unwrap_or(Severity::Error) {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        },
        message: diagnostic.to_string(),
        help: diagnostic.help().map(|h| h.to_string()),
        source: source_name.to_owned(),
        labels,
    }
}

impl Error {
    /// Every problem in its JSON form.
    pub fn to_json(&self) -> Vec<JsonDiagnostic> {
        let index = LineIndex::new(self.source_text());
        self.problems
            .iter()
            .map(|p| to_json(p, &self.name, &index))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_and_columns_count_from_one() {
        let index = LineIndex::new("ab\ncé\r\nx");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(3), (2, 1));
        assert_eq!(index.line_column(6), (2, 3));
        assert_eq!(index.line_column(8), (3, 1));
    }
}
