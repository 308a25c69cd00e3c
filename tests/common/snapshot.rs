//! The one way a fixture suite compares its output with expected files:
//! snapbox, with one update switch for every suite.
//!
//! ```text
//! SNAPSHOTS=overwrite cargo test --test NAME
//! ```
//!
//! rewrites the expected files of suite `NAME` from the actual output
//! (and removes those no fixture claims); read the diff before committing
//! it. Any other value of `SNAPSHOTS`, or none, compares.
//!
//! The comparison is exact: expected files are raw text, so snapbox's
//! wildcards (`...`, `[..]`) and path filters are off. snapbox still reads
//! `\r\n` as `\n`; [`Snapshots::check`] then compares the bytes too, so a
//! file that differs only in its line endings fails as well.
//!
//! Included with `#[path]` by the suites that use it, not from
//! `common/mod.rs`, which test files without snapshots include.

use snapbox::assert::{Action, Assert, DEFAULT_ACTION_ENV};
use snapbox::data::DataFormat;
use snapbox::report::Palette;
use snapbox::{Data, IntoData as _};
use std::path::Path;

/// Every failure of one test, reported together when it finishes.
#[derive(Default)]
pub struct Snapshots {
    failures: Vec<String>,
}

impl Snapshots {
    /// Compares `actual` with the file at `expected`, or writes it there
    /// under `SNAPSHOTS=overwrite`. A mismatch is recorded with its diff.
    pub fn check(&mut self, expected: &Path, actual: &str) {
        if !overwriting() && !expected.exists() {
            self.failures.push(format!(
                "{} is missing; `{DEFAULT_ACTION_ENV}=overwrite cargo test --test {}` \
                 writes it from this output, then read it:\n{actual}",
                expected.display(),
                env!("CARGO_CRATE_NAME"),
            ));
            return;
        }
        let wanted = Data::read_from(expected, Some(DataFormat::Text)).raw();
        let compared = Assert::new()
            .action_env(DEFAULT_ACTION_ENV)
            .palette(Palette::plain())
            .try_eq(Some(&"actual output"), actual.into_data(), wanted);
        if let Err(diff) = compared {
            self.failures.push(diff.to_string());
            return;
        }
        // snapbox compared with `\r\n` read as `\n`; the files hold what
        // hcq writes, byte for byte.
        let bytes = std::fs::read(expected)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", expected.display()));
        if bytes != actual.as_bytes() {
            if overwriting() {
                std::fs::write(expected, actual)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", expected.display()));
            } else {
                self.failures.push(format!(
                    "{} differs from the output in its line endings only \
                     (expected files use `\\n`)\nUpdate with {DEFAULT_ACTION_ENV}=overwrite",
                    expected.display()
                ));
            }
        }
    }

    /// Records a failure that is not a comparison, such as a fixture that
    /// should have been rejected.
    pub fn fail(&mut self, failure: String) {
        self.failures.push(failure);
    }

    /// The files ending in `.{extension}` in `dir` that `claimed` rejects:
    /// expected files no fixture produces. Removed under
    /// `SNAPSHOTS=overwrite`, failures otherwise.
    pub fn unclaimed(&mut self, dir: &Path, extension: &str, claimed: impl Fn(&Path) -> bool) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|e| e != extension) || claimed(&path) {
                continue;
            }
            if overwriting() {
                std::fs::remove_file(&path)
                    .unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display()));
            } else {
                self.failures.push(format!(
                    "{} belongs to no fixture; {DEFAULT_ACTION_ENV}=overwrite removes it",
                    path.display()
                ));
            }
        }
    }

    /// Panics with every failure recorded, so one run shows all of them;
    /// `count` fixtures of `kind` were run.
    pub fn finish(self, kind: &str, count: usize) {
        assert!(count > 0, "no {kind} fixtures found");
        assert!(
            self.failures.is_empty(),
            "{kind} fixtures: {} failures in {count}:\n\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}

/// Whether `SNAPSHOTS=overwrite` is set: expected files are rewritten
/// instead of compared.
fn overwriting() -> bool {
    Action::with_env_var(DEFAULT_ACTION_ENV) == Some(Action::Overwrite)
}
