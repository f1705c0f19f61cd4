//! `vouch library import-answered` through the real binary, on a private copy of the shipped
//! library and the shipped sample `samples/answered-last-year.xlsx`. The assertions read the
//! sample's rows with Vouch's own reader and check outcomes by what the rows say (an added
//! alternate is one of the sample's questions, and the entry it went to answers it the same
//! way), never by cell address.

mod common;

use common::ok;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// No model: words only, whatever is installed here.
use common::NO_MODEL;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/answered-last-year.xlsx")
}

fn vouch(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .env("VOUCH_REVIEWER", "test")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// Every file of the library except the derived index: path → bytes.
fn snapshot(lib: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for f in std::fs::read_dir(lib).unwrap() {
        let p = f.unwrap().path();
        // The library's files, not its derived caches (.vouch-index, its lock).
        let cache = p.file_name().unwrap().to_string_lossy().starts_with('.');
        if p.is_file() && !cache {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

/// The sample's rows as Vouch reads them: question → (answer cell, comment cell).
fn sample_rows(path: &Path) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let wb = vouch::sheet::read::read_workbook(path).unwrap();
    let q = vouch::sheet::layout::detect(&wb, &Default::default()).unwrap();
    q.sheets
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| {
            (
                r.question.clone(),
                (r.existing_answer.clone(), r.existing_comment.clone()),
            )
        })
        .collect()
}

fn import_json(dir: &Path, lib: &Path, file: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "library",
        "import-answered",
        file.to_str().unwrap(),
        "--library",
        lib.to_str().unwrap(),
        "--json",
    ];
    args.extend(extra);
    serde_json::from_str(&ok(&vouch(dir, &args))).unwrap()
}

fn rows_with<'a>(report: &'a serde_json::Value, outcome: &str) -> Vec<&'a serde_json::Value> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .collect()
}

#[test]
fn the_sample_teaches_alternates_drafts_and_lists_conflicts_and_a_second_import_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let input = d.path().join("answered-last-year.xlsx");
    std::fs::copy(sample(), &input).unwrap();
    let input_before = std::fs::read(&input).unwrap();
    let before = vouch::knowledge::load_library(&lib).unwrap();
    let sample = sample_rows(&input);

    let report = import_json(d.path(), &lib, &input, &[]);
    let s = &report["summary"];
    assert_eq!(s["rows"].as_u64().unwrap() as usize, sample.len());
    for what in ["alternates", "drafts", "conflicts", "skipped"] {
        assert!(s[what].as_u64().unwrap() >= 2, "{what}: {s}");
    }
    assert_eq!(
        std::fs::read(&input).unwrap(),
        input_before,
        "input untouched"
    );

    let after = vouch::knowledge::load_library(&lib).unwrap();
    // Each added alternate is one of the sample's questions, now a phrasing of the entry it
    // matched, and that entry answers it as the team did (same short answer, when both have one).
    for r in rows_with(&report, "alternate") {
        let q = r["question"].as_str().unwrap();
        let id = r["entry"].as_str().unwrap();
        assert!(
            sample.contains_key(q),
            "{q} is not a question of the sample"
        );
        let e = after.entry(id).unwrap();
        assert!(e.alternates.iter().any(|a| a == q), "{id} lacks {q}");
        assert!(!before.entry(id).unwrap().alternates.iter().any(|a| a == q));
        let (answer, _) = &sample[q];
        if let (Some(theirs), Some(lib_short)) = (
            answer
                .as_deref()
                .and_then(vouch::knowledge::answered::hand_short),
            e.short_answer,
        ) {
            assert_eq!(theirs, lib_short, "{id}: {q}");
        }
    }
    // Every draft is in drafts.toml with the draft tag and the team's answer.
    let drafts = std::fs::read_to_string(lib.join("drafts.toml")).unwrap();
    for r in rows_with(&report, "draft") {
        let id = r["entry"].as_str().unwrap();
        let e = after.entry(id).unwrap();
        assert!(e.is_draft(), "{id}");
        assert_eq!(e.file, PathBuf::from("drafts.toml"));
        assert_eq!(e.question, r["question"].as_str().unwrap());
        assert_eq!(e.answer, r["answer"].as_str().unwrap());
        let (answer, comment) = &sample[&e.question];
        assert!(e.answer.starts_with(answer.as_deref().unwrap_or_default()));
        if let Some(c) = comment {
            assert!(e.answer.ends_with(c.as_str()), "{}", e.answer);
        }
        assert!(drafts.contains(&format!("id = \"{id}\"")));
    }
    // Conflicts: the entry says one thing, the team another; nothing written for them.
    for r in rows_with(&report, "conflict") {
        let q = r["question"].as_str().unwrap();
        let id = r["entry"].as_str().unwrap();
        assert!(after.entry(id).is_some());
        assert!(!after.entries.iter().any(|e| e.phrasings().any(|p| p == q)));
        assert!(!r["library_answer"].as_str().unwrap().is_empty());
        assert!(!r["why"].as_str().unwrap().is_empty());
    }
    // Skipped rows are the ones without any answer.
    for r in rows_with(&report, "skipped") {
        let (a, c) = &sample[r["question"].as_str().unwrap()];
        assert!(a.is_none() && c.is_none());
    }
    // The history records each change.
    let history = std::fs::read_to_string(lib.join("review-history.jsonl")).unwrap();
    let changes = s["alternates"].as_u64().unwrap() + s["drafts"].as_u64().unwrap();
    assert_eq!(history.lines().count() as u64, changes);
    assert!(history.contains("import-answered"));
    // The library still loads.
    ok(&vouch(
        d.path(),
        &["library", "check", "--library", lib.to_str().unwrap()],
    ));

    // A second import of the same file changes nothing, byte for byte.
    let once = snapshot(&lib);
    let again = import_json(d.path(), &lib, &input, &[]);
    assert_eq!(snapshot(&lib), once);
    let s2 = &again["summary"];
    assert_eq!(s2["alternates"], 0, "{s2}");
    assert_eq!(s2["drafts"], 0, "{s2}");
    assert_eq!(s2["conflicts"], s["conflicts"]);
    assert_eq!(
        s2["known"].as_u64().unwrap(),
        s["known"].as_u64().unwrap() + changes
    );
}

#[test]
fn a_dry_run_writes_nothing_and_prints_the_summary_and_conflicts() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let before = snapshot(&lib);
    let out = ok(&vouch(
        d.path(),
        &[
            "library",
            "import-answered",
            sample().to_str().unwrap(),
            "--library",
            lib.to_str().unwrap(),
            "--dry-run",
        ],
    ));
    assert_eq!(snapshot(&lib), before);
    assert!(out.contains("alternates would be added"), "{out}");
    assert!(out.contains("already known"), "{out}");
    assert!(out.contains("conflicts (nothing written"), "{out}");
    assert!(out.contains("dry run: nothing written"), "{out}");
}

#[test]
fn a_csv_of_the_same_answers_imports_the_same_way() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    // The sample's cells, written as CSV.
    let wb = vouch::sheet::read::read_workbook(&sample()).unwrap();
    let grid = &wb.sheets[0];
    let (rows, cols) = grid.extent().unwrap();
    let csv_path = d.path().join("answered.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    for r in 0..=rows {
        w.write_record((0..=cols).map(|c| grid.get(r, c).unwrap_or("")))
            .unwrap();
    }
    w.flush().unwrap();
    let from_csv = import_json(d.path(), &lib, &csv_path, &["--dry-run"]);
    let from_xlsx = import_json(d.path(), &lib, &sample(), &["--dry-run"]);
    assert_eq!(from_csv["summary"], from_xlsx["summary"]);
    let outcomes = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["question"].to_string(), x["outcome"].to_string()))
            .collect()
    };
    assert_eq!(outcomes(&from_csv), outcomes(&from_xlsx));
}

#[test]
fn a_bad_file_is_one_line_and_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let before = snapshot(&lib);
    let bad = d.path().join("answers.xlsx");
    std::fs::write(&bad, b"this is not a workbook").unwrap();
    for file in [bad.clone(), d.path().join("missing.csv")] {
        let out = vouch(
            d.path(),
            &[
                "library",
                "import-answered",
                file.to_str().unwrap(),
                "--library",
                lib.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(file.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    // A questionnaire with questions but no answer column has nothing to import.
    let unanswered = d.path().join("questions.csv");
    std::fs::write(
        &unanswered,
        "Question\nDo you encrypt data at rest?\nDo you have a SOC 2 report?\n",
    )
    .unwrap();
    let out = vouch(
        d.path(),
        &[
            "library",
            "import-answered",
            unanswered.to_str().unwrap(),
            "--library",
            lib.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer column"));
    assert_eq!(snapshot(&lib), before);
}
