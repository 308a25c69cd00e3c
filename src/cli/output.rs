//! Rewriting a user's file without ever losing it.
//!
//! **Invariant:** when [`replace`] fails, for any reason (a full disk, a
//! file-size limit, a read-only directory, a signal), the original file is
//! byte for byte what it was. The new text is written to a temporary file
//! in the same directory, synced, given the original's permissions, and
//! renamed over the original: a rename within one file system is atomic.

use super::{FAILURE, Failure};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces the contents of the regular file `path` (a symbolic link is
/// followed to its target) with `contents`. The caller has made sure it is
/// a regular file before reading it (`fmt` refuses anything else there,
/// since opening a FIFO to read it would wait for a writer).
pub(super) fn replace(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    let name = path.display().to_string();
    let fail = |what: String| {
        Failure::new(
            FAILURE,
            "hcq::io::write",
            format!("cannot write {name}: {what}"),
        )
        .about(&name)
    };
    let target = fs::canonicalize(path).map_err(|e| fail(e.to_string()))?;
    let metadata = fs::metadata(&target).map_err(|e| fail(e.to_string()))?;
    let directory = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let file_name = target
        .file_name()
        .map_or_else(|| "hcq".into(), |n| n.to_string_lossy().into_owned());
    // A short prefix of the name: the temporary name must stay within the
    // file system's limit on a name however long the original's is.
    let short: String = file_name.chars().take(32).collect();
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{short}."))
        .suffix(".tmp")
        .tempfile_in(&directory)
        .map_err(|e| {
            fail(format!(
                "cannot create a temporary file in {}: {e}",
                directory.display()
            ))
        })?;
    // Dropping `temporary` on any error below removes it. Its file is
    // written directly: tempfile's own `Write` names the temporary path in
    // errors, a file that is gone by the time the user reads the message.
    let file = temporary.as_file_mut();
    file.write_all(contents)
        .and_then(|()| file.flush())
        .and_then(|()| file.set_permissions(metadata.permissions()))
        .and_then(|()| keep_owner(file, &metadata))
        .and_then(|()| file.sync_all())
        .map_err(|e| fail(e.to_string()))?;
    temporary
        .persist(&target)
        .map_err(|e| fail(e.error.to_string()))?;
    // The rename itself is durable once the directory is synced; where a
    // directory cannot be opened or synced, the rename has still happened.
    if let Ok(directory) = File::open(&directory) {
        let _ = directory.sync_all();
    }
    Ok(())
}

/// Gives the new file the original's owner and group where the process may
/// (root may; anyone else may only keep their own, which it already is).
#[cfg(unix)]
fn keep_owner(file: &File, original: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    // Not being allowed to is not a failure: the file is then ours, as
    // with any editor that saves by renaming.
    let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    Ok(())
}

#[cfg(not(unix))]
fn keep_owner(_: &File, _: &fs::Metadata) -> std::io::Result<()> {
    Ok(())
}
