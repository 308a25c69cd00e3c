//! Bounds on every input, each a named constant and a field of [`Limits`].
//! Going past one is a diagnostic, never a crash or a runaway.

/// Largest expression, in bytes (1 MiB): far beyond any filter a person
/// writes, small enough that parsing it stays well under a second.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Largest segment file, in bytes (64 MiB): room for hundreds of thousands
/// of segments, while pest's token buffer stays within a few GiB.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Largest contacts export `hcq eval` reads, in bytes (256 MiB): an
/// export of about a million contacts. Reading stops at the bound, so a
/// larger file (or `/dev/zero`) costs this much memory and no more.
pub const MAX_CONTACTS_BYTES: usize = 256 * 1024 * 1024;
/// Deepest nesting of parentheses and `not`, checked before parsing.
pub const MAX_DEPTH: usize = 64;
/// Most filters (comparisons, counting each `in` value) in one expression.
pub const MAX_FILTERS: usize = 4096;
/// Most values in one `in (…)` list or tag list.
pub const MAX_LIST_LEN: usize = 1000;
/// Most AND-terms the DNF may have, estimated before distributing.
pub const MAX_DNF_TERMS: usize = 10_000;
/// Most filters, summed over every term, the DNF may hold (terms share
/// their filters, so this bounds the work per term, not memory alone).
/// 250,000 keeps lowering the largest DNF the bounds allow (10,000 terms of
/// 25 filters) under 50 ms; a plan is capped at 30 requests anyway.
pub const MAX_DNF_FILTERS: usize = 250_000;
/// Most filters a segment file may hold in all once references are spliced
/// in (256 × [`MAX_FILTERS`]): many segments that each use a large one
/// would otherwise cost time in proportion to their number times its size.
pub const MAX_FILE_FILTERS: usize = 256 * MAX_FILTERS;
/// Default most requests a plan may need: a quarter of the API's
/// 120-a-minute budget, so one plan never uses a whole minute.
pub const MAX_REQUESTS: usize = 30;

/// The bounds one compilation runs under. `Limits::default()` is the
/// constants above.
///
/// Change a bound on a default value (`limits.max_requests = 5`): a bound
/// added later breaks no caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// See [`MAX_INPUT_BYTES`].
    pub max_input_bytes: usize,
    /// See [`MAX_FILE_BYTES`].
    pub max_file_bytes: usize,
    /// See [`MAX_DEPTH`].
    pub max_depth: usize,
    /// See [`MAX_FILTERS`].
    pub max_filters: usize,
    /// See [`MAX_LIST_LEN`].
    pub max_list_len: usize,
    /// See [`MAX_DNF_TERMS`].
    pub max_dnf_terms: usize,
    /// See [`MAX_DNF_FILTERS`].
    pub max_dnf_filters: usize,
    /// See [`MAX_FILE_FILTERS`].
    pub max_file_filters: usize,
    /// See [`MAX_REQUESTS`].
    pub max_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: MAX_INPUT_BYTES,
            max_file_bytes: MAX_FILE_BYTES,
            max_depth: MAX_DEPTH,
            max_filters: MAX_FILTERS,
            max_list_len: MAX_LIST_LEN,
            max_dnf_terms: MAX_DNF_TERMS,
            max_dnf_filters: MAX_DNF_FILTERS,
            max_file_filters: MAX_FILE_FILTERS,
            max_requests: MAX_REQUESTS,
        }
    }
}
