//! The error type the library returns: every problem found in one input,
//! with the input attached so that any miette handler can render it, and a
//! JSON form for editors and scripts.

use miette::{Diagnostic, NamedSource, Severity};
use std::sync::Arc;
use thiserror::Error;

/// One problem, from whichever stage found it.
#[derive(Debug, Clone, Error, Diagnostic)]
#[non_exhaustive]
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
    /// A JSON input to `decompile` that is not what the API takes.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Decompile(#[from] crate::decompile::DecompileError),
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
#[derive(Clone, Debug, Error)]
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
/// `line` and the columns count from 1; see [`JsonLabel`] for how each
/// column counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
///
/// Columns are given three ways because their readers differ: `column`
/// counts characters (Unicode scalar values), as the human report's header
/// does; `column_utf16` counts UTF-16 code units, as the Language Server
/// Protocol and VS Code do; `column_byte` counts bytes, as `offset` does.
/// All three count from 1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
    /// Column of the span's start in UTF-16 code units, from 1.
    pub column_utf16: usize,
    /// Column of the span's start in bytes, from 1.
    pub column_byte: usize,
}

/// Where a byte offset lies in a text: line and columns, all from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    /// The line, counting `\n`s before the offset.
    pub line: usize,
    /// Characters (Unicode scalar values) between the line's start and the offset.
    pub column: usize,
    /// UTF-16 code units between the line's start and the offset.
    pub column_utf16: usize,
    /// Bytes between the line's start and the offset.
    pub column_byte: usize,
}

/// The positions of `offsets` in `text`, in the order given, in one pass
/// over the text however many offsets there are and however long its lines
/// are: offsets are visited in increasing order and each column is counted
/// on from the previous offset on the same line. An offset past the end is
/// taken as the end; one inside a character, as that character's start.
pub(crate) fn locate(text: &str, offsets: &[usize]) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut positions = vec![Position::default(); offsets.len()];
    // The sweep's state: a position at byte `at`.
    let mut at = 0;
    let mut here = Position::default();
    for i in order {
        let mut target = offsets[i].min(text.len());
        while !text.is_char_boundary(target) {
            target -= 1;
        }
        let gap = &text[at..target];
        match gap.rfind('\n') {
            Some(newline) => {
                here.line += gap.matches('\n').count();
                let rest = &gap[newline + 1..];
                here.column = rest.chars().count();
                here.column_utf16 = rest.chars().map(char::len_utf16).sum();
                here.column_byte = rest.len();
            }
            None => {
                here.column += gap.chars().count();
                here.column_utf16 += gap.chars().map(char::len_utf16).sum::<usize>();
                here.column_byte += gap.len();
            }
        }
        at = target;
        positions[i] = here;
    }
    positions
}

/// The longest message, label or help the JSON and human forms print, in
/// characters: a message quoting a user's 1 MB word stays readable.
pub(crate) const MAX_TEXT_CHARS: usize = 400;

/// `text` cut to at most about `max` characters, keeping its start and end
/// around a `…`.
pub(crate) fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    // Counting stops early: only a text near the bound is counted whole.
    if text.chars().nth(max).is_none() {
        return text.into();
    }
    let head = max * 2 / 3;
    let tail = max - head - 1;
    let start: String = text.chars().take(head).collect();
    let total = text.chars().count();
    let end: String = text.chars().skip(total - tail).collect();
    format!("{start}…{end}").into()
}

/// The JSON form of any diagnostic whose spans point into `text`.
pub fn to_json(diagnostic: &dyn Diagnostic, source_name: &str, text: &str) -> JsonDiagnostic {
    let labels: Vec<_> = diagnostic.labels().into_iter().flatten().collect();
    let offsets: Vec<usize> = labels.iter().map(|l| l.offset()).collect();
    let positions = locate(text, &offsets);
    json_diagnostic(diagnostic, source_name, labels, &positions)
}

fn json_diagnostic(
    diagnostic: &dyn Diagnostic,
    source_name: &str,
    labels: Vec<miette::LabeledSpan>,
    positions: &[Position],
) -> JsonDiagnostic {
    let labels = labels
        .into_iter()
        .zip(positions)
        .map(|(label, position)| JsonLabel {
            label: label.label().map(|l| clip(l, MAX_TEXT_CHARS).into_owned()),
            offset: label.offset(),
            length: label.len(),
            line: position.line + 1,
            column: position.column + 1,
            column_utf16: position.column_utf16 + 1,
            column_byte: position.column_byte + 1,
        })
        .collect();
    JsonDiagnostic {
        code: diagnostic.code().map(|c| c.to_string()),
        severity: match diagnostic.severity().unwrap_or(Severity::Error) {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        },
        message: clip(&diagnostic.to_string(), MAX_TEXT_CHARS).into_owned(),
        help: diagnostic
            .help()
            .map(|h| clip(&h.to_string(), MAX_TEXT_CHARS).into_owned()),
        source: clip(source_name, MAX_TEXT_CHARS).into_owned(),
        labels,
    }
}

impl Error {
    /// Every problem in its JSON form, in linear time however many there
    /// are: every label is located in one pass over the input.
    pub fn to_json(&self) -> Vec<JsonDiagnostic> {
        let labels: Vec<Vec<miette::LabeledSpan>> = self
            .problems
            .iter()
            .map(|p| p.labels().into_iter().flatten().collect())
            .collect();
        let offsets: Vec<usize> = labels.iter().flatten().map(|l| l.offset()).collect();
        let positions = locate(self.source_text(), &offsets);
        let mut positions = positions.as_slice();
        self.problems
            .iter()
            .zip(labels)
            .map(|(problem, labels)| {
                let (mine, rest) = positions.split_at(labels.len());
                positions = rest;
                json_diagnostic(problem, &self.name, labels, mine)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Position, clip, locate};

    #[test]
    fn locate_counts_characters_utf16_units_and_bytes_in_any_order() {
        let text = "ab\ncé😀x\n\nz";
        let at = |line, column, column_utf16, column_byte| Position {
            line,
            column,
            column_utf16,
            column_byte,
        };
        // Out of order, repeated, inside a character, past the end.
        let offsets = [10, 0, 3, 9, 6, 100, 12];
        assert_eq!(
            locate(text, &offsets),
            vec![
                at(1, 3, 4, 7),
                at(0, 0, 0, 0),
                at(1, 0, 0, 0),
                at(1, 2, 2, 3),
                at(1, 2, 2, 3),
                at(3, 1, 1, 1),
                at(2, 0, 0, 0),
            ]
        );
    }

    #[test]
    fn clip_keeps_short_texts_and_both_ends_of_long_ones() {
        assert_eq!(clip("short", 10), "short");
        let long = "a".repeat(50) + &"b".repeat(50);
        let clipped = clip(&long, 30);
        assert_eq!(clipped.chars().count(), 30);
        assert!(clipped.starts_with("aaa") && clipped.ends_with("bbb") && clipped.contains('…'));
    }
}
