//! [`crate::ast`] to [`crate::typed`]. (Scaffold: the check helper replaces this file.)

use crate::limits::Limits;
use crate::schema::Schema;
use crate::{ast, typed};
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// What the checker needs besides the tree.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The fields.
    pub schema: Schema,
    /// What `now` means.
    pub now: jiff::Timestamp,
    /// The bounds.
    pub limits: Limits,
}

/// A field, operator or value that does not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum CheckError {
    /// Placeholder.
    #[error("the checker is not written yet")]
    #[diagnostic(code(hcq::check::unimplemented))]
    Unimplemented {
        /// Where.
        #[label]
        span: SourceSpan,
    },
}

/// Checks a query, collecting every error.
pub fn check_query(query: &ast::Query, cx: &Context) -> Result<typed::Query, Vec<CheckError>> {
    let _ = (query, cx);
    Err(vec![CheckError::Unimplemented {
        span: (0, 0).into(),
    }])
}
