//! What several test files share: how many cases a property runs.

use proptest::prelude::ProptestConfig;

/// Cases per property: `PROPTEST_CASES`, or 256. Failures are reported
/// with their input; no file is written beside the tests.
pub fn proptest_config() -> ProptestConfig {
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
