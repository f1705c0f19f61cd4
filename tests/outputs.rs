//! Never lose a user's file: every path a run writes is planned and checked before anything is
//! read or written, and a run's outputs appear together or not at all. Each test is named
//! after what an independent hostile-input run broke: an output over an input, two outputs on
//! one file, an import that deletes its own export, a failed run leaving a filled file, temp
//! names in errors, 0600 outputs, a read-only library, temp folders of killed builds.

mod common;

use common::{listing, vouch};

use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn library() -> String {
    root().join("knowledge").to_str().unwrap().to_string()
}

fn fill(dir: &Path, args: &[&str]) -> Output {
    let lib = library();
    let mut all = vec!["fill"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--library", &lib]);
    vouch(dir, &all)
}

/// A folder with copies of the named samples.
fn with_samples(names: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (from, to) in names {
        std::fs::copy(root().join("samples").join(from), d.path().join(to)).unwrap();
    }
    d
}

fn bytes_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .filter(|n| dir.join(n).is_file())
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect()
}

/// Refused with exit 2 and one line containing `needle`; the folder is exactly as before.
fn assert_refused_untouched(dir: &Path, args: &[&str], needle: &str) {
    let before = bytes_of(dir);
    let out = fill(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("vouch: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(needle), "expected '{needle}' in {err}");
    assert!(!err.contains(".vouch-tmp"), "temp name shown: {err}");
    assert_eq!(bytes_of(dir), before, "{args:?} changed the folder");
}

#[test]
fn report_named_as_the_questionnaire_is_refused() {
    let d = with_samples(&[("security-assessment.xlsx", "q.xlsx")]);
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--report", "q.xlsx"],
        "never writes over an input",
    );
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--report", "./q.xlsx"],
        "never writes over an input",
    );
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--review", "q.xlsx"],
        "never writes over an input",
    );
}

#[test]
fn report_named_as_the_filled_workbook_is_refused() {
    let d = with_samples(&[("security-assessment.xlsx", "q.xlsx")]);
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--out", "o.xlsx", "--report", "o.xlsx"],
        "would be both",
    );
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--out", "o.xlsx", "--review", "o.xlsx"],
        "would be both",
    );
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--review", "r.xlsx", "--report", "r.xlsx"],
        "would be both",
    );
}

#[test]
fn a_second_input_named_as_the_first_inputs_output_is_refused() {
    let d = with_samples(&[
        ("vendor-quick.csv", "a.csv"),
        ("vendor-quick.csv", "a.filled.csv"),
    ]);
    assert_refused_untouched(
        d.path(),
        &["a.csv", "a.filled.csv"],
        "never writes over an input",
    );
    let d = with_samples(&[
        ("security-assessment.xlsx", "q.xlsx"),
        ("security-assessment.xlsx", "q.review.xlsx"),
    ]);
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "q.review.xlsx"],
        "never writes over an input",
    );
}

#[test]
fn two_inputs_whose_outputs_share_a_name_are_refused() {
    // q.csv and q.xlsx both want q.review.xlsx.
    let d = with_samples(&[
        ("vendor-quick.csv", "q.csv"),
        ("security-assessment.xlsx", "q.xlsx"),
    ]);
    assert_refused_untouched(d.path(), &["q.csv", "q.xlsx"], "would be both");
    // One file given twice, under two names.
    assert_refused_untouched(d.path(), &["q.xlsx", "./q.xlsx"], "given twice");
}

#[cfg(unix)]
#[test]
fn a_hard_link_to_the_input_is_an_input() {
    let d = with_samples(&[("vendor-quick.csv", "a.csv")]);
    std::fs::hard_link(d.path().join("a.csv"), d.path().join("link.csv")).unwrap();
    assert_refused_untouched(
        d.path(),
        &["a.csv", "--report", "link.csv"],
        "never writes over an input",
    );
}

#[test]
fn outputs_inside_the_library_are_refused() {
    let d = with_samples(&[("vendor-quick.csv", "a.csv")]);
    let inside = root().join("knowledge").join("report.json");
    assert_refused_untouched(
        d.path(),
        &["a.csv", "--report", inside.to_str().unwrap()],
        "inside the library folder",
    );
    assert!(!inside.exists());
}

#[test]
fn output_follows_its_extension() {
    let d = with_samples(&[("vendor-quick.csv", "q.csv")]);
    let out = fill(d.path(), &["q.csv", "--out", "q.out.xlsx"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A real workbook, read back by calamine, with the answers.
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(d.path().join("q.out.xlsx")).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let text: String = range.cells().map(|(_, _, v)| v.to_string()).collect();
    assert!(text.contains("Yes"), "no answers in the rebuilt workbook");
    assert_refused_untouched(
        d.path(),
        &["q.csv", "--out", "q.out.txt"],
        "name the output",
    );
    let d = with_samples(&[("security-assessment.xlsx", "q.xlsx")]);
    assert_refused_untouched(d.path(), &["q.xlsx", "--out", "q.csv"], "name the output");
    assert_refused_untouched(
        d.path(),
        &["q.xlsx", "--review", "r.csv"],
        "review workbook is an .xlsx",
    );
}

/// A folder in which no file can be created, even by root: /sys where it refuses writes,
/// else a folder without write permission (for a non-root user). None when neither holds.
fn unwritable_dir(scratch: &Path) -> Option<PathBuf> {
    let sys = PathBuf::from("/sys");
    if std::fs::write(sys.join("vouch-probe"), b"x").is_err() && sys.is_dir() {
        return Some(sys);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = scratch.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("probe"), b"x").is_err() {
            return Some(ro);
        }
    }
    eprintln!("skipped: no unwritable folder here");
    None
}

#[test]
fn a_failed_review_write_leaves_no_filled_file() {
    let d = with_samples(&[("security-assessment.xlsx", "q.xlsx")]);
    let scratch = tempfile::tempdir().unwrap();
    let Some(ro) = unwritable_dir(scratch.path()) else {
        return;
    };
    let review = ro.join("r.xlsx");
    let before = bytes_of(d.path());
    let out = fill(
        d.path(),
        &[
            "q.xlsx",
            "--out",
            "o.xlsx",
            "--review",
            review.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(review.to_str().unwrap()),
        "names the user's path: {err}"
    );
    assert!(!err.contains(".vouch-tmp"), "{err}");
    assert_eq!(
        bytes_of(d.path()),
        before,
        "a failed run left output: {:?}",
        listing(d.path())
    );
}

#[test]
fn unwritable_output_paths_are_user_errors_naming_the_users_path() {
    let d = with_samples(&[("vendor-quick.csv", "a.csv")]);
    std::fs::create_dir(d.path().join("adir")).unwrap();
    assert_refused_untouched(d.path(), &["a.csv", "--out", "adir"], "");
    assert_refused_untouched(d.path(), &["a.csv", "--report", "adir"], "it is a folder");
    assert_refused_untouched(
        d.path(),
        &["a.csv", "--out", "nope/a.csv"],
        "does not exist",
    );
    assert_refused_untouched(
        d.path(),
        &["a.csv", "--report", "nope/r.json"],
        "does not exist",
    );
}

#[test]
fn a_run_writes_its_whole_set_of_outputs() {
    let d = with_samples(&[("vendor-quick.csv", "a.csv")]);
    let out = fill(d.path(), &["a.csv", "--report", "a.json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        listing(d.path()),
        vec!["a.csv", "a.filled.csv", "a.json", "a.review.xlsx"]
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("a.json")).unwrap()).unwrap();
    assert_eq!(report["output"], "a.filled.csv");
}

#[cfg(unix)]
#[test]
fn outputs_follow_the_umask_not_0600() {
    use std::os::unix::fs::PermissionsExt;
    let d = with_samples(&[("vendor-quick.csv", "a.csv")]);
    let reference = d.path().join("reference");
    std::fs::File::create(&reference).unwrap();
    let want = std::fs::metadata(&reference).unwrap().permissions().mode() & 0o777;
    std::fs::remove_file(&reference).unwrap();
    let out = fill(d.path(), &["a.csv", "--report", "a.json"]);
    assert!(out.status.success());
    for f in ["a.filled.csv", "a.review.xlsx", "a.json"] {
        let mode = std::fs::metadata(d.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, want, "{f}");
    }
}

fn write_export(dir: &Path, rows: &str) {
    std::fs::write(
        dir.join("answers.csv"),
        format!("id,question,answer,sources,tags\n{rows}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("sources.csv"),
        "doc_id,title,version,date,kind\npol,Policy,1,2026-01-01,policy\n",
    )
    .unwrap();
}

#[test]
fn import_into_the_folder_holding_the_export_is_refused_and_keeps_it() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    write_export(&lib, "a1,Do you encrypt data?,Yes.,pol#1,crypto\n");
    let before = bytes_of(&lib);
    let out = vouch(
        d.path(),
        &[
            "library",
            "import",
            "lib/answers.csv",
            "--into",
            "lib",
            "--force",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("import into another folder"), "{err}");
    assert_eq!(bytes_of(&lib), before);
}

#[test]
fn a_topic_named_like_a_registry_file_does_not_replace_it() {
    let d = tempfile::tempdir().unwrap();
    write_export(
        d.path(),
        "a1,Do you encrypt data at rest?,Yes.,pol#1,sources\n\
         a2,Do you keep audit logs?,Yes.,pol#1,synonyms\n\
         a3,Do you review access?,Yes.,pol#1,A&A\n",
    );
    let out = vouch(
        d.path(),
        &["library", "import", "answers.csv", "--into", "lib"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = vouch(d.path(), &["library", "check", "--library", "lib"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let sources = std::fs::read_to_string(d.path().join("lib/sources.toml")).unwrap();
    assert!(sources.contains("[[source]]") && !sources.contains("[[entry]]"));
    let out = vouch(
        d.path(),
        &["explain", "Do you keep audit logs?", "--library", "lib"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("a2"));
}

#[test]
fn an_invalid_import_names_the_library_file_not_a_temp_folder() {
    let d = tempfile::tempdir().unwrap();
    write_export(
        d.path(),
        "dup,Do you encrypt data?,Yes.,pol#1,crypto\ndup,Do you log?,Yes.,pol#1,crypto\n",
    );
    let out = vouch(
        d.path(),
        &["library", "import", "answers.csv", "--into", "lib"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("duplicate entry id 'dup'"), "{err}");
    assert!(err.contains("lib/topics/crypto.toml"), "{err}");
    assert!(!err.contains(".vouch-tmp"), "{err}");
    assert!(!d.path().join("lib").exists());
}

#[test]
fn a_killed_index_builds_temp_folder_is_swept_on_the_next_run() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    copy_library(&lib);
    // As a killed build leaves it: a pid that no longer runs.
    let stale = lib.join(".vouch-tmp-4194304999-AbC123");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("meta.json"), "{}").unwrap();
    let out = vouch(d.path(), &["index", "--library", "lib"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stale.exists(),
        "stale temp folder left: {:?}",
        listing(&lib)
    );
    // The same when the index is already up to date.
    std::fs::create_dir(&stale).unwrap();
    let q = d.path().join("q.csv");
    std::fs::copy(root().join("samples/vendor-quick.csv"), &q).unwrap();
    let out = vouch(d.path(), &["fill", "q.csv", "--library", "lib"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stale.exists());
}

fn copy_library(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(root().join("knowledge")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) == Some("toml") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// A read-only view of `src` at `dst`: a read-only bind mount where we may mount (root), else
/// the folders' write bits taken away (which binds a non-root user). Unmounted on drop.
struct ReadOnly {
    dst: PathBuf,
    mounted: bool,
}

impl ReadOnly {
    fn new(src: &Path, dst: &Path) -> Option<ReadOnly> {
        std::fs::create_dir_all(dst).unwrap();
        let ok = |args: &[&str]| {
            std::process::Command::new("mount")
                .args(args)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let (s, t) = (src.to_str().unwrap(), dst.to_str().unwrap());
        if ok(&["--bind", s, t]) {
            let ro = ReadOnly {
                dst: dst.to_path_buf(),
                mounted: true,
            };
            if ok(&["-o", "remount,bind,ro", t]) {
                return Some(ro);
            }
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::remove_dir(dst).unwrap();
            std::fs::rename(src, dst).unwrap();
            for e in std::fs::read_dir(dst).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o555)).unwrap();
                }
            }
            std::fs::set_permissions(dst, std::fs::Permissions::from_mode(0o555)).unwrap();
            if std::fs::write(dst.join("probe"), b"x").is_err() {
                return Some(ReadOnly {
                    dst: dst.to_path_buf(),
                    mounted: false,
                });
            }
        }
        None
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount").arg(&self.dst).output();
        }
        #[cfg(unix)]
        if !self.mounted {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.dst, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn a_read_only_library_can_be_used() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    copy_library(&lib);
    let q = d.path().join("q.csv");
    std::fs::copy(root().join("samples/vendor-quick.csv"), &q).unwrap();
    // Index built, then the library made read-only.
    assert!(vouch(d.path(), &["index", "--library", "lib"])
        .status
        .success());
    let expected = vouch(d.path(), &["fill", "q.csv", "--library", "lib"]);
    assert!(expected.status.success());
    let Some(ro) = ReadOnly::new(&lib, &d.path().join("ro")) else {
        eprintln!("skipped: cannot make a read-only folder here");
        return;
    };
    let out = vouch(d.path(), &["fill", "q.csv", "--library", "ro"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(out.stdout, expected.stdout);
    assert!(!err.contains("lock"), "{err}");
    drop(ro);
}

#[test]
fn a_read_only_library_without_an_index_is_indexed_in_memory() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    copy_library(&lib);
    let q = d.path().join("q.csv");
    std::fs::copy(root().join("samples/vendor-quick.csv"), &q).unwrap();
    let Some(ro) = ReadOnly::new(&lib, &d.path().join("ro")) else {
        eprintln!("skipped: cannot make a read-only folder here");
        return;
    };
    let out = vouch(d.path(), &["fill", "q.csv", "--library", "ro"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("indexed for this run only"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("auto"));
    drop(ro);
}
