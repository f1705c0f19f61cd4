//! The review loop through the real binary: `fill` writes a review workbook that records the
//! filled file it belongs to, and the workbook reads back (with calamine, not our writer) as
//! rows with their candidates and the reviewer's `Decision` cells.

mod common;

use common::vouch;

use std::path::{Path, PathBuf};

use vouch::review::read::read_review;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private copy of the shipped library and the quick sample in `d`.
fn setup(d: &Path) -> PathBuf {
    let lib = common::private_library(d);
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.join("vendor-quick.csv"),
    )
    .unwrap();
    lib
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

/// Type `decisions` (review-sheet row, text) into the review workbook's Decision column, as a
/// reviewer in Excel would (through the patcher, which edits the cells in place).
fn type_decisions(review: &Path, decisions: &[(u32, &str)]) {
    use vouch::sheet::patch::{patch_xlsx, CellEdit, PatchLimits, SheetEdits};
    let tmp = review.with_extension("typing.xlsx");
    let edits = vec![SheetEdits {
        sheet: "Review".into(),
        edits: decisions
            .iter()
            .map(|(row, text)| CellEdit {
                row: row - 1,
                col: 17,
                value: text.to_string(),
            })
            .collect(),
        notes: Vec::new(),
    }];
    patch_xlsx(review, &tmp, &edits, PatchLimits::default()).unwrap();
    std::fs::rename(&tmp, review).unwrap();
}

fn fill_quick(d: &Path, lib: &Path, out: &str, report: &str) {
    let review = format!("{out}.review.xlsx");
    let out_file = format!("{out}.csv");
    let o = vouch(
        d,
        &[
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
            "--out",
            &out_file,
            "--review",
            &review,
            "--report",
            report,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn report_items(path: &Path) -> Vec<serde_json::Value> {
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    r["items"].as_array().unwrap().clone()
}

fn item(items: &[serde_json::Value], question_starts: &str) -> serde_json::Value {
    items
        .iter()
        .find(|i| i["question"].as_str().unwrap().starts_with(question_starts))
        .unwrap_or_else(|| panic!("no item {question_starts}"))
        .clone()
}

/// Library files' lines: the new ones must only add, never change or drop, a line.
fn only_added(before: &str, after: &str) -> Vec<String> {
    let mut b = before.lines().peekable();
    let mut added = Vec::new();
    for line in after.lines() {
        if b.peek() == Some(&line) {
            b.next();
        } else {
            added.push(line.to_string());
        }
    }
    assert!(b.next().is_none(), "a line was removed or changed");
    added
}

#[test]
fn decisions_from_excel_and_the_page_are_applied_and_learnt() {
    use vouch::review::decisions::{append, sidecar_path, Action, Decision};
    let d = tempfile::tempdir().unwrap();
    let lib = setup(d.path());
    let before: Vec<(PathBuf, String)> = std::fs::read_dir(&lib)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    fill_quick(d.path(), &lib, "first", "first.json");
    let review_path = d.path().join("first.review.xlsx");
    let review = read_review(&review_path).unwrap();
    let at = |q: &str| {
        review
            .rows
            .iter()
            .find(|r| r.question.starts_with(q))
            .unwrap_or_else(|| panic!("{q} not in review"))
            .clone()
    };
    let soc2 = at("Do you have a current SOC 2");
    let period = at("What period does your latest SOC 2");
    let pentest = at("How often are third-party penetration");
    let scans = at("Do you run automated vulnerability");
    let review_code = at("Do you perform code review");
    let cheque = at("Do you accept payment by cheque");
    // Excel: accept, a candidate by number, N/A, an own answer, and one the page overrides.
    type_decisions(
        &review_path,
        &[
            (soc2.at, "Accept"),
            (period.at, "2"),
            (scans.at, "n/a"),
            (
                review_code.at,
                "Yes. Two engineers approve every pull request before it is merged.",
            ),
            (cheque.at, "accept"),
        ],
    );
    // The page, later: a candidate for the pentest row, and skip for the cheque row.
    let side = sidecar_path(&review_path);
    let later = |sheet: &str, row: u32, action: Action| Decision {
        sheet: sheet.into(),
        row,
        action,
        who: "Ben".into(),
        when: "2999-01-01T00:00:00Z".into(),
        via: "browser".into(),
    };
    append(
        &side,
        &later(&pentest.sheet, pentest.row, Action::Candidate { n: 2 }),
    )
    .unwrap();
    append(&side, &later(&cheque.sheet, cheque.row, Action::Skip)).unwrap();

    let o = vouch(
        d.path(),
        &["review", "apply", "first.review.xlsx", "--reviewer", "Ana"],
    );
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("1 skipped"), "{stdout}");
    assert!(
        stdout.contains("3 new alternate phrasings, 1 draft entries"),
        "{stdout}"
    );

    // The filled CSV holds the decided answers; the report says who decided what.
    let filled = std::fs::read_to_string(d.path().join("first.csv")).unwrap();
    assert!(filled.contains("Two engineers approve every pull request"));
    assert!(filled.contains("reviewed by Ana"));
    let items = report_items(&d.path().join("first.json"));
    let s = item(&items, "Do you have a current SOC 2");
    assert_eq!(s["status"], "reviewed");
    assert_eq!(s["decision"]["who"], "Ana");
    assert_eq!(s["decision"]["via"], "excel");
    assert_eq!(s["answer_id"], soc2.offered[0].entry.as_str());
    let p = item(&items, "How often are third-party penetration");
    assert_eq!(p["decision"]["who"], "Ben");
    assert_eq!(p["decision"]["what"], "candidate 2");
    assert_eq!(
        item(&items, "Do you run automated vulnerability")["answer"],
        "N/A"
    );
    assert_eq!(
        item(&items, "Do you accept payment by cheque")["status"],
        "review"
    );

    // The library only gained lines: the questions as alternates, and one draft.
    for (path, old) in &before {
        let added = only_added(old, &std::fs::read_to_string(path).unwrap());
        for a in &added {
            assert!(
                a.starts_with("  \"") && a.ends_with("\","),
                "{}: {a}",
                path.display()
            );
        }
    }
    let drafts = std::fs::read_to_string(lib.join("drafts.toml")).unwrap();
    assert!(drafts.contains("tags = [\"draft\"]"));
    let history = std::fs::read_to_string(lib.join("review-history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 5, "{history}");

    // Fill again: the decided questions come back auto with the chosen answers; the own
    // answer is proposed (a draft waits for its owner) with the reviewer's text.
    fill_quick(d.path(), &lib, "second", "second.json");
    let items = report_items(&d.path().join("second.json"));
    for (q, entry) in [
        (
            "Do you have a current SOC 2",
            soc2.offered[0].entry.as_str(),
        ),
        (
            "What period does your latest SOC 2",
            period
                .offered
                .iter()
                .find(|o| o.n == 2)
                .unwrap()
                .entry
                .as_str(),
        ),
        (
            "How often are third-party penetration",
            pentest
                .offered
                .iter()
                .find(|o| o.n == 2)
                .unwrap()
                .entry
                .as_str(),
        ),
    ] {
        let i = item(&items, q);
        assert_eq!(i["status"], "auto", "{q}: {i}");
        assert_eq!(i["answer_id"], entry, "{q}");
    }
    let own = item(&items, "Do you perform code review");
    assert_eq!(own["status"], "review");
    assert!(own["answer"]
        .as_str()
        .unwrap()
        .contains("Two engineers approve"));

    // Applying again changes nothing in the library, and is allowed on the applied file.
    let o = vouch(d.path(), &["review", "apply", "first.review.xlsx"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(lib.join("review-history.jsonl")).unwrap(),
        history
    );
}

#[test]
fn apply_refuses_a_filled_file_changed_since() {
    let d = tempfile::tempdir().unwrap();
    let lib = setup(d.path());
    fill_quick(d.path(), &lib, "first", "first.json");
    let review_path = d.path().join("first.review.xlsx");
    let row = read_review(&review_path).unwrap().rows[0].at;
    type_decisions(&review_path, &[(row, "n/a")]);
    let filled = d.path().join("first.csv");
    let edited = format!(
        "{}\nhand edit,,\n",
        std::fs::read_to_string(&filled).unwrap()
    );
    std::fs::write(&filled, &edited).unwrap();
    let o = vouch(d.path(), &["review", "apply", "first.review.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains("first.csv") && err.contains("changed since"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&filled).unwrap(), edited);
    assert!(!lib.join("review-history.jsonl").exists());
}

#[test]
fn decisions_go_into_the_patched_workbook_and_read_back_with_calamine() {
    use calamine::Reader;
    let d = tempfile::tempdir().unwrap();
    let lib = setup(d.path());
    std::fs::copy(
        root().join("samples/security-assessment.xlsx"),
        d.path().join("sa.xlsx"),
    )
    .unwrap();
    let o = vouch(
        d.path(),
        &["fill", "sa.xlsx", "--library", lib.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let review_path = d.path().join("sa.review.xlsx");
    let review = read_review(&review_path).unwrap();
    let row = review
        .rows
        .iter()
        .find(|r| !r.offered.is_empty())
        .expect("a row with a candidate")
        .clone();
    let pick = row.offered[0].clone();
    let typed = if pick.n == 1 {
        "accept".to_string()
    } else {
        pick.n.to_string()
    };
    type_decisions(&review_path, &[(row.at, &typed)]);
    let input_before = std::fs::read(d.path().join("sa.xlsx")).unwrap();
    let o = vouch(
        d.path(),
        &["review", "apply", "sa.review.xlsx", "--no-learn"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The questionnaire as received is untouched; the filled one holds the chosen answer.
    assert_eq!(
        std::fs::read(d.path().join("sa.xlsx")).unwrap(),
        input_before
    );
    let mut book = calamine::open_workbook_auto(d.path().join("sa.filled.xlsx")).unwrap();
    let range = book.worksheet_range(&row.sheet).unwrap();
    let cells: Vec<String> = range
        .rows()
        .nth(row.row as usize - 1 - range.start().unwrap().0 as usize)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let answer_start: String = pick.answer.chars().take(30).collect();
    assert!(
        cells
            .iter()
            .any(|c| c.contains(&answer_start) || c.contains("reviewed by")),
        "{cells:?}"
    );
    assert!(!lib.join("review-history.jsonl").exists());
}
