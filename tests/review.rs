//! The review loop through the real binary: `fill` writes a review workbook that records the
//! filled file it belongs to, and the workbook reads back (with calamine, not our writer) as
//! rows with their candidates and the reviewer's `Decision` cells.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use vouch::review::read::read_review;

/// No model: words only, whatever is installed here.
const NO_MODEL: &str = "/nonexistent/vouch-model";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private copy of the shipped library and the quick sample in `d`.
fn setup(d: &Path) -> PathBuf {
    let lib = d.join("lib");
    std::fs::create_dir(&lib).unwrap();
    for f in std::fs::read_dir(root().join("knowledge")).unwrap() {
        let p = f.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, lib.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.join("vendor-quick.csv"),
    )
    .unwrap();
    lib
}

fn vouch(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_review_workbook_records_its_filled_file_and_reads_back() {
    let d = tempfile::tempdir().unwrap();
    let lib = setup(d.path());
    let out = vouch(
        d.path(),
        &[
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
            "--report",
            "r.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = read_review(&d.path().join("vendor-quick.review.xlsx")).unwrap();
    let filled = d.path().join("vendor-quick.filled.csv");
    assert_eq!(
        review.meta.filled.canonicalize().unwrap(),
        filled.canonicalize().unwrap()
    );
    assert_eq!(
        review.meta.filled_hash,
        vouch::review::file_hash(&filled).unwrap()
    );
    assert_eq!(
        review.meta.input_hash,
        vouch::review::file_hash(&d.path().join("vendor-quick.csv")).unwrap()
    );
    assert!(review.meta.report.is_some());
    // The rows are the report's review and unanswered items, with their candidates.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    let pending: Vec<(String, u64)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "review" || i["status"] == "unanswered")
        .map(|i| {
            (
                i["sheet"].as_str().unwrap().to_string(),
                i["row"].as_u64().unwrap(),
            )
        })
        .collect();
    let rows: Vec<(String, u64)> = review
        .rows
        .iter()
        .map(|r| (r.sheet.clone(), u64::from(r.row)))
        .collect();
    assert_eq!(rows, pending);
    assert!(review.rows.iter().any(|r| !r.offered.is_empty()));
    assert!(review.rows.iter().all(|r| r.decision.is_none()));
}
