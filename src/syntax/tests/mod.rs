//! The syntax stage held to pest, the language's definition: the fast
//! parser builds pest's trees (`fast_parser`), and the lexer's tokens
//! have pest's boundaries (`lexer`), on fixtures and generated inputs.
//! `PROPTEST_CASES` sets the number of generated cases (256 by default):
//! `PROPTEST_CASES=100000 cargo test --release --lib syntax::tests`.

mod fast_parser;
mod lexer;
