//! What is wrong with a JSON input, said in the API's terms and pointed
//! at where it is written.

use crate::ast::Span;
use miette::{Diagnostic, LabeledSpan};
use thiserror::Error;

/// One problem in a request body, an array of bodies or a plan.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct DecompileError {
    code: &'static str,
    message: String,
    label: String,
    help: Option<String>,
    span: Span,
}

impl DecompileError {
    pub(crate) fn new(
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        DecompileError {
            code,
            message: message.into(),
            label: label.into(),
            help: None,
            span,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where in the JSON the problem is.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl Diagnostic for DecompileError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(Some(self.label.clone()), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// The codes, one per kind of problem.
pub(crate) mod code {
    pub const JSON: &str = "hcq::decompile::json";
    pub const SHAPE: &str = "hcq::decompile::shape";
    pub const UNKNOWN_KEY: &str = "hcq::decompile::unknown_key";
    pub const DUPLICATE_KEY: &str = "hcq::decompile::duplicate_key";
    pub const MISSING_KEY: &str = "hcq::decompile::missing_key";
    pub const UNKNOWN_FIELD: &str = "hcq::decompile::unknown_field";
    pub const OPERATOR: &str = "hcq::decompile::operator";
    pub const VALUE_TYPE: &str = "hcq::decompile::value_type";
    pub const PAGE: &str = "hcq::decompile::page";
}
