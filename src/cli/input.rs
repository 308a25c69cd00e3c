//! Reading input: files, standard input and `-e`, never more than a bound,
//! in memory that does not grow past it.

use super::{FAILURE, Failure, INVALID, Session};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// Text to compile and its name for diagnostics.
pub(super) struct Input {
    pub name: String,
    /// Shared with the reports and summaries made of it, not copied: a
    /// segment file may be 64 MiB.
    pub text: Arc<str>,
}

impl Input {
    /// An expression given with `-e`.
    pub fn expression(expr: &str) -> Input {
        Input {
            name: "<expression>".into(),
            text: expr.into(),
        }
    }

    /// Whether the text is a segment file rather than one expression.
    pub fn is_segment_file(&self) -> bool {
        crate::segment::is_segment_file(&self.text)
    }
}

/// The name a path is shown by: `<stdin>` for `-`.
pub(super) fn name_of(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads `path` (`-` is standard input) as UTF-8 text of at most
/// `max_bytes`. Past the bound it stops reading at once: a
/// `/dev/zero` costs `max_bytes` of memory, not all of it.
pub(super) fn read(
    session: &mut Session<'_, '_>,
    path: &Path,
    max_bytes: usize,
) -> Result<Input, Failure> {
    let name = name_of(path);
    let bytes = if path.as_os_str() == "-" {
        if std::mem::replace(&mut session.stdin_read, true) {
            return Err(Failure::usage(
                "standard input (`-`) can be read only once in a run",
            ));
        }
        read_bounded(session.stdin(), max_bytes)
    } else {
        open(path).and_then(|mut file| read_bounded(&mut file, max_bytes))
    };
    let bytes = bytes.map_err(|e| {
        Failure::new(FAILURE, "hcq::io::read", format!("cannot read {name}: {e}")).about(&name)
    })?;
    if bytes.len() > max_bytes {
        return Err(Failure::new(
            INVALID,
            "hcq::io::too_large",
            format!(
                "{name} is larger than {max_bytes} bytes, the most hcq reads; \
                 split it into smaller files"
            ),
        )
        .about(&name));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Input {
            name,
            text: text.into(),
        }),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[offset];
            Err(Failure::new(
                FAILURE,
                "hcq::io::not_utf8",
                format!(
                    "{name} is not UTF-8 text: invalid byte 0x{byte:02x} at byte offset {offset}"
                ),
            )
            .about(&name))
        }
    }
}

/// Opens a file to read, refusing a directory with a plain message (on
/// Unix, opening one succeeds and only reading fails, with a less helpful
/// error).
fn open(path: &Path) -> io::Result<File> {
    let file = File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(io::Error::other("it is a directory"));
    }
    Ok(file)
}

/// At most `max_bytes + 1` bytes of `reader`: one more than allowed is how
/// the caller knows the input is too large.
fn read_bounded(reader: &mut dyn Read, max_bytes: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let bound = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader.take(bound).read_to_end(&mut bytes)?;
    Ok(bytes)
}
