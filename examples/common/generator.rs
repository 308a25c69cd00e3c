//! What the example generators share (`examples/gen_segments.rs`,
//! `examples/gen_contacts.rs`): the seeded generator, so that the same
//! seed gives the same output on every machine, and how the output is
//! written. Not an example itself (cargo finds examples only as
//! `examples/*.rs` and `examples/*/main.rs`).

use std::io::Write as _;
use std::process::ExitCode;

/// SplitMix64 (Steele, Lea and Flood): tiny, seedable, and good enough to
/// vary generated contacts and segments.
pub struct Rng(u64);

impl Rng {
    /// A generator whose whole output is decided by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the slight modulo bias does not matter here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`, each as likely.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Writes `text` to standard output for the generator `name`: a reader
/// that stops early (`| head`) is no failure; another write error is
/// said on stderr, with status 2.
pub fn print(name: &str, text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: cannot write: {e}");
            ExitCode::from(2)
        }
    }
}
