//! All-or-nothing writes.
//!
//! Every file or folder Vouch produces (filled workbooks, review workbooks, reports, indexes,
//! imported libraries) goes through here: it is built under a temporary name in the target's
//! own directory and renamed into place only when complete, so an interrupted run leaves the
//! previous version intact and never a half-written file. A run that produces several files
//! stages them all first ([`Outputs`]) and renames them in a fixed order only when every one is
//! complete, so a failed run leaves no new output at all. Temporary names carry the writer's
//! process id (`.vouch-tmp-PID-…`), so the next run can sweep away what a killed one left
//! ([`sweep_stale`]). New files follow the umask, as files made by any other program do.
//! Inputs are never opened for writing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Every temporary file or folder Vouch makes starts with this.
pub const TMP_PREFIX: &str = ".vouch-tmp-";
const OLD_PREFIX: &str = ".vouch-old-";

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.vouch-tmp-PID-`: whose temp file this is, so a later run can tell a dead writer's.
fn tmp_prefix() -> String {
    format!("{TMP_PREFIX}{}-", std::process::id())
}

/// A temp-file builder whose files follow the umask (tempfile's default is 0600).
fn builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    b
}

/// The user's view of a failure to write `target`: a read-only or missing folder, or a
/// folder where a file should go, is the user's to fix (exit 2) and names their path, never
/// our temp file's.
pub fn write_error(target: &Path, e: &std::io::Error) -> Error {
    let dir = parent_of(target);
    let why = if target.is_dir() {
        "it is a folder".to_string()
    } else if !dir.exists() {
        format!("folder {} does not exist", dir.display())
    } else if !dir.is_dir() {
        format!("{} is not a folder", dir.display())
    } else {
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                format!("permission denied in {}", dir.display())
            }
            std::io::ErrorKind::ReadOnlyFilesystem => {
                format!("{} is on a read-only file system", dir.display())
            }
            std::io::ErrorKind::StorageFull => "the disk is full".into(),
            // tempfile appends its own path ("... at path \"/dir/.vouch-tmp-…\""): not the
            // user's business.
            _ => {
                let text = e.to_string();
                let text = text.split(" at path ").next().unwrap_or(&text).to_string();
                format!("{text} (in {})", dir.display())
            }
        }
    };
    Error::Usage(format!("cannot write {}: {why}", target.display()))
}

/// Write `path` atomically: `fill` writes the content into a buffered temp file beside it.
pub fn write_file<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
{
    let dir = parent_of(path);
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "cannot write {}: it is a folder",
            path.display()
        )));
    }
    let prefix = tmp_prefix();
    let mut tmp = builder(&prefix, 0o666)
        .tempfile_in(&dir)
        .map_err(|e| write_error(path, &e))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        fill(&mut w)?;
        w.flush().map_err(|e| write_error(path, &e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| write_error(path, &e))?;
    tmp.persist(path).map_err(|e| write_error(path, &e.error))?;
    Ok(())
}

/// Write bytes to `path` atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, |w| {
        w.write_all(bytes).map_err(|e| write_error(path, &e))
    })
}

/// A run's outputs, made to appear together. Each is written completely under a temporary
/// name beside its target ([`Outputs::stage`]); only when all are written does
/// [`Outputs::commit`] rename them into place, in the order they were staged (a fill stages
/// the report last, so a present report means every output it names is complete). Dropped
/// without a commit (an error anywhere in the run), every staged file is removed and no target
/// is touched.
#[derive(Default)]
pub struct Outputs {
    staged: Vec<(tempfile::TempPath, PathBuf)>,
    swept: Vec<PathBuf>,
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Write `target`'s content now, under a temporary name beside it: `write` gets the path to
    /// write (it may write it any way, atomically or not).
    pub fn stage<F>(&mut self, target: &Path, write: F) -> Result<()>
    where
        F: FnOnce(&Path) -> Result<()>,
    {
        if target.is_dir() {
            return Err(Error::Usage(format!(
                "cannot write {}: it is a folder",
                target.display()
            )));
        }
        let dir = parent_of(target);
        // What killed runs left in this folder goes first (once per folder and run).
        if !self.swept.contains(&dir) {
            sweep_stale(&dir);
            self.swept.push(dir.clone());
        }
        let prefix = tmp_prefix();
        let tmp = builder(&prefix, 0o666)
            .tempfile_in(&dir)
            .map_err(|e| write_error(target, &e))?
            .into_temp_path();
        write(&tmp)?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| write_error(target, &e))?;
        self.staged.push((tmp, target.to_path_buf()));
        Ok(())
    }

    /// The temporary file staged for `target`, while not yet committed.
    pub fn staged(&self, target: &Path) -> Option<&Path> {
        self.staged
            .iter()
            .rev()
            .find(|(_, t)| t == target)
            .map(|(tmp, _)| tmp.as_ref())
    }

    /// Take over `other`'s staged files, after this one's: outputs staged apart (one set per
    /// questionnaire, on several threads) are committed together, in the order joined.
    pub fn append(&mut self, other: Outputs) {
        self.staged.extend(other.staged);
        for dir in other.swept {
            if !self.swept.contains(&dir) {
                self.swept.push(dir);
            }
        }
    }

    /// Rename every staged file into place, in staging order.
    pub fn commit(self) -> Result<()> {
        for (tmp, target) in self.staged {
            tmp.persist(&target)
                .map_err(|e| write_error(&target, &e.error))?;
        }
        Ok(())
    }
}

/// Is the process with this id still running? Where that cannot be told (no `/proc`), a temp
/// file counts as live for a day.
fn pid_alive(pid: u32, modified: Option<std::time::SystemTime>) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.is_dir() {
        return proc.join(pid.to_string()).exists();
    }
    let day = std::time::Duration::from_secs(24 * 3600);
    modified
        .and_then(|m| m.elapsed().ok())
        .is_none_or(|age| age < day)
}

/// The writer's pid in `.vouch-tmp-PID-…` (`None` for names of older versions, which had no
/// pid: those count as stale once an hour old).
fn tmp_owner(name: &str) -> Option<Option<u32>> {
    let rest = name.strip_prefix(TMP_PREFIX)?;
    Some(rest.split_once('-').and_then(|(p, _)| p.parse().ok()))
}

/// Remove what killed runs left in `dir`: `.vouch-tmp-PID-*` files and folders whose process
/// is gone, and `.vouch-old-*` folders of a finished swap whose target is back in place.
/// Best effort: anything it cannot remove stays, and nothing else is looked at.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        let modified = meta.modified().ok();
        let stale = match tmp_owner(&name) {
            Some(Some(pid)) => !pid_alive(pid, modified),
            Some(None) => modified
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age > hour),
            None => match old_owner(&name) {
                Some((target, pid)) => dir.join(target).exists() && !pid_alive(pid, modified),
                None => false,
            },
        };
        if !stale {
            continue;
        }
        let path = e.path();
        let _ = if meta.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

fn old_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{OLD_PREFIX}{name}-")
}

/// `.vouch-old-NAME-PID-RAND` → (NAME, PID).
fn old_owner(name: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(OLD_PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let _rand = parts.next()?;
    let pid = parts.next()?.parse().ok()?;
    let target = parts.next()?;
    Some((target.to_string(), pid))
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
    std::fs::create_dir_all(&dir).map_err(|e| write_error(target, &e))?;
    sweep_stale(&dir);
    let prefix = tmp_prefix();
    let tmp = builder(&prefix, 0o777)
        .tempdir_in(&dir)
        .map_err(|e| write_error(target, &e))?;
    let value = build(tmp.path())?;
    let tmp_path = tmp.keep();
    if target.exists() {
        let old_prefix = format!("{}{}-", old_prefix(target), std::process::id());
        let old = builder(&old_prefix, 0o700)
            .tempdir_in(&dir)
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&tmp_path);
                write_error(target, &e)
            })?
            .keep();
        // rename needs the destination to be absent (or an empty dir on Unix).
        let _ = std::fs::remove_dir(&old);
        std::fs::rename(target, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp_path);
            write_error(target, &e)
        })?;
        if let Err(e) = std::fs::rename(&tmp_path, target) {
            let _ = std::fs::rename(&old, target);
            let _ = std::fs::remove_dir_all(&tmp_path);
            return Err(write_error(target, &e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp_path, target).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp_path);
            write_error(target, &e)
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

    #[test]
    fn outputs_appear_together_or_not_at_all() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.txt");
        let b = d.path().join("b.txt");
        std::fs::write(&a, "old a").unwrap();
        {
            let mut o = Outputs::new();
            o.stage(&a, |p| {
                std::fs::write(p, "new a").map_err(|e| Error::internal(e.to_string()))
            })
            .unwrap();
            let r = o.stage(&b, |_| Err(Error::internal("boom")));
            assert!(r.is_err());
            // dropped without commit
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert!(!b.exists());
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "temps removed"
        );

        let mut o = Outputs::new();
        for (p, t) in [(&a, "new a"), (&b, "new b")] {
            o.stage(p, |tmp| {
                std::fs::write(tmp, t).map_err(|e| Error::internal(e.to_string()))
            })
            .unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "old a",
            "nothing before commit"
        );
        o.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_follow_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let reference = d.path().join("plain");
        std::fs::File::create(&reference).unwrap();
        let want = std::fs::metadata(&reference).unwrap().permissions().mode() & 0o777;
        let p = d.path().join("out.txt");
        write_bytes(&p, b"x").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            want
        );
        let q = d.path().join("staged.txt");
        let mut o = Outputs::new();
        o.stage(&q, |t| {
            std::fs::write(t, "y").map_err(|e| Error::internal(e.to_string()))
        })
        .unwrap();
        o.commit().unwrap();
        assert_eq!(
            std::fs::metadata(&q).unwrap().permissions().mode() & 0o777,
            want
        );
    }

    #[test]
    fn temp_files_of_dead_processes_are_swept_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        // pid 0 is never a user process; our own pid is alive.
        let dead = d.path().join(".vouch-tmp-4194304999-abc123");
        let dead_dir = d.path().join(".vouch-tmp-4194304998-def456");
        let live = d
            .path()
            .join(format!(".vouch-tmp-{}-ghi789", std::process::id()));
        let user = d.path().join("vouch-tmp-notours");
        std::fs::write(&dead, "x").unwrap();
        std::fs::create_dir(&dead_dir).unwrap();
        std::fs::write(dead_dir.join("meta.json"), "x").unwrap();
        std::fs::write(&live, "x").unwrap();
        std::fs::write(&user, "x").unwrap();
        sweep_stale(d.path());
        assert!(!dead.exists());
        assert!(!dead_dir.exists());
        assert!(live.exists());
        assert!(user.exists());
    }

    #[test]
    fn writing_into_a_missing_or_read_only_folder_is_a_user_error_naming_the_target() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nope").join("out.txt");
        let e = write_bytes(&p, b"x").unwrap_err();
        assert!(e.is_user_error(), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("nope/out.txt") && msg.contains("does not exist"),
            "{msg}"
        );
        assert!(!msg.contains(TMP_PREFIX), "{msg}");
        let e = write_bytes(d.path(), b"x").unwrap_err();
        assert!(e.to_string().contains("it is a folder"), "{e}");
    }
}
