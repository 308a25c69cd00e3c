//! Where each comment goes: beside which piece of the layout, before it,
//! at the end of its line, or at the end of a segment's body (the rule
//! the module documentation of `format` says in words).

use crate::ast::Span;

/// Where a comment goes, relative to one piece; ordered as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum At {
    /// On its own line before the line that begins with the piece (after
    /// every piece: at the end of the file).
    Before,
    /// At the end of the line that ends with the piece.
    EndOfLine,
    /// On its own line at the end of the body of the segment whose last
    /// piece this is.
    EndOfBody,
}

/// A place for a comment: `at` piece number `piece`. Ordered as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    piece: usize,
    at: At,
}

/// Where the comments go.
pub(super) struct Placed {
    /// Comments on their own lines before the line beginning with piece
    /// `j`; the last entry (one past the pieces) holds those at the end.
    pub(super) before: Vec<Vec<Span>>,
    /// The comment at the end of the line ending with piece `j`.
    pub(super) end_of_line: Vec<Option<Span>>,
    /// Comments at the end of the body of item `i`.
    pub(super) end_of_body: Vec<Vec<Span>>,
}

impl Placed {
    /// Whether a comment sits between pieces `j` and `j + 1`, so that they
    /// must be on different lines.
    pub(super) fn splits_after(&self, j: usize) -> bool {
        self.end_of_line[j].is_some() || !self.before[j + 1].is_empty()
    }
}

/// The placement rule (the module documentation says it in words).
/// `pieces` are the source ranges of all pieces in order, `owner` the item
/// of each, `bodies` whether each item is a segment.
pub(super) fn place_comments(
    text: &str,
    comments: &[Span],
    pieces: &[Span],
    owner: &[usize],
    bodies: &[bool],
) -> Placed {
    let count = pieces.len();
    let mut placed = Placed {
        before: vec![Vec::new(); count + 1],
        end_of_line: vec![None; count],
        end_of_body: vec![Vec::new(); bodies.len()],
    };
    // A comment on its own line after piece `last` (before every piece
    // when `None`): before the next piece, unless it is indented after the
    // last piece of a segment, whose body it ends.
    let own_line_after = |last: Option<usize>, comment: Span| match last {
        Some(j)
            if bodies[owner[j]]
                && owner.get(j + 1) != Some(&owner[j])
                && line_start(text, comment.start) < comment.start =>
        {
            Slot {
                piece: j,
                at: At::EndOfBody,
            }
        }
        _ => Slot {
            piece: last.map_or(0, |j| j + 1),
            at: At::Before,
        },
    };
    // Where the last comment went: comments keep their order.
    let mut cursor = Slot {
        piece: 0,
        at: At::Before,
    };
    for &comment in comments {
        let last = pieces
            .partition_point(|p| p.start <= comment.start)
            .checked_sub(1);
        let natural = match last {
            // Inside a piece: deeper than the layout breaks.
            Some(j) if comment.start < pieces[j].end => Slot {
                piece: j,
                at: At::Before,
            },
            // On the line where the piece ends.
            Some(j) if line_start(text, comment.start) < pieces[j].end => Slot {
                piece: j,
                at: At::EndOfLine,
            },
            _ => own_line_after(last, comment),
        };
        // Natural places follow the text, except at the end of a segment:
        // an indented comment after one at column 0 goes where that one
        // went. (Only one comment can be on the line where a piece ends,
        // so no place at the end of a line is taken twice.)
        let slot = natural.max(cursor);
        match slot.at {
            At::Before => placed.before[slot.piece].push(comment),
            At::EndOfLine => {
                debug_assert!(placed.end_of_line[slot.piece].is_none());
                placed.end_of_line[slot.piece] = Some(comment);
            }
            At::EndOfBody => placed.end_of_body[owner[slot.piece]].push(comment),
        }
        cursor = slot;
    }
    placed
}

/// `span` without the blanks and comments at its end. (A parsed span
/// may end past them: pest's implicit whitespace after an optional part
/// that is absent, such as `asc` in `sort by lastSeen`, is kept in it.)
pub(super) fn trim_span(text: &str, comments: &[Span], span: Span) -> Span {
    let Some(mut covered) = text.get(span.start..span.end) else {
        return span;
    };
    loop {
        covered = covered.trim_end();
        let end = span.start + covered.len();
        // A comment ending exactly here.
        let k = comments.partition_point(|c| c.end < end);
        match comments.get(k) {
            Some(c) if c.end == end && c.start >= span.start => {
                covered = &covered[..c.start - span.start];
            }
            _ => return Span::new(span.start, end),
        }
    }
}

/// The offset of the line holding `offset`.
pub(super) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}
