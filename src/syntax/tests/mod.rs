//! The syntax stage held to pest, the language's definition: the fast
//! parser builds pest's trees (`fast_parser`), and the lexer's tokens
//! have pest's boundaries (`lexer`), on fixtures and generated inputs.
//! `PROPTEST_CASES` sets the number of generated cases (256 by default):
//! `PROPTEST_CASES=100000 cargo test --release --lib syntax::tests`.

mod fast_parser;
mod lexer;

use proptest::prelude::ProptestConfig;

/// Cases per property: `PROPTEST_CASES`, or 256; no failure file is
/// written beside the sources.
fn proptest_config() -> ProptestConfig {
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
