//! Which questionnaires `vouch fill` was asked to fill: folders expanded into the files they hold.
//!
//! `vouch fill DIR` fills every questionnaire in the folder (`--recursive` descends), in sorted
//! path order so that a run's outputs, table and report are the same whatever order the file
//! system lists them in. A folder is full of things that are not questionnaires to fill, and
//! some look like ones: Vouch's own outputs of an earlier run (`NAME.filled.*`,
//! `NAME.review.xlsx`), Excel's lock files (`~$NAME.xlsx`) and hidden files (our own temp
//! files among them). Those are skipped and counted, so that a second run in the same folder
//! does not fill the filled copies. Files named on the command line are taken as given.

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// The questionnaires to fill, in order, and what the folders held that was skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    /// Per folder given: how many files were skipped as outputs, lock files or hidden files.
    pub skipped: Vec<(PathBuf, usize)>,
}

/// What a file found in a folder is to a batch fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A questionnaire to fill.
    Questionnaire,
    /// A questionnaire-shaped file that is not one to fill: an output of Vouch, an Excel
    /// lock file or a hidden file.
    Skipped,
    /// Anything else (a README, a report): not a questionnaire, not mentioned.
    Other,
}

/// The extensions Vouch reads, lower-case.
const SUPPORTED: [&str; 5] = ["xlsx", "xlsm", "xls", "ods", "csv"];

/// Sort a file found in a folder by its name.
pub fn classify(name: &str) -> Found {
    let lower = name.to_lowercase();
    if lower.starts_with('.') || lower.starts_with("~$") {
        return Found::Skipped;
    }
    let Some((stem, ext)) = lower.rsplit_once('.') else {
        return Found::Other;
    };
    if !SUPPORTED.contains(&ext) {
        return Found::Other;
    }
    if stem.ends_with(".filled") || lower.ends_with(".review.xlsx") {
        return Found::Skipped;
    }
    Found::Questionnaire
}

/// Expand the paths given to `fill`: a folder becomes the questionnaires in it (sorted; every
/// level below it with `recursive`), anything else is kept as given. A folder with nothing to
/// fill is a usage error naming it.
pub fn expand(given: &[PathBuf], recursive: bool) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for g in given {
        if !g.is_dir() {
            inputs.files.push(g.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut skipped = 0;
        walk(g, recursive, &mut found, &mut skipped)?;
        found.sort();
        if found.is_empty() {
            let also = match skipped {
                0 => String::new(),
                1 => "; 1 file skipped as a Vouch output, lock file or hidden file".into(),
                n => format!("; {n} files skipped as Vouch outputs, lock files or hidden files"),
            };
            return Err(Error::Usage(format!(
                "folder {} has no questionnaire to fill (.xlsx, .xlsm, .xls, .ods or .csv{}){also}",
                g.display(),
                if recursive { ", at any depth" } else { "" }
            )));
        }
        inputs.files.extend(found);
        if skipped > 0 {
            inputs.skipped.push((g.clone(), skipped));
        }
    }
    Ok(inputs)
}

/// The questionnaires directly in `dir` (and below it with `recursive`: not into hidden
/// folders, nor through symbolic links to folders, which could loop).
fn walk(dir: &Path, recursive: bool, found: &mut Vec<PathBuf>, skipped: &mut usize) -> Result<()> {
    let unreadable =
        |e: std::io::Error| Error::input(Location::file(dir), format!("cannot read folder: {e}"));
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            if recursive && !name.starts_with('.') {
                walk(&path, recursive, found, skipped)?;
            }
            continue;
        }
        // A symbolic link counts as the file it points to (a link to a folder is not followed).
        if kind.is_symlink() && !path.is_file() {
            continue;
        }
        match classify(&name) {
            Found::Questionnaire => found.push(path),
            Found::Skipped => *skipped += 1,
            Found::Other => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_into_questionnaires_outputs_and_others() {
        for q in [
            "q.xlsx",
            "Q.XLSX",
            "q.xlsm",
            "q.xls",
            "q.ods",
            "q.CSV",
            "my.filled-in.xlsx",
        ] {
            assert_eq!(classify(q), Found::Questionnaire, "{q}");
        }
        for s in [
            "q.filled.xlsx",
            "q.filled.csv",
            "q.FILLED.xlsm",
            "q.review.xlsx",
            "Q.Review.XLSX",
            "~$q.xlsx",
            ".q.xlsx",
            ".vouch-tmp-123-abc",
        ] {
            assert_eq!(classify(s), Found::Skipped, "{s}");
        }
        for o in [
            "README.md",
            "report.json",
            "q",
            "q.review.json",
            "q.xlsx.bak",
        ] {
            assert_eq!(classify(o), Found::Other, "{o}");
        }
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn a_folder_gives_its_questionnaires_sorted_and_counts_the_skipped() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        for f in [
            "b.csv",
            "a.xlsx",
            "a.filled.xlsx",
            "a.review.xlsx",
            "~$a.xlsx",
            ".hidden.csv",
            "notes.txt",
            "sub/c.xlsx",
        ] {
            touch(&d.join(f));
        }
        let flat = expand(&[d.to_path_buf()], false).unwrap();
        assert_eq!(flat.files, vec![d.join("a.xlsx"), d.join("b.csv")]);
        assert_eq!(flat.skipped, vec![(d.to_path_buf(), 4)]);

        let deep = expand(&[d.to_path_buf()], true).unwrap();
        assert_eq!(
            deep.files,
            vec![d.join("a.xlsx"), d.join("b.csv"), d.join("sub/c.xlsx")]
        );
    }

    #[test]
    fn files_are_kept_as_given_and_in_order_between_folders() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        touch(&d.join("f/z.csv"));
        touch(&d.join("f/y.csv"));
        let given = vec![d.join("x.filled.xlsx"), d.join("f")];
        let got = expand(&given, false).unwrap();
        assert_eq!(
            got.files,
            vec![
                d.join("x.filled.xlsx"),
                d.join("f/y.csv"),
                d.join("f/z.csv")
            ]
        );
        assert!(got.skipped.is_empty());
    }

    #[test]
    fn recursion_skips_hidden_folders() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        touch(&d.join(".git/q.xlsx"));
        touch(&d.join("q.csv"));
        let got = expand(&[d.to_path_buf()], true).unwrap();
        assert_eq!(got.files, vec![d.join("q.csv")]);
    }

    #[test]
    fn a_folder_with_nothing_to_fill_is_a_usage_error_naming_it() {
        let t = tempfile::tempdir().unwrap();
        let empty = t.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = expand(std::slice::from_ref(&empty), false).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().contains(&empty.display().to_string()), "{e}");

        let done = t.path().join("done");
        touch(&done.join("q.filled.xlsx"));
        touch(&done.join("sub/q.xlsx"));
        let e = expand(std::slice::from_ref(&done), false).unwrap_err();
        assert!(e.to_string().contains("1 file skipped"), "{e}");
        // One level down there is one.
        assert_eq!(
            expand(std::slice::from_ref(&done), true)
                .unwrap()
                .files
                .len(),
            1
        );
    }
}
