//! Opening an input file: regular files only, size-capped.
//!
//! A named pipe given as a questionnaire (or dropped into the library folder as `x.toml`)
//! would block `open` and `read` forever; a device would stream without end. So every input
//! Vouch reads is checked to be a regular file before it is opened (following symlinks), is
//! opened without blocking, and is checked again through the opened handle, so a file swapped
//! for a pipe between the check and the open is refused rather than waited on.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Location, Result};

/// A short reason for an I/O error, without the OS error code noise.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Why a file that is not a regular file cannot be read, or None for a regular file.
pub fn not_regular(meta: &Metadata) -> Option<&'static str> {
    if meta.is_file() {
        return None;
    }
    if meta.is_dir() {
        return Some("is a folder, not a file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Some(
                "is a named pipe (FIFO), not a regular file; Vouch reads only regular files",
            );
        }
        if t.is_socket() {
            return Some("is a socket, not a regular file; Vouch reads only regular files");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("is a device, not a regular file; Vouch reads only regular files");
        }
    }
    Some("is not a regular file; Vouch reads only regular files")
}

#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(target_os = "linux")))]
const O_NONBLOCK: i32 = 0x0004;

/// Open a regular file for reading, refusing pipes, sockets, devices and folders (also behind
/// symlinks) without ever blocking on them.
pub fn open_regular(path: &Path, loc: impl Fn() -> Location) -> Result<(File, Metadata)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::input(loc(), io_reason(&e)))?;
    if let Some(why) = not_regular(&meta) {
        return Err(Error::input(loc(), why));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking: if the path became a pipe after the check, open returns at once.
        opts.custom_flags(O_NONBLOCK);
    }
    let file = opts
        .open(path)
        .map_err(|e| Error::input(loc(), io_reason(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::input(loc(), io_reason(&e)))?;
    if let Some(why) = not_regular(&meta) {
        return Err(Error::input(loc(), why));
    }
    Ok((file, meta))
}

/// Read a whole regular file of at most `max` bytes; `what` names the limit in the message.
pub fn read_regular(path: &Path, max: u64, loc: impl Fn() -> Location) -> Result<Vec<u8>> {
    let (file, meta) = open_regular(path, &loc)?;
    if meta.len() > max {
        return Err(Error::input(
            loc(),
            format!(
                "the file is {} MB; Vouch reads files up to {} MB",
                meta.len() >> 20,
                max >> 20
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(loc(), io_reason(&e)))?;
    if bytes.len() as u64 > max {
        return Err(Error::input(
            loc(),
            "the file grew past the size limit while being read",
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn fifo_is_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("q.csv");
        let ok = std::process::Command::new("mkfifo").arg(&p).status();
        if !ok.is_ok_and(|s| s.success()) {
            return;
        }
        let e = read_regular(&p, 1 << 20, || Location::file(&p))
            .unwrap_err()
            .to_string();
        assert!(e.contains("named pipe"), "{e}");
        let link = d.path().join("link.csv");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        let e = read_regular(&link, 1 << 20, || Location::file(&link))
            .unwrap_err()
            .to_string();
        assert!(e.contains("named pipe"), "{e}");
        let dev = Path::new("/dev/zero");
        let e = read_regular(dev, 1 << 20, || Location::file(dev))
            .unwrap_err()
            .to_string();
        assert!(e.contains("device"), "{e}");
    }
}
