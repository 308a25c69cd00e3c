//! Diagnostics for a person, safe whatever the input holds.
//!
//! miette's graphical handler never sees the user's text itself, only a
//! *view* of it built here, for three reasons:
//!
//! - **Width.** The handler pads with `{:width$}` and panics past column
//!   65,535, and a 50 MB one-line input must never be echoed to a terminal.
//!   A view holds only the lines near a label, each cut to windows of
//!   [`WINDOW`] characters around the label's ends, with `…` where text is
//!   left out.
//! - **Terminal safety.** Control characters (ESC, BEL, a lone CR, …) and
//!   invisible ones (zero-width space, bidi overrides) become visible
//!   stand-ins, in the view and in every message, label and help.
//! - **Volume.** At most [`MAX_SHOWN`] problems are rendered, then a line
//!   counts the rest; the cost is linear in the input however many
//!   problems it has, because the view is built from the labels alone.
//!
//! Line numbers and the header's `[name:line:column]` are those of the
//! original input; the column counts characters, as the JSON form's
//! `column` does.

use crate::diagnostic::{MAX_TEXT_CHARS, Position, clip, locate};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// The most problems one report renders in full; `--message-format json`
/// lists every one.
pub const MAX_SHOWN: usize = 50;
/// Characters kept on each side of a label's start and end.
pub const WINDOW: usize = 40;
/// The most labels one diagnostic shows (a cycle through 2,000 segments
/// labels every member): the handler draws a bar for every label beside
/// every other, so the report would grow with their square.
pub const MAX_LABELS: usize = 10;
/// A label spanning more lines than this is shown on its first line only.
const MAX_LABEL_LINES: usize = 8;
/// Lines of context above and below a label, as miette's default.
const CONTEXT_LINES: usize = 1;

/// How a report looks: what the binary picks from its terminal.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colours.
    pub colour: bool,
    /// Width to wrap messages at.
    pub width: usize,
    /// Whether stderr is a terminal a progress line may be drawn on
    /// (`hcq run`'s); the line goes straight to the process's stderr.
    pub progress: bool,
}

impl Style {
    /// No colour, 80 columns: what tests and snapshots use.
    pub fn plain() -> Style {
        Style {
            colour: false,
            width: 80,
            progress: false,
        }
    }
}

/// Renders `diagnostic`, whose labels (and those of its related
/// diagnostics) point into `text`, named `name`.
pub fn render(diagnostic: &dyn Diagnostic, name: &str, text: &str, style: Style) -> String {
    render_at_most(diagnostic, name, text, style, MAX_SHOWN).0
}

/// Renders like [`render`], showing at most `max_shown` of the related
/// diagnostics in full (a run that reports on many inputs shares one
/// allowance among them); also returns how many it showed.
pub fn render_at_most(
    diagnostic: &dyn Diagnostic,
    name: &str,
    text: &str,
    style: Style,
    max_shown: usize,
) -> (String, usize) {
    let related: Vec<&dyn Diagnostic> = diagnostic
        .related()
        .map(|related| related.collect())
        .unwrap_or_default();
    let hidden = related.len().saturating_sub(max_shown);
    let shown = &related[..related.len() - hidden];

    // Every label's position, found in one pass over the text.
    let top_labels = labels_of(diagnostic);
    let related_labels: Vec<(Vec<LabeledSpan>, usize)> =
        shown.iter().map(|d| labels_of(*d)).collect();
    let mut points = Vec::new();
    let all_labels = std::iter::once(&top_labels.0).chain(related_labels.iter().map(|(l, _)| l));
    for label in all_labels.flatten() {
        let (start, end) = ends(label, text);
        points.push(start);
        points.push(end);
    }
    let positions = Positions::new(text, points);

    let related = shown
        .iter()
        .zip(related_labels)
        .map(|(d, labels)| Shown::new(*d, labels, name, text, &positions, Vec::new()))
        .collect();
    let top = Shown::new(diagnostic, top_labels, name, text, &positions, related);

    let theme = if style.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width.clamp(20, 1000));
    let mut out = String::new();
    if handler.render_report(&mut out, &top).is_err() {
        // A view always serves its own spans; this is only a safety net,
        // and it still prints nothing of the input.
        out = format!("{}\n", top.message);
    }
    if hidden > 0 {
        let what = if hidden == 1 { "problem" } else { "problems" };
        out.push_str(&format!(
            "\n… and {hidden} more {what} not shown (`--message-format json` lists every one)\n"
        ));
    }
    (out, shown.len().max(1))
}

/// `text` made safe and short for a terminal: clipped to
/// 400 characters (`MAX_TEXT_CHARS`), control and invisible characters replaced, tabs
/// made spaces (the handler expands tabs in source lines, not in messages).
pub fn printable(text: &str) -> String {
    visible(&clip(text, MAX_TEXT_CHARS)).replace('\t', " ")
}

/// `text` with every character a terminal must not receive as it is
/// replaced by its [`stand_in`]; line breaks and tabs are kept.
pub fn visible(text: &str) -> Cow<'_, str> {
    // Printable ASCII, line breaks and tabs need no stand-in: most output
    // (a summary of every segment of a large file) is that, found a byte
    // at a time rather than a character at a time.
    let plain = |b: &u8| matches!(b, b' '..=b'~' | b'\n' | b'\t');
    if text.as_bytes().iter().all(plain) {
        return Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\n' => c,
            _ => stand_in(c).unwrap_or(c),
        })
        .collect()
}

/// The visible character shown instead of `c`, if `c` must not reach a
/// terminal as it is: C0 controls become their Unicode pictures (␛ for
/// ESC), DEL ␡, and C1 controls, line and paragraph separators and
/// invisible format characters (zero-width space, bidi overrides, byte
/// order mark, soft hyphen: the parser's own list) �. A tab is kept: the
/// handler expands it.
pub fn stand_in(c: char) -> Option<char> {
    match c {
        '\t' => None,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => Some('\u{fffd}'),
        c if crate::syntax::chars::is_format(c) => Some('\u{fffd}'),
        _ => None,
    }
}

/// The labels of `diagnostic` to show, at most [`MAX_LABELS`], primary
/// ones first; and how many are left out.
fn labels_of(diagnostic: &dyn Diagnostic) -> (Vec<LabeledSpan>, usize) {
    let mut labels: Vec<LabeledSpan> = diagnostic.labels().into_iter().flatten().collect();
    let total = labels.len();
    if total > MAX_LABELS {
        // A stable sort keeps the order within primary and other labels.
        labels.sort_by_key(|label| !label.primary());
        labels.truncate(MAX_LABELS);
        labels.sort_by_key(LabeledSpan::offset);
    }
    let shown = labels.len();
    (labels, total - shown)
}

/// A label's start and end, inside the text and on character boundaries.
fn ends(label: &LabeledSpan, text: &str) -> (usize, usize) {
    let start = floor_boundary(text, label.offset());
    let end = floor_boundary(text, label.offset().saturating_add(label.len())).max(start);
    (start, end)
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where lines start, and the positions of the labels' ends.
struct Positions<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
    /// Sorted, deduplicated offsets and their positions.
    points: Vec<(usize, Position)>,
}

impl<'t> Positions<'t> {
    fn new(text: &'t str, mut offsets: Vec<usize>) -> Self {
        offsets.sort_unstable();
        offsets.dedup();
        let positions = locate(text, &offsets);
        // A final line break ends the last line; it does not open another.
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&start| start == 0 || start < text.len())
            .collect();
        Positions {
            text,
            line_starts,
            points: offsets.into_iter().zip(positions).collect(),
        }
    }

    /// The character column of one of the offsets given to `new`.
    fn column(&self, offset: usize) -> usize {
        match self.points.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(i) => self.points[i].1.column,
            Err(_) => {
                let line = self.line(self.line_index(offset));
                self.text[line.start..offset.max(line.start)]
                    .chars()
                    .count()
            }
        }
    }

    /// The index of the line holding `offset` (a line's `\n` belongs to it).
    fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// The byte range of line `index`, without its line break.
    fn line(&self, index: usize) -> Range<usize> {
        let start = self.line_starts[index];
        let mut end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let bytes = self.text.as_bytes();
        // The last line's own break, then a CRLF line's CR.
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

/// One line of a view: which original line it shows and how its pieces
/// map back.
struct ViewLine {
    /// The original line number, from 0.
    line: usize,
    /// Its text in the view, without the `\n` that follows it.
    view: Range<usize>,
    /// The parts of the original line it shows, in order.
    pieces: Vec<Piece>,
}

/// A run of the original line copied into the view, or one character
/// replaced by its stand-in.
struct Piece {
    original: Range<usize>,
    view: Range<usize>,
    /// The character column of `original.start` in its line.
    column: usize,
    verbatim: bool,
}

/// What miette reads: the lines near one diagnostic's labels, cut to
/// windows, with the original line numbers.
struct View {
    name: String,
    text: String,
    lines: Vec<ViewLine>,
}

impl View {
    /// The view for labels whose ends are `points` (pairs of start and
    /// end, inside the text and at most [`MAX_LABEL_LINES`] apart).
    fn new(name: &str, positions: &Positions<'_>, points: &[(usize, usize)]) -> View {
        // The lines to show, each with the offsets to keep in view on it.
        let mut lines: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let last_line = positions.line_starts.len() - 1;
        for &(start, end) in points {
            let first = positions.line_index(start);
            let last = positions.line_index(end);
            for line in first.saturating_sub(CONTEXT_LINES)..=(last + CONTEXT_LINES).min(last_line)
            {
                lines.entry(line).or_default();
            }
            lines.entry(first).or_default().push(start);
            lines.entry(last).or_default().push(end);
        }
        let mut view = View {
            name: name.to_owned(),
            text: String::new(),
            lines: Vec::with_capacity(lines.len()),
        };
        for (line, points) in lines {
            view.push(positions, line, &points);
        }
        view
    }

    fn push(&mut self, positions: &Positions<'_>, line_number: usize, points: &[usize]) {
        let range = positions.line(line_number);
        let line = &positions.text[range.clone()];
        let merged = windows(positions, range.clone(), points);

        let view_start = self.text.len();
        let mut pieces = Vec::new();
        let mut shown_to = 0;
        for (window, column) in merged {
            if window.start > shown_to {
                self.text.push('…');
            }
            let mut run_start = window.start;
            let mut run_view = self.text.len();
            let mut run_column = column;
            for (column, (i, c)) in (column..).zip(line[window.clone()].char_indices()) {
                let at = window.start + i;
                if let Some(picture) = stand_in(c) {
                    if at > run_start {
                        pieces.push(Piece {
                            original: range.start + run_start..range.start + at,
                            view: run_view..self.text.len(),
                            column: run_column,
                            verbatim: true,
                        });
                    }
                    let view = self.text.len();
                    self.text.push(picture);
                    pieces.push(Piece {
                        original: range.start + at..range.start + at + c.len_utf8(),
                        view: view..self.text.len(),
                        column,
                        verbatim: false,
                    });
                    run_start = at + c.len_utf8();
                    run_view = self.text.len();
                    run_column = column + 1;
                } else {
                    self.text.push(c);
                }
            }
            if window.end > run_start || pieces.is_empty() {
                pieces.push(Piece {
                    original: range.start + run_start..range.start + window.end,
                    view: run_view..self.text.len(),
                    column: run_column,
                    verbatim: true,
                });
            }
            shown_to = window.end;
        }
        if shown_to < line.len() {
            self.text.push('…');
        }
        let view_end = self.text.len();
        self.text.push('\n');
        self.lines.push(ViewLine {
            line: line_number,
            view: view_start..view_end,
            pieces,
        });
    }

    /// Where an original offset appears in the view.
    fn map(&self, offset: usize) -> usize {
        let line = self
            .lines
            .partition_point(|l| l.pieces.first().is_some_and(|p| p.original.start <= offset))
            .saturating_sub(1);
        let Some(line) = self.lines.get(line) else {
            return 0;
        };
        let i = line
            .pieces
            .partition_point(|p| p.original.start <= offset)
            .saturating_sub(1);
        match line.pieces.get(i) {
            Some(piece) if offset <= piece.original.end => {
                if piece.verbatim {
                    piece.view.start + (offset - piece.original.start)
                } else if offset == piece.original.start {
                    piece.view.start
                } else {
                    piece.view.end
                }
            }
            // Left out of the view: the `…` that stands for it.
            Some(piece) => piece.view.end,
            None => line.view.start,
        }
    }

    /// The original line and character column of a view offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let i = self
            .lines
            .partition_point(|l| l.view.start <= offset)
            .saturating_sub(1);
        let line = &self.lines[i];
        let piece = line
            .pieces
            .iter()
            .take_while(|p| p.view.start <= offset)
            .last();
        let column = match piece {
            Some(p) if p.verbatim => {
                let end = offset.min(p.view.end);
                p.column + self.text[p.view.start..end].chars().count()
            }
            Some(p) => p.column,
            None => 0,
        };
        (line.line, column)
    }
}

/// The windows of line `range` to show around `points` (offsets in the
/// whole text), in bytes of the line, each with the column it starts at;
/// overlapping or nearly touching windows are merged.
fn windows(
    positions: &Positions<'_>,
    range: Range<usize>,
    points: &[usize],
) -> Vec<(Range<usize>, usize)> {
    let line = &positions.text[range.clone()];
    let mut windows: Vec<(Range<usize>, usize)> = Vec::new();
    if points.is_empty() {
        let end = advance(line, 0, 2 * WINDOW);
        windows.push((0..end, 0));
    }
    for &point in points {
        // A point on the line break is shown at the line's end.
        let at = point.clamp(range.start, range.end) - range.start;
        let back = retreat(line, at, WINDOW);
        let column = positions.column(range.start + at) - line[back..at].chars().count();
        let forward = advance(line, at, WINDOW);
        windows.push((back..forward, column));
    }
    windows.sort_by_key(|(w, _)| w.start);
    let mut merged: Vec<(Range<usize>, usize)> = Vec::new();
    for (window, column) in windows {
        match merged.last_mut() {
            // Windows that overlap or nearly touch become one.
            Some((last, _)) if window.start <= advance(line, last.end, 3) => {
                last.end = last.end.max(window.end);
            }
            _ => merged.push((window, column)),
        }
    }
    merged
}

/// The byte offset `count` characters after `at` in `line`, or its end.
fn advance(line: &str, at: usize, count: usize) -> usize {
    line[at..]
        .char_indices()
        .nth(count)
        .map_or(line.len(), |(i, _)| at + i)
}

/// The byte offset `count` characters before `at` in `line`, or its start.
fn retreat(line: &str, at: usize, count: usize) -> usize {
    line[..at]
        .char_indices()
        .rev()
        .nth(count.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

impl SourceCode for View {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if self.lines.is_empty() || span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let find = |offset: usize| {
            self.lines
                .partition_point(|l| l.view.start <= offset)
                .saturating_sub(1)
        };
        let first = find(span.offset());
        let last = find(span.offset() + span.len().saturating_sub(1)).max(first);
        // Context stops where the view skips original lines.
        let mut start = first;
        while start > 0
            && first - start < before
            && self.lines[start - 1].line + 1 == self.lines[start].line
        {
            start -= 1;
        }
        let mut end = last;
        while end + 1 < self.lines.len()
            && end - last < after
            && self.lines[end].line + 1 == self.lines[end + 1].line
        {
            end += 1;
        }
        if (first..last).any(|i| self.lines[i].line + 1 != self.lines[i + 1].line) {
            // A span over lines the view leaves out cannot be shown as one.
            return Err(MietteError::OutOfBounds);
        }
        let data_start = self.lines[start].view.start;
        let data_end = (self.lines[end].view.end + 1).min(self.text.len());
        let column = if before == 0 {
            self.position(span.offset()).1
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            self.lines[start].line,
            column,
            end - start + 1,
        )))
    }
}

/// A diagnostic as shown: its texts made printable, its labels moved into
/// its own view.
struct Shown {
    message: String,
    code: Option<String>,
    help: Option<String>,
    severity: Option<Severity>,
    labels: Vec<LabeledSpan>,
    view: Option<View>,
    related: Vec<Shown>,
}

impl Shown {
    fn new(
        diagnostic: &dyn Diagnostic,
        (labels, hidden_labels): (Vec<LabeledSpan>, usize),
        name: &str,
        text: &str,
        positions: &Positions<'_>,
        related: Vec<Shown>,
    ) -> Shown {
        let (view, labels) = if labels.is_empty() {
            (None, labels)
        } else {
            let mut points: Vec<(usize, usize)> = labels.iter().map(|l| ends(l, text)).collect();
            // A label over many lines is shown on its first line only.
            for (start, end) in &mut points {
                let first = positions.line_index(*start);
                if positions.line_index(*end) - first > MAX_LABEL_LINES {
                    *end = positions.line(first).end.max(*start);
                }
            }
            let view = View::new(&printable(name), positions, &points);
            let labels = labels
                .iter()
                .zip(&points)
                .map(|(label, &(start, end))| {
                    let from = view.map(start);
                    let to = view.map(end).max(from);
                    let text = label.label().map(printable);
                    if label.primary() {
                        LabeledSpan::new_primary_with_span(text, (from, to - from))
                    } else {
                        LabeledSpan::new_with_span(text, (from, to - from))
                    }
                })
                .collect();
            (Some(view), labels)
        };
        Shown {
            message: printable(&diagnostic.to_string()),
            code: diagnostic.code().map(|c| printable(&c.to_string())),
            help: match (
                diagnostic.help().map(|h| printable(&h.to_string())),
                hidden_labels,
            ) {
                (help, 0) => help,
                (help, hidden) => {
                    let more = format!(
                        "{hidden} more place{} not shown; `--message-format json` lists every one",
                        if hidden == 1 { " is" } else { "s are" }
                    );
                    Some(help.map_or(more.clone(), |help| format!("{help}\n{more}")))
                }
            },
            severity: diagnostic.severity(),
            labels,
            view,
            related,
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.view.as_ref().map(|v| v as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)) as Box<_>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("bad")]
    struct Bad {
        #[label("here")]
        span: SourceSpan,
    }

    fn shown(text: &str, span: (usize, usize)) -> String {
        render(&Bad { span: span.into() }, "in.hcq", text, Style::plain())
    }

    #[test]
    fn a_label_far_along_a_long_line_is_shown_in_a_window() {
        let text = format!("name = \"{}\" and", "a".repeat(70_000));
        let out = shown(&text, (text.len() - 3, 3));
        assert!(out.contains("[in.hcq:1:70011]"), "{out}");
        assert!(out.contains("…aaaa") && out.contains("\" and"), "{out}");
        assert!(out.len() < 2_000, "{}", out.len());
    }

    #[test]
    fn control_characters_never_reach_the_output() {
        let text = "city = \u{1b}[31mKyiv\u{7}\u{200b} and\r\nx";
        let out = shown(text, (7, 5));
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{200b}'));
        assert!(out.contains("␛[31mKyiv␇�"), "{out}");
    }

    #[test]
    fn labels_on_distant_lines_keep_their_line_numbers() {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("line {i}\n"));
        }
        let at = text.find("line 700").unwrap();
        let out = shown(&text, (at, 8));
        assert!(out.contains("[in.hcq:701:1]"), "{out}");
        assert!(
            out.contains("700 │ line 699") && out.contains("702 │ line 701"),
            "{out}"
        );
        assert!(!out.contains("line 698"), "{out}");
    }

    #[test]
    fn columns_count_characters() {
        let text = "city = Київ and emial ~ x";
        let at = text.find("emial").unwrap();
        let out = shown(text, (at, 5));
        assert!(out.contains("[in.hcq:1:17]"), "{out}");
    }
}
