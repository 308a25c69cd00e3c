//! Semantic tokens: what each word of the document is, for highlighting
//! that knows a field from a value (which the TextMate grammar can only
//! guess from what follows): keywords, operators, strings, numbers and
//! dates, comments, fields, and segment names where defined and used.

use super::document::Document;
use super::index::Index;
use crate::syntax::token::{Kind, Lexer};
use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

/// The token types, in the order of the legend.
const TYPES: [SemanticTokenType; 7] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
];
const KEYWORD: u32 = 0;
const OPERATOR: u32 = 1;
const STRING: u32 = 2;
const NUMBER: u32 = 3;
const COMMENT: u32 = 4;
const FIELD: u32 = 5;
const SEGMENT: u32 = 6;
/// The modifier bit of a segment's name where it is defined.
const DECLARATION: u32 = 1;

/// The words the grammar reads as keywords, in any case (`grammar/hcq.pest`:
/// its `^"…"` literals).
const KEYWORDS: [&str; 13] = [
    "and", "or", "not", "in", "all", "now", "sort", "by", "limit", "offset", "asc", "desc",
    "segment",
];

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// The document's tokens, encoded as the protocol says (each relative to
/// the one before; none spans lines).
pub(crate) fn tokens(document: &Document, index: &Index) -> Vec<SemanticToken> {
    let text = document.text();
    let fields: Vec<usize> = index.fields.iter().map(|f| f.span.start).collect();
    let definitions: Vec<usize> = index
        .definitions
        .iter()
        .map(|d| d.name_span.start)
        .collect();
    let (mut fields, mut definitions) = (Starts::new(&fields), Starts::new(&definitions));
    // (start, end, type, modifiers) in bytes, in order.
    let mut found: Vec<(usize, usize, u32, u32)> = Vec::new();
    for token in Lexer::new(text) {
        let class = match token.kind {
            Kind::Comment => Some((COMMENT, 0)),
            Kind::String { .. } => Some((STRING, 0)),
            Kind::Number => Some((NUMBER, 0)),
            Kind::Compare(_) => Some((OPERATOR, 0)),
            Kind::Word => {
                let word = token.text(text);
                if fields.at(token.start) {
                    Some((FIELD, 0))
                } else if definitions.at(token.start) {
                    Some((SEGMENT, DECLARATION))
                } else if word.starts_with('@') {
                    Some((SEGMENT, 0))
                } else if word.starts_with(|c: char| c.is_ascii_digit()) {
                    Some((NUMBER, 0))
                } else if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                    Some((KEYWORD, 0))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((kind, modifiers)) = class {
            split_lines(text, token.start, token.end, |start, end| {
                found.push((start, end, kind, modifiers));
            });
        }
    }
    let offsets: Vec<usize> = found.iter().flat_map(|&(s, e, ..)| [s, e]).collect();
    let positions = document.lines().positions(text, &offsets);
    let mut tokens = Vec::with_capacity(found.len());
    let (mut line, mut character) = (0, 0);
    for (ends, &(_, _, kind, modifiers)) in positions.chunks_exact(2).zip(&found) {
        let (start, end) = (ends[0], ends[1]);
        if end.character <= start.character {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - character
        } else {
            start.character
        };
        (line, character) = (start.line, start.character);
        tokens.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: kind,
            token_modifiers_bitset: modifiers,
        });
    }
    tokens
}

/// Where names start, in file order, walked as the tokens are.
struct Starts<'a> {
    starts: &'a [usize],
}

impl<'a> Starts<'a> {
    fn new(starts: &'a [usize]) -> Starts<'a> {
        Starts { starts }
    }

    /// Whether a name starts at `offset`; names before it are passed.
    fn at(&mut self, offset: usize) -> bool {
        let before = self.starts.partition_point(|&start| start < offset);
        self.starts = &self.starts[before..];
        self.starts.first() == Some(&offset)
    }
}

/// Calls `each` with the parts of `start..end` between line breaks.
fn split_lines(text: &str, start: usize, end: usize, mut each: impl FnMut(usize, usize)) {
    let mut from = start;
    for (i, byte) in text.as_bytes()[start..end].iter().enumerate() {
        if matches!(byte, b'\n' | b'\r') {
            if from < start + i {
                each(from, start + i);
            }
            from = start + i + 1;
        }
    }
    if from < end {
        each(from, end);
    }
}
