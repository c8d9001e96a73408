//! Writing: every file goes through a temporary file in its own folder and a rename, so a
//! reader sees the old file or the new one, never half of one.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use miette::Report;
use tempfile::NamedTempFile;

use crate::diag::PlainDiagnostic;

fn failed(path: &Path, what: &str, e: impl std::fmt::Display) -> Report {
    Report::new(PlainDiagnostic::new(
        format!("cannot {what} {}: {e}", path.display()),
        Some("files already renamed into place before this one keep their new content".into()),
    ))
}

/// Prepare a temporary copy of `text` beside the real file behind `path` (a symlink is
/// followed, so the link itself stays a link), with the original's permissions.
fn stage(path: &Path, text: &str) -> Result<(NamedTempFile, PathBuf), Report> {
    let target = fs::canonicalize(path).map_err(|e| failed(path, "resolve", e))?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let metadata = fs::metadata(&target).map_err(|e| failed(path, "read the permissions of", e))?;
    let mut tmp = NamedTempFile::new_in(dir)
        .map_err(|e| failed(path, "create a temporary file beside", e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| failed(path, "write a temporary file beside", e))?;
    fs::set_permissions(tmp.path(), metadata.permissions())
        .map_err(|e| failed(path, "set the permissions of", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Keeping the owner needs privileges we may not have; when we do not, the file was
        // ours to begin with or the rename below fails anyway.
        let _ = std::os::unix::fs::chown(tmp.path(), Some(metadata.uid()), Some(metadata.gid()));
    }
    Ok((tmp, target))
}

/// Write every file, or none when any temporary copy cannot be made.
pub fn write_all(writes: &[(&Path, &str)]) -> Result<(), Report> {
    let staged = writes
        .iter()
        .map(|(path, text)| stage(path, text))
        .collect::<Result<Vec<_>, _>>()?;
    for (tmp, target) in staged {
        tmp.persist(&target)
            .map_err(|e| failed(&target, "replace", e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_through_symlinks_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yml");
        fs::write(&real, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.path().join("link.yml");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            write_all(&[(&link, "new")]).unwrap();
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read_to_string(&real).unwrap(), "new");
            assert_eq!(
                fs::metadata(&real).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
    }
}
