//! hcq compiles a small filter language into the JSON requests of
//! HelpCrunch's contact search.

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod eval;
pub mod format;
pub mod limits;
pub mod lower;
pub mod plan;
pub mod schema;
pub mod segment;
pub mod syntax;
pub mod typed;

pub use diagnostic::{Error, Problem};
pub use limits::Limits;
pub use schema::Schema;
