//! [`crate::typed`] to [`crate::plan`]. (Scaffold: the lowering helper replaces this file.)

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// Why an expression cannot become a plan.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum LowerError {
    /// Placeholder.
    #[error("lowering is not written yet")]
    #[diagnostic(code(hcq::lower::unimplemented))]
    Unimplemented {
        /// Where.
        #[label]
        span: SourceSpan,
    },
}
