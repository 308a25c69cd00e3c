//! What the crate's own unit tests share. (Integration tests have the same
//! in `tests/common/`, which cannot see test-only items of the library.)

use proptest::prelude::ProptestConfig;

/// Cases per property: `PROPTEST_CASES`, or 256; no failure file is
/// written beside the sources.
pub(crate) fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
