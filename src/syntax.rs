//! Text to [`crate::ast`]. (Scaffold: the parse helper replaces this file.)

use crate::ast;
use crate::limits::Limits;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// What the parser can say about text that does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum ParseError {
    /// Placeholder until the grammar lands.
    #[error("the parser is not written yet")]
    #[diagnostic(code(hcq::parse::unimplemented))]
    Unimplemented {
        /// Where.
        #[label]
        span: SourceSpan,
    },
}

/// Parses one expression with its clauses.
pub fn parse_query(source: &str, limits: &Limits) -> Result<ast::Query, ParseError> {
    let _ = (source, limits);
    Err(ParseError::Unimplemented {
        span: (0, 0).into(),
    })
}

/// Parses a segment file.
pub fn parse_file(source: &str, limits: &Limits) -> Result<ast::File, ParseError> {
    let _ = (source, limits);
    Err(ParseError::Unimplemented {
        span: (0, 0).into(),
    })
}
