//! Third-party workbook structures, read right and written only where the vendor is meant to
//! type: `samples/hecvat-full.xlsx` (ids in column A, question text as cached VLOOKUP results,
//! one header per section whose title is a formula, guidance and analyst columns, protected
//! sheets with unlocked answer cells, a START HERE sheet the others pull from, institution
//! evaluation and analyst sheets) and `samples/vsa-like.xlsx` (header on row 3 sharing its row
//! with a section title, questions in column B on one sheet and C on another, follow-ups,
//! an "Internal Use" section, field rows, introduction and legal sheets).
//!
//! Every gold row must be found, and every written answer is read back with calamine, a
//! second reader, not through Vouch's own writer.

mod common;

use common::vouch as vouch_in;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// No model: these tests measure matching by words only, whatever is installed here.
use common::NO_MODEL;

use assert_cmd::Command;
use calamine::{Data, Reader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (sheet, row 1-based) of every gold row of `file` in samples/gold.csv.
fn gold_rows(file: &str) -> BTreeSet<(String, u32)> {
    let mut r = csv::Reader::from_path(root().join("samples/gold.csv")).unwrap();
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[0] == file)
        .map(|x| (x[1].to_string(), x[2].parse().unwrap()))
        .collect()
}

type Cells = BTreeMap<String, BTreeMap<(u32, u32), String>>;

/// Every non-empty cell of every sheet, as calamine reads it.
fn cells(path: &Path) -> Cells {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let mut out = BTreeMap::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut m = BTreeMap::new();
        for (r, c, v) in range.cells() {
            if !matches!(v, Data::Empty) {
                m.insert((r as u32 + r0, c as u32 + c0), v.to_string());
            }
        }
        out.insert(name, m);
    }
    out
}

/// Fill `name` into a temp folder with the shipped library; the report and the folder.
fn fill(name: &str) -> (serde_json::Value, tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("samples").join(name), d.path().join(name)).unwrap();
    let lib = root().join("knowledge");
    let out = Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(d.path())
        .args([
            "fill",
            name,
            "--library",
            lib.to_str().unwrap(),
            "--report",
            "r.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    (report, d)
}

fn found(report: &serde_json::Value) -> BTreeSet<(String, u32)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sheet"].as_str().unwrap().to_string(),
                i["row"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

/// What changed between the input and the filled copy: (sheet, row, col) → new text.
fn changes(before: &Cells, after: &Cells) -> BTreeMap<(String, u32, u32), String> {
    let mut out = BTreeMap::new();
    for (sheet, cells) in after {
        let old = before.get(sheet).cloned().unwrap_or_default();
        for (pos, v) in cells {
            if old.get(pos) != Some(v) {
                out.insert((sheet.clone(), pos.0, pos.1), v.clone());
            }
        }
    }
    out
}

fn check_sample(name: &str, answer_col: &dyn Fn(&str) -> u32, never: &[&str]) {
    let (report, d) = fill(name);
    let gold = gold_rows(name);
    assert!(!gold.is_empty());
    let got = found(&report);
    let missing: Vec<_> = gold.difference(&got).collect();
    assert!(
        missing.is_empty(),
        "{name}: gold rows not found: {missing:?}"
    );
    let extra: Vec<_> = got.difference(&gold).collect();
    assert!(
        extra.is_empty(),
        "{name}: rows taken as questions that are not: {extra:?}"
    );

    let before = cells(&root().join("samples").join(name));
    let after = cells(&d.path().join(name.replace(".xlsx", ".filled.xlsx")));
    let changed = changes(&before, &after);
    // Nothing on a sheet the vendor must not touch; no column beyond the used range.
    for ((sheet, r, c), v) in &changed {
        assert!(
            !never.contains(&sheet.as_str()),
            "{name}: wrote '{v}' on {sheet} at row {}",
            r + 1
        );
        let last_col = before[sheet].keys().map(|k| k.1).max().unwrap_or(0);
        assert!(
            *c <= last_col.max(answer_col(sheet) + 1),
            "{name}: a column was added on {sheet} (col {c})"
        );
    }
    // Every auto answer is in its row's answer cell, as the report says.
    let mut autos = 0;
    for item in report["items"].as_array().unwrap() {
        let sheet = item["sheet"].as_str().unwrap();
        let row = item["row"].as_u64().unwrap() as u32 - 1;
        // Where the answer cell is a formula showing another sheet's cell, the answer is
        // written there (the report's note names it).
        let redirected = item["note"]
            .as_str()
            .and_then(|n| n.strip_prefix("written at '"))
            .and_then(|n| n.split_once("'!"))
            .map(|(s, rest)| {
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let col = addr.chars().next().unwrap() as u32 - 'A' as u32;
                let r: u32 = addr[1..].parse().unwrap();
                (s.to_string(), r - 1, col)
            });
        let cell = match &redirected {
            Some(key) => {
                assert_ne!(&key.0, sheet, "redirected to its own sheet");
                changed
                    .get(key)
                    .or_else(|| after.get(&key.0).and_then(|c| c.get(&(key.1, key.2))))
            }
            None => changed.get(&(sheet.to_string(), row, answer_col(sheet))),
        };
        match item["status"].as_str().unwrap() {
            "auto" => {
                autos += 1;
                let v = cell.unwrap_or_else(|| {
                    panic!(
                        "{name}: auto answer of {sheet} row {} not in its answer cell",
                        row + 1
                    )
                });
                if let Some(s) = item["short_answer"].as_str() {
                    assert!(v.contains(s) || v.starts_with(s), "{v} vs {s}");
                }
            }
            _ => assert!(
                cell.is_none(),
                "{name}: {sheet} row {} is not auto but its answer cell was written",
                row + 1
            ),
        }
    }
    assert!(autos > 0, "{name}: nothing auto at all");
    // The summary agrees with the report and the workbook.
    let auto_in_summary = report["summary"]["auto"].as_u64().unwrap();
    assert_eq!(auto_in_summary, autos);
}

#[test]
fn hecvat_full_reads_the_right_cells_and_writes_only_vendor_cells() {
    check_sample(
        "hecvat-full.xlsx",
        &|_| 2, // column C on START HERE and on the vendor sheets
        &["Institution Evaluation", "Analyst Reference", "Questions"],
    );
}

#[test]
fn vsa_like_reads_the_right_cells_and_adds_no_column() {
    check_sample(
        "vsa-like.xlsx",
        &|sheet| if sheet == "Access & Operations" { 3 } else { 2 },
        &["Introduction", "Legal Terms"],
    );
}

/// `inspect` explains what fill will read; its saved layout, given back to `fill --layout`,
/// reads the same questions, and a layout's choices (a skipped sheet) are followed.
#[test]
fn inspect_explains_and_saved_layouts_are_reused() {
    let d = tempfile::tempdir().unwrap();
    let q = root().join("samples/hecvat-full.xlsx");
    let q = q.to_str().unwrap();
    let out = vouch_in(
        d.path(),
        &["inspect", q, "--json", "--save-layout", "h.toml"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let general = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sheet"] == "General")
        .unwrap();
    assert_eq!(general["question_col"], "B");
    assert_eq!(general["answer_col"], "C");
    assert_eq!(general["comment_col"], "D");
    assert_eq!(general["id_col"], "A");
    assert_eq!(general["questions"], 8);
    assert_eq!(general["examples"][0]["question"], "Solution Provider Name");
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sheet"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"Institution Evaluation"), "{skipped:?}");
    let text = vouch_in(d.path(), &["inspect", q]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("--question-col") && text.contains("skipped sheet 'Analyst Reference'"),
        "{text}"
    );

    let lib = root().join("knowledge");
    let lib = lib.to_str().unwrap();
    let items = |extra: &[&str], tag: &str| -> Vec<(String, u64, String)> {
        let report = format!("{tag}.json");
        let out_file = format!("{tag}.xlsx");
        let review = format!("{tag}.review.xlsx");
        let mut args = vec![
            "fill",
            q,
            "--library",
            lib,
            "--out",
            &out_file,
            "--review",
            &review,
            "--report",
            &report,
        ];
        args.extend_from_slice(extra);
        let out = vouch_in(d.path(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path().join(&report)).unwrap()).unwrap();
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["sheet"].as_str().unwrap().to_string(),
                    i["row"].as_u64().unwrap(),
                    i["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(items(&[], "a"), items(&["--layout", "h.toml"], "b"));
    let saved = std::fs::read_to_string(d.path().join("h.toml")).unwrap();
    std::fs::write(
        d.path().join("skip.toml"),
        saved.replace(
            "name = \"Data Security\"\n",
            "name = \"Data Security\"\nskip = true\n",
        ),
    )
    .unwrap();
    let skipped = items(&["--layout", "skip.toml"], "c");
    assert!(!skipped.is_empty());
    assert!(
        skipped.iter().all(|(s, _, _)| s != "Data Security"),
        "{skipped:?}"
    );
}
