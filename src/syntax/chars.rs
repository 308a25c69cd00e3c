//! Characters by what they are to hcq: the grammar's character classes
//! (blanks, name characters, word characters), defined here once for every
//! scanner of the text; and the characters a diagnostic cannot simply
//! show: ones nobody can see (a no-break space looks like a space, a
//! zero-width space like nothing at all) and typographic quotes, which
//! look like `"` but are not. Text copied from web pages, word processors
//! and chats is full of both.

use pest::unicode;

/// How the grammar classes one character, where the class matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `ident_char`: a letter, digit, mark or `_`; what continues a name or
    /// a keyword (`order` is not `or`, `noté` is not `not`).
    Ident,
    /// In `word_char` but not `ident_char`: `. @ + - : /`, which continue
    /// a bare word (`user@x.io`, `a-b`) but not a keyword.
    WordPunct,
    /// Anything else, or the end of the input.
    Other,
}

/// The grammar's blanks (`WHITESPACE`): space, tab, line feed and carriage
/// return; no other space, however it looks.
#[inline]
pub fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// An ASCII `ident_char`.
#[inline]
pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An ASCII `word_char`.
#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    is_ident_byte(b) || matches!(b, b'.' | b'@' | b'+' | b'-' | b':' | b'/')
}

/// The class of `c`. Outside ASCII, the grammar's `LETTER`, `MARK` and
/// `NUMBER` are pest's own Unicode tables, which this asks too, so that
/// the classes cannot drift from the grammar's.
#[inline]
pub fn class(c: char) -> Class {
    if c.is_ascii() {
        ascii_class(c as u8)
    } else {
        unicode_class(c)
    }
}

#[inline]
fn ascii_class(b: u8) -> Class {
    if is_ident_byte(b) {
        Class::Ident
    } else if is_word_byte(b) {
        Class::WordPunct
    } else {
        Class::Other
    }
}

/// The class of a character outside ASCII, from the Unicode tables (the
/// slow path, kept out of line).
fn unicode_class(c: char) -> Class {
    if unicode::LETTER(c) || unicode::MARK(c) || unicode::NUMBER(c) {
        Class::Ident
    } else {
        Class::Other
    }
}

/// The class of the character at byte `at` of `source` (a character
/// boundary) and its length in bytes; `(Class::Other, 0)` at the end.
#[inline]
pub fn class_at(source: &str, at: usize) -> (Class, usize) {
    match source.as_bytes().get(at) {
        None => (Class::Other, 0),
        Some(&b) if b.is_ascii() => (ascii_class(b), 1),
        Some(_) => {
            let c = source[at..]
                .chars()
                .next()
                .expect("a character at a boundary");
            (class(c), c.len_utf8())
        }
    }
}

/// The grammar's `ALPHABETIC`, what a unit of time (`30d`) is made of.
pub(crate) fn is_alphabetic(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && unicode::ALPHABETIC(c))
}

/// Whether `c` continues a bare word (`word_char`).
pub fn is_word_char(c: char) -> bool {
    class(c) != Class::Other
}

/// What kind of invisible character, for the advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Invisible {
    /// A space that is not U+0020, or a line break the grammar does not
    /// know: it looks like a blank and is not one.
    Space,
    /// A control character (NUL, ESC, …).
    Control,
    /// A zero-width or direction-changing format character.
    Format,
    /// U+FEFF past the start of the input, where it is no byte order mark.
    ByteOrderMark,
}

impl Invisible {
    /// The advice for a character of this kind.
    pub(super) fn help(self) -> &'static str {
        match self {
            Invisible::Space => {
                "this is not an ordinary space, though it looks like one (text copied from \
                 web pages and word processors often holds such characters); replace it \
                 with a space, or quote the text it belongs to"
            }
            Invisible::Control => {
                "a control character has no place in hcq text; delete it (it may come from \
                 a binary file or a terminal)"
            }
            Invisible::Format => {
                "this character is invisible (text copied from web pages and chats often \
                 holds such characters); delete it, or quote the text it belongs to"
            }
            Invisible::ByteOrderMark => {
                "a byte order mark is allowed only at the very start of the input; delete \
                 this one"
            }
        }
    }
}

/// `c`'s code point and name, and its kind, when it is invisible: the
/// grammar's own blanks (space, tab, line feed, carriage return) are not.
/// Characters without a well-known name get a description instead.
pub(super) fn invisible(c: char) -> Option<(String, &'static str, Invisible)> {
    let kind = match c {
        ' ' | '\t' | '\n' | '\r' => return None,
        '\u{FEFF}' => Invisible::ByteOrderMark,
        c if c.is_control() && !c.is_whitespace() => Invisible::Control,
        c if c.is_whitespace() => Invisible::Space,
        c if is_format(c) => Invisible::Format,
        _ => return None,
    };
    let name = name(c).unwrap_or(match kind {
        Invisible::Control => "(a control character)",
        Invisible::Space => "(a space character)",
        Invisible::Format | Invisible::ByteOrderMark => "(an invisible formatting character)",
    });
    Some((code_point(c), name, kind))
}

/// `U+00A0`.
pub(super) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Whether `c` is an invisible format character (general category Cf,
/// the ones that show nothing). The binary's renderer hides the same ones.
pub(crate) fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// The Unicode name of a common invisible character (for a control
/// character, its usual alias: Unicode names them all `<control>`).
fn name(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NULL",
        "START OF HEADING",
        "START OF TEXT",
        "END OF TEXT",
        "END OF TRANSMISSION",
        "ENQUIRY",
        "ACKNOWLEDGE",
        "BELL",
        "BACKSPACE",
        "CHARACTER TABULATION",
        "LINE FEED",
        "LINE TABULATION",
        "FORM FEED",
        "CARRIAGE RETURN",
        "SHIFT OUT",
        "SHIFT IN",
        "DATA LINK ESCAPE",
        "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO",
        "DEVICE CONTROL THREE",
        "DEVICE CONTROL FOUR",
        "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE",
        "END OF TRANSMISSION BLOCK",
        "CANCEL",
        "END OF MEDIUM",
        "SUBSTITUTE",
        "ESCAPE",
        "INFORMATION SEPARATOR FOUR",
        "INFORMATION SEPARATOR THREE",
        "INFORMATION SEPARATOR TWO",
        "INFORMATION SEPARATOR ONE",
    ];
    if let Some(name) = usize::try_from(u32::from(c)).ok().and_then(|i| C0.get(i)) {
        return Some(name);
    }
    Some(match c {
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{A0}' => "NO-BREAK SPACE",
        '\u{AD}' => "SOFT HYPHEN",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{2000}' => "EN QUAD",
        '\u{2001}' => "EM QUAD",
        '\u{2002}' => "EN SPACE",
        '\u{2003}' => "EM SPACE",
        '\u{2004}' => "THREE-PER-EM SPACE",
        '\u{2005}' => "FOUR-PER-EM SPACE",
        '\u{2006}' => "SIX-PER-EM SPACE",
        '\u{2007}' => "FIGURE SPACE",
        '\u{2008}' => "PUNCTUATION SPACE",
        '\u{2009}' => "THIN SPACE",
        '\u{200A}' => "HAIR SPACE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}' => "FUNCTION APPLICATION",
        '\u{2062}' => "INVISIBLE TIMES",
        '\u{2063}' => "INVISIBLE SEPARATOR",
        '\u{2064}' => "INVISIBLE PLUS",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        _ => return None,
    })
}

/// Typographic quotation marks, with their names: what a word processor
/// or a phone types for `"`.
const TYPOGRAPHIC_QUOTES: [(char, &str); 12] = [
    ('\u{201C}', "LEFT DOUBLE QUOTATION MARK"),
    ('\u{201D}', "RIGHT DOUBLE QUOTATION MARK"),
    ('\u{201E}', "DOUBLE LOW-9 QUOTATION MARK"),
    ('\u{201F}', "DOUBLE HIGH-REVERSED-9 QUOTATION MARK"),
    ('\u{2018}', "LEFT SINGLE QUOTATION MARK"),
    ('\u{2019}', "RIGHT SINGLE QUOTATION MARK"),
    ('\u{201A}', "SINGLE LOW-9 QUOTATION MARK"),
    ('\u{201B}', "SINGLE HIGH-REVERSED-9 QUOTATION MARK"),
    ('\u{00AB}', "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('\u{00BB}', "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK"),
    ('\u{2039}', "SINGLE LEFT-POINTING ANGLE QUOTATION MARK"),
    ('\u{203A}', "SINGLE RIGHT-POINTING ANGLE QUOTATION MARK"),
];

/// The name of `c` if it is a typographic quotation mark (or the
/// full-width `＂`).
pub(super) fn typographic_quote(c: char) -> Option<&'static str> {
    if c == '\u{FF02}' {
        return Some("FULLWIDTH QUOTATION MARK");
    }
    TYPOGRAPHIC_QUOTES
        .iter()
        .find(|&&(quote, _)| quote == c)
        .map(|&(_, name)| name)
}

/// The help for a typographic quote at byte `pos` of `source`, with an
/// example to copy: a quote inside a word (`O’Brien`) is text, so the
/// word in straight quotes; one that opens text closed by another on the
/// same line (`“Kyiv”`), that text in straight quotes.
pub(super) fn typographic_quote_help(source: &str, pos: usize) -> String {
    let part_of_word = |c: char| is_word_char(c) || typographic_quote(c).is_some();
    let rest = &source[pos..];
    let open = rest.chars().next().unwrap_or('"');
    let after = &rest[open.len_utf8()..];
    let inside_word = source[..pos].chars().next_back().is_some_and(is_word_char);
    let example = if inside_word {
        let start = source[..pos]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| part_of_word(c))
            .last()
            .map_or(pos, |(i, _)| i);
        let end = rest
            .find(|c| !part_of_word(c))
            .map_or(source.len(), |n| pos + n);
        // A quote at the word's end closes nothing hcq reads: leave it out.
        Some(source[start..end].trim_matches(|c| typographic_quote(c).is_some()))
            .filter(|word| !word.is_empty())
    } else {
        let line = after.split('\n').next().unwrap_or_default();
        line.find(|c| typographic_quote(c).is_some())
            .map(|end| &line[..end])
            .filter(|inner| !inner.is_empty())
    };
    let example = example
        .unwrap_or("Ann Lee")
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!(
        "`{open}` is a typographic quotation mark, not a quote to hcq: quote text with \
         the straight `\"` instead, as in `\"{example}\"`"
    )
}
