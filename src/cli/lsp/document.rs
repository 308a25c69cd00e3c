//! An open document, and the one place where byte offsets and protocol
//! positions meet.
//!
//! The compiler counts bytes; the protocol counts lines and, within a
//! line, UTF-16 code units (the only encoding VS Code speaks, and the
//! protocol's default). A line break is `\n`, `\r\n` or a lone `\r`, as
//! the protocol says, although hcq's grammar only counts `\n`: a position
//! must name the line the editor shows.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// One open document: its text and where its lines start.
#[derive(Debug)]
pub(crate) struct Document {
    text: String,
    /// The version the client last sent, echoed in diagnostics.
    version: i32,
    lines: LineIndex,
}

impl Document {
    pub fn new(text: String, version: i32) -> Document {
        let lines = LineIndex::new(&text);
        Document {
            text,
            version,
            lines,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// Applies the client's changes in order: a change with a range
    /// replaces that range, one without replaces the whole text.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, version: i32) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = self.lines.offset(&self.text, range.start);
                    let end = self.lines.offset(&self.text, range.end);
                    // A range given end first is taken as the range between.
                    let (start, end) = (start.min(end), start.max(end));
                    self.text.replace_range(start..end, &change.text);
                }
                None => self.text = change.text,
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
    }

    /// The byte offset of a protocol position in this document.
    pub fn offset(&self, position: Position) -> usize {
        self.lines.offset(&self.text, position)
    }

    /// The protocol range of the bytes `start..end`.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The protocol position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }

    /// The protocol range of the whole text.
    pub fn full_range(&self) -> Range {
        self.range(0, self.text.len())
    }
}

/// Where each line of a text starts, in bytes.
#[derive(Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The line holding byte `offset` and where it starts.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        (line, self.starts[line])
    }

    /// The bytes of line `line` without its line break.
    fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self.starts[line];
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The position of byte `offset` (past the end: the end; inside a
    /// character: that character's start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp(text, offset);
        let (line, start) = self.line_of(offset);
        let column = utf16_len(&text[start..offset]);
        Position::new(to_u32(line), to_u32(column))
    }

    /// The byte offset of `position`. As the protocol says, a character
    /// past the line's end means the line's end; a line past the last, the
    /// text's end; and a character in the middle of a surrogate pair is
    /// taken as the start of its character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.starts[line];
        let mut units = 0;
        let wanted = position.character as usize;
        for (i, c) in self.line_text(text, line).char_indices() {
            units += c.len_utf16();
            if units > wanted {
                return start + i;
            }
        }
        start + self.line_text(text, line).len()
    }

    /// The positions of many offsets, in the order given, walking each line
    /// once however many offsets it holds (a 1 MB line with thousands of
    /// mistakes costs one pass, not one per mistake).
    pub fn positions(&self, text: &str, offsets: &[usize]) -> Vec<Position> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let mut positions = vec![Position::default(); offsets.len()];
        // The sweep: byte `at` is at UTF-16 column `column` of line `line`.
        let (mut line, mut at, mut column) = (0, 0, 0);
        for i in order {
            let offset = clamp(text, offsets[i]);
            let (target_line, start) = self.line_of(offset);
            if target_line != line || at > offset {
                (line, at, column) = (target_line, start, 0);
            }
            column += utf16_len(&text[at..offset]);
            at = offset;
            positions[i] = Position::new(to_u32(line), to_u32(column));
        }
        positions
    }
}

/// `offset` moved back to a place a position can name: the text's end at
/// most, a character's start, and not between the `\r` and `\n` of a
/// line break (that is the end of the line, before the `\r`).
fn clamp(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let bytes = text.as_bytes();
    if offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n') {
        offset -= 1;
    }
    offset
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Lines and columns over `u32::MAX` cannot be sent; no text hcq reads
/// (64 MiB at most) has them.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::{Document, LineIndex};
    use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

    fn at(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn positions_count_utf16_units_and_every_kind_of_line_break() {
        // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units.
        let text = "ab\r\né😀x\rz\n";
        let lines = LineIndex::new(text);
        let cases = [
            (0, at(0, 0)),
            (2, at(0, 2)),
            (3, at(0, 2)),
            (4, at(1, 0)),
            (6, at(1, 1)),
            (8, at(1, 1)),
            (10, at(1, 3)),
            (11, at(1, 4)),
            (12, at(2, 0)),
            (13, at(2, 1)),
            (14, at(3, 0)),
            (99, at(3, 0)),
        ];
        for (offset, position) in cases {
            assert_eq!(lines.position(text, offset), position, "offset {offset}");
        }
        let offsets: Vec<usize> = cases.iter().rev().map(|&(offset, _)| offset).collect();
        let expected: Vec<Position> = cases.iter().rev().map(|&(_, position)| position).collect();
        assert_eq!(lines.positions(text, &offsets), expected);
    }

    #[test]
    fn offsets_clamp_to_the_line_and_to_whole_characters() {
        let text = "ab\r\né😀x\rz";
        let lines = LineIndex::new(text);
        let cases = [
            (at(0, 0), 0),
            (at(0, 2), 2),
            (at(0, 9), 2),
            (at(1, 1), 6),
            (at(1, 2), 6),
            (at(1, 3), 10),
            (at(1, 4), 11),
            (at(1, 40), 11),
            (at(2, 1), 13),
            (at(7, 0), 13),
        ];
        for (position, offset) in cases {
            assert_eq!(lines.offset(text, position), offset, "{position:?}");
        }
    }

    #[test]
    fn incremental_changes_replace_ranges_in_order() {
        let mut document = Document::new("segment a\n  emial ~ 😀x\n".into(), 1);
        let change = |range: Option<Range>, text: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.into(),
        };
        document.apply(
            vec![
                change(Some(Range::new(at(1, 2), at(1, 7))), "email"),
                change(Some(Range::new(at(1, 10), at(1, 12))), "gmail"),
            ],
            2,
        );
        assert_eq!(document.text(), "segment a\n  email ~ gmailx\n");
        document.apply(vec![change(None, "tag = Lead")], 3);
        assert_eq!((document.text(), document.version()), ("tag = Lead", 3));
    }
}
