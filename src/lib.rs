//! hcq compiles a small filter language into the JSON requests of
//! HelpCrunch's contact search.
//!
//! ```
//! let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
//! let plan = hcq::compile(r#"email ~ "gmail" and (tag = Lead or id > 1000)"#, &options)?.plan;
//! // `a and (b or c)` needs two requests: the API takes one flat list per request.
//! assert_eq!(plan.requests.len(), 2);
//! let json = serde_json::to_string(&plan.requests[0].filter[0]).unwrap();
//! assert_eq!(json, r#"{"field":"customers.email","operator":"~","value":"gmail"}"#);
//!
//! // Mistakes come back as one error holding every problem, with spans.
//! let error = hcq::compile("emial ~ gmail and id > abc", &options).unwrap_err();
//! assert_eq!(error.problems().len(), 2);
//! # Ok::<(), hcq::Error>(())
//! ```
//!
//! The pipeline, one module per stage: [`syntax`] (text to [`ast`]),
//! [`check`](mod@check) (to [`typed`], against a [`schema`]), [`lower`] (negation
//! normal form, DNF, simplification, packing) and [`plan`] (the requests).
//! [`eval`] evaluates expressions and plans over contacts offline, and
//! [`run`] executes a plan against the API through a driver's own HTTP stack.
//! [`segment`] reads files of named segments that use each other by
//! `@name`, [`format`](mod@format) prints hcq text in one canonical layout,
//! and [`decompile`](mod@decompile) reads JSON request bodies and plans
//! back into it.
//!
//! ```
//! // `limit all` asks for every match: the plan pages through it, 100 rows
//! // a call, oldest first when no order is given.
//! let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
//! let plan = hcq::compile("tag = Lead limit all", &options)?.plan;
//! let merge = plan.merge.expect("every row is always merged");
//! assert_eq!((&*merge.page.sort, merge.page.limit), ("customers.firstSeen", None));
//! assert_eq!(plan.requests[0].limit, hcq::plan::MAX_PAGE);
//! # Ok::<(), hcq::Error>(())
//! ```
//!
//! ```
//! let text = "segment leads\n  tag = Lead\n\nsegment fresh_leads\n  @leads and lastSeen >= now - 30d\n";
//! let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
//! let compiled = hcq::segment::check_file("leads.hcq", text, &options)?;
//! assert_eq!(compiled.get("fresh_leads").unwrap().plan().requests[0].filter.len(), 2);
//! # Ok::<(), hcq::Error>(())
//! ```

pub mod ast;
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
pub mod contacts;
pub mod decompile;
pub mod diagnostic;
pub mod eval;
pub mod format;
mod json;
pub mod limits;
pub mod lower;
pub mod plan;
pub mod run;
pub mod schema;
pub mod segment;
pub mod syntax;
pub mod typed;

#[cfg(test)]
mod testing;

pub use diagnostic::{Error, Problem};
pub use limits::Limits;
pub use lower::{Lowered, PlanOptions};
pub use plan::Plan;
pub use schema::Schema;

/// What the fuzz targets (`fuzz/`) reach beyond the public API: the
/// pest-only parsers the hand-written fast path is held to. It exists only
/// under cargo-fuzz's `--cfg fuzzing`, and promises nothing.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use crate::{Limits, ast, syntax::ParseError};

    /// [`crate::syntax::parse_query`] by pest alone.
    pub fn parse_query_with_pest(source: &str, limits: &Limits) -> Result<ast::Query, ParseError> {
        crate::syntax::parse_query_with_pest(source, limits)
    }

    /// [`crate::syntax::parse_file`] by pest alone.
    pub fn parse_file_with_pest(source: &str, limits: &Limits) -> Result<ast::File, ParseError> {
        crate::syntax::parse_file_with_pest(source, limits)
    }
}

/// How to compile: the target, the bounds, the clock, and overrides of the
/// expression's `sort by` / `limit` / `offset` clauses.
///
/// Built from [`Options::default`] or [`Options::at`] and the `with_`
/// methods, so that a field added later breaks no caller:
///
/// ```
/// let mut limits = hcq::Limits::default();
/// limits.max_requests = 5;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH)
///     .with_limits(limits)
///     .with_source_name("leads.hcq");
/// assert_eq!(options.limits.max_requests, 5);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// The fields of the target.
    pub schema: Schema,
    /// The bounds on input and output.
    pub limits: Limits,
    /// What `now` means; `None` reads the system clock once per compilation.
    pub now: Option<jiff::Timestamp>,
    /// Overrides of the expression's clauses.
    pub page: PlanOptions,
    /// The name of the input in diagnostics (default `<expression>`).
    pub source_name: Option<String>,
}

impl Options {
    /// Default options with the clock fixed at `now`, for reproducible output.
    pub fn at(now: jiff::Timestamp) -> Self {
        Options {
            now: Some(now),
            ..Options::default()
        }
    }

    /// These options with the fields of `schema` as the target.
    pub fn with_schema(self, schema: Schema) -> Self {
        Options { schema, ..self }
    }

    /// These options with the bounds `limits`.
    pub fn with_limits(self, limits: Limits) -> Self {
        Options { limits, ..self }
    }

    /// These options with `page` over the expression's clauses.
    pub fn with_page(self, page: PlanOptions) -> Self {
        Options { page, ..self }
    }

    /// These options with `name` for the input in diagnostics.
    pub fn with_source_name(self, name: impl Into<String>) -> Self {
        Options {
            source_name: Some(name.into()),
            ..self
        }
    }

    fn check_context(&self) -> check::Context {
        check::Context {
            schema: self.schema,
            now: self.now.unwrap_or_else(jiff::Timestamp::now),
            limits: self.limits,
        }
    }

    fn error(&self, text: &str, problems: Vec<Problem>) -> Error {
        let name = self.source_name.as_deref().unwrap_or("<expression>");
        Error::new(name, text, problems)
    }

    /// Lowering's `warnings` as a report against `text` ([`Compiled`]'s
    /// form, which `hcq explain` also prints), or `None` when there are
    /// none.
    pub(crate) fn warnings(&self, text: &str, warnings: &[lower::LowerWarning]) -> Option<Error> {
        (!warnings.is_empty()).then(|| {
            let warnings = warnings.iter().cloned().map(Problem::from).collect();
            self.error(text, warnings)
        })
    }
}

/// Everything one compilation produced: the checked query, the plan with
/// its warnings, and a trace of each stage of lowering (what `hcq explain`
/// shows).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Compilation {
    /// The checked query.
    pub query: typed::Query,
    /// The plan and the warnings.
    pub lowered: Lowered,
    /// What each stage of lowering did.
    pub trace: lower::Trace,
}

impl Compilation {
    /// The stages of lowering explained for a person, against `text`, the
    /// text that was compiled: what `hcq explain` prints.
    ///
    /// ```
    /// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
    /// let text = "tag = Lead or (tag = Lead and city = Kyiv)";
    /// let compilation = hcq::compile_detailed(text, &options)?;
    /// assert_eq!(compilation.trace.dnf_terms(), 2);
    /// assert!(compilation.explain(text).contains("absorption"));
    /// # Ok::<(), hcq::Error>(())
    /// ```
    pub fn explain(&self, text: &str) -> String {
        lower::explain::render(text, &self.lowered, &self.trace)
    }
}

/// An expression compiled by [`compile`]: the plan, the checked query it
/// answers, and what the user should be warned about.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Compiled {
    /// The checked query (its clauses are what [`eval`] pages by).
    pub query: typed::Query,
    /// The requests and how to merge their answers.
    pub plan: Plan,
    /// What the user probably did not mean (an expression that matches
    /// nothing, or every contact; `!= ""`), as a report against the input
    /// that any miette handler renders; `None` when there is nothing to say.
    pub warnings: Option<Error>,
}

/// Parses `text` (one expression with optional clauses) into a syntax tree.
///
/// # Errors
///
/// An [`Error`] holding the syntax error (or the input bound broken), with
/// its span and what was expected there.
pub fn parse(text: &str, options: &Options) -> Result<ast::Query, Error> {
    syntax::parse_query(text, &options.limits).map_err(|e| options.error(text, vec![e.into()]))
}

/// Parses and type-checks `text`.
///
/// # Errors
///
/// An [`Error`] holding the syntax error, or else every type error at
/// once (see [`check::check_query`]).
pub fn check(text: &str, options: &Options) -> Result<typed::Query, Error> {
    let query = parse(text, options)?;
    check::check_query(&query, &options.check_context())
        .map_err(|errors| options.error(text, errors.into_iter().map(Problem::from).collect()))
}

/// Compiles `text` into a plan and keeps what each stage produced, the
/// trace of lowering included ([`Compilation::explain`] shows it).
/// [`compile`] is faster when only the plan is wanted.
///
/// # Errors
///
/// As [`compile`].
pub fn compile_detailed(text: &str, options: &Options) -> Result<Compilation, Error> {
    let query = check(text, options)?;
    let (lowered, trace) = lower::lower_traced(&query, &options.page, &options.limits)
        .map_err(|e| options.error(text, vec![e.into()]))?;
    Ok(Compilation {
        query,
        lowered,
        trace,
    })
}

/// Compiles `text` into the fewest API requests whose union is exactly the
/// contacts it selects, with the checked query and the warnings beside the
/// plan.
///
/// ```
/// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
/// let compiled = hcq::compile("id > 5 or id <= 5", &options)?;
/// // Every contact: one request that selects them all, and a warning that says why.
/// assert_eq!(compiled.plan.requests.len(), 1);
/// let warnings = compiled.warnings.expect("an expression that is always true is warned about");
/// assert_eq!(warnings.problems().len(), 1);
/// assert!(!warnings.has_errors());
/// # Ok::<(), hcq::Error>(())
/// ```
///
/// # Errors
///
/// An [`Error`] holding every problem found, each with its spans: syntax
/// errors, or else every type error, or else a bound the plan would break
/// (too many DNF terms, too many requests).
pub fn compile(text: &str, options: &Options) -> Result<Compiled, Error> {
    let query = check(text, options)?;
    let lowered = lower::lower(&query, &options.page, &options.limits)
        .map_err(|e| options.error(text, vec![e.into()]))?;
    let warnings = options.warnings(text, &lowered.warnings);
    Ok(Compiled {
        query,
        plan: lowered.plan,
        warnings,
    })
}
