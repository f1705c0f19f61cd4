//! All-or-nothing writes.
//!
//! Every file or folder Vouch produces (filled workbooks, review workbooks, reports, indexes,
//! imported libraries) goes through here: it is built under a temporary name in the target's
//! own directory and renamed into place only when complete, so an interrupted run leaves the
//! previous version intact and never a half-written file. Inputs are never opened for writing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write `path` atomically: `fill` writes the content into a buffered temp file beside it.
pub fn write_file<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
{
    let dir = parent_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".vouch-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| Error::internal(format!("cannot create a file in {}: {e}", dir.display())))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        fill(&mut w)?;
        w.flush()
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    tmp.persist(path)
        .map_err(|e| Error::internal(format!("cannot write {}: {}", path.display(), e.error)))?;
    Ok(())
}

/// Write bytes to `path` atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, |w| {
        w.write_all(bytes)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
    })
}

fn old_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".vouch-old-{name}-")
}

/// Put a folder back that a crash left aside: when `target` is missing but a
/// `.vouch-old-NAME-*` folder from an interrupted [`replace_dir`] swap sits beside it, the
/// newest one is renamed back. Every reader of a replaceable folder calls this first.
pub fn recover_dir(target: &Path) {
    if target.exists() {
        return;
    }
    let prefix = old_prefix(target);
    let Ok(entries) = std::fs::read_dir(parent_of(target)) else {
        return;
    };
    let newest = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter(|e| e.path().is_dir())
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    if let Some(e) = newest {
        let _ = std::fs::rename(e.path(), target);
    }
}

/// Replace the folder `target` with one built by `build` in a temporary folder beside it.
/// If `build` fails, the temporary folder is removed and `target` is untouched. The swap is two
/// renames (old aside, new in); a crash between them leaves the old folder under a
/// `.vouch-old-NAME-*` name next to the target, which [`recover_dir`] puts back, never a
/// half-built one at the target.
pub fn replace_dir<T, F>(target: &Path, build: F) -> Result<T>
where
    F: FnOnce(&Path) -> Result<T>,
{
    recover_dir(target);
    let dir = parent_of(target);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(".vouch-tmp-")
        .tempdir_in(&dir)
        .map_err(|e| {
            Error::internal(format!("cannot create a folder in {}: {e}", dir.display()))
        })?;
    let value = build(tmp.path())?;
    let tmp_path = tmp.keep();
    if target.exists() {
        let old = tempfile::Builder::new()
            .prefix(&old_prefix(target))
            .tempdir_in(&dir)
            .map_err(|e| {
                Error::internal(format!("cannot create a folder in {}: {e}", dir.display()))
            })?
            .keep();
        // rename needs the destination to be absent (or an empty dir on Unix).
        let _ = std::fs::remove_dir(&old);
        std::fs::rename(target, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp_path);
            Error::internal(format!("cannot move {} aside: {e}", target.display()))
        })?;
        if let Err(e) = std::fs::rename(&tmp_path, target) {
            let _ = std::fs::rename(&old, target);
            let _ = std::fs::remove_dir_all(&tmp_path);
            return Err(Error::internal(format!(
                "cannot replace {}: {e}",
                target.display()
            )));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp_path, target).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp_path);
            Error::internal(format!("cannot create {}: {e}", target.display()))
        })?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.txt");
        write_bytes(&p, b"old").unwrap();
        let r = write_file(&p, |w| {
            w.write_all(b"half").unwrap();
            Err(Error::internal("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        let leftovers: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp file removed");
    }

    #[test]
    fn replace_dir_swaps_or_keeps() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("lib");
        replace_dir(&t, |tmp| {
            std::fs::write(tmp.join("a"), "1").map_err(|e| Error::internal(e.to_string()))
        })
        .unwrap();
        let r: Result<()> = replace_dir(&t, |tmp| {
            std::fs::write(tmp.join("a"), "2").unwrap();
            Err(Error::internal("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(t.join("a")).unwrap(), "1");
        replace_dir(&t, |tmp| {
            std::fs::write(tmp.join("a"), "3").map_err(|e| Error::internal(e.to_string()))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(t.join("a")).unwrap(), "3");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_left_aside_by_a_crash_is_put_back() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("lib");
        let aside = d.path().join(".vouch-old-lib-abc123");
        std::fs::create_dir(&aside).unwrap();
        std::fs::write(aside.join("a"), "1").unwrap();
        std::fs::create_dir(d.path().join(".vouch-old-other-x")).unwrap();
        recover_dir(&t);
        assert_eq!(std::fs::read_to_string(t.join("a")).unwrap(), "1");
        assert!(
            d.path().join(".vouch-old-other-x").exists(),
            "other folders untouched"
        );
    }
}
