//! `vouch library lint` on real libraries: the bench's stale entries and entries reviewed
//! before the sources they cite (counted here from the bench's own CSV files, not from lint),
//! facts, synonym conflicts, JSON output and the exit codes CI relies on.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::vouch;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `(rule, subject)` of every finding in lint's JSON output, and the exit code.
fn lint_json(
    dir: &Path,
    lib: &Path,
    extra: &[&str],
) -> (Vec<(String, String)>, i32, serde_json::Value) {
    let mut args = vec![
        "library",
        "lint",
        "--library",
        lib.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = vouch(dir, &args);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)));
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (found, o.status.code().unwrap(), v)
}

fn of_rule(found: &[(String, String)], rule: &str) -> BTreeSet<String> {
    found
        .iter()
        .filter(|(r, _)| r == rule)
        .map(|(_, s)| s.clone())
        .collect()
}

#[test]
fn finds_the_bench_librarys_stale_entries_and_entries_older_than_their_sources() {
    let Some(bench) = common::bench_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("bench");
    let o = vouch(
        tmp.path(),
        &[
            "library",
            "import",
            bench.join("library.csv").to_str().unwrap(),
            "--into",
            lib.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // What the bench README says, counted from its CSV files.
    let mut source_dates: BTreeMap<String, String> = BTreeMap::new();
    for r in csv::Reader::from_path(bench.join("sources.csv"))
        .unwrap()
        .deserialize()
    {
        let r: BTreeMap<String, String> = r.unwrap();
        source_dates.insert(r["doc_id"].clone(), r["date"].clone());
    }
    let (mut stale, mut older) = (BTreeSet::new(), BTreeSet::new());
    for r in csv::Reader::from_path(bench.join("library.csv"))
        .unwrap()
        .deserialize()
    {
        let r: BTreeMap<String, String> = r.unwrap();
        let reviewed = &r["reviewed"];
        if reviewed.as_str() < "2025-06-01" {
            stale.insert(r["id"].clone());
        }
        let cites_newer = r["sources"].split(';').any(|c| {
            let doc = c.trim().split('#').next().unwrap();
            source_dates[doc].as_str() > reviewed.as_str()
        });
        if cites_newer {
            older.insert(r["id"].clone());
        }
    }
    assert_eq!(stale.len(), 12, "the bench README's twelve");
    assert_eq!(older.len(), 11, "the bench README's eleven");

    // A year's review policy as of 2026-06-01: the twelve are stale, and nothing else.
    let (found, code, v) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-06-01", "--no-matching"],
    );
    assert_eq!(of_rule(&found, "stale-review"), stale);
    assert_eq!(of_rule(&found, "reviewed-before-source"), older);
    assert_eq!(code, 1, "errors found: exit 1");
    assert_eq!(
        v["errors"].as_u64().unwrap() as usize,
        found.iter().filter(|_| true).count() - v["warnings"].as_u64().unwrap() as usize
    );

    // By 2026-12-05 the SOC reports (period ended 2025-09-30) are past their use, and the
    // bridge letter (to 2026-03-31) does not reach today.
    let (found, _, _) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--no-matching"],
    );
    let expired = of_rule(&found, "expired-source");
    for soc in ["soc1-report-2025", "soc2-report-2025", "soc3-report-2025"] {
        assert!(expired.contains(soc), "{expired:?}");
    }
    assert_eq!(
        of_rule(&found, "bridge-letter-gap"),
        BTreeSet::from(["bridge-letter-2026".to_string()])
    );
    // A policy of 36 months and reports of 24: no stale entries, no expired reports.
    let (found, _, _) = lint_json(
        tmp.path(),
        &lib,
        &[
            "--today",
            "2026-12-05",
            "--no-matching",
            "--review-months",
            "36",
            "--report-months",
            "24",
        ],
    );
    assert!(of_rule(&found, "stale-review").is_empty());
    assert!(of_rule(&found, "expired-source").is_empty());
}

const SOURCES: &str = r#"
[[source]]
id = "soc2-report"
title = "SOC 2 Type II Report"
date = "2026-10-16"
kind = "report"
period_end = "2026-08-31"

[[source]]
id = "policy"
title = "Information Security Policy"
date = "2026-01-10"
kind = "policy"
"#;

const FACTS: &str = r#"
[company]
name = "Larkspur Cloud, Inc."

[soc2]
period_start = 2025-09-01
period_end = 2026-08-31
auditor = "Bellweather & Stroud LLP"

[iso27001]
expires = 2027-05-19
"#;

fn entry(id: &str, question: &str, answer: &str, short: &str) -> String {
    format!(
        r#"
[[entry]]
id = "{id}"
question = "{question}"
answer = "{answer}"
short_answer = "{short}"
citations = [{{ doc = "soc2-report", section = "section-1" }}]
tags = ["audit-compliance"]
owner = "compliance@example.com"
reviewed = "2026-11-01"
"#
    )
}

/// A small clean library in `dir/lib`.
fn small_library(dir: &Path) -> std::path::PathBuf {
    let lib = dir.join("lib");
    std::fs::create_dir(&lib).unwrap();
    std::fs::write(lib.join("sources.toml"), SOURCES).unwrap();
    std::fs::write(lib.join("facts.toml"), FACTS).unwrap();
    let entries = [
        entry(
            "soc2-type2",
            "Do you have a SOC 2 Type II report?",
            "Yes. {company.name} holds a SOC 2 Type II report for {soc2.period_start} to {soc2.period_end}, issued by {soc2.auditor}.",
            "Yes",
        ),
        entry(
            "iso-cert",
            "Are you ISO 27001 certified?",
            "Yes. The certificate is valid until {iso27001.expires}.",
            "Yes",
        ),
        entry(
            "pci",
            "Are you PCI DSS compliant?",
            "Not applicable. The platform does not store, process or transmit cardholder data.",
            "N/A",
        ),
    ];
    let mut text = entries.concat();
    // The policy is cited too, so no source is unused.
    text = text.replacen("doc = \"soc2-report\"", "doc = \"policy\"", 1);
    std::fs::write(lib.join("topics.toml"), text).unwrap();
    lib
}

#[test]
fn a_clean_library_passes_and_facts_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = small_library(tmp.path());
    let (found, code, _) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--no-matching"],
    );
    assert_eq!(code, 0, "{found:?}");
    assert!(found.is_empty(), "{found:?}");

    // The certificate's expiry passes; the report's period is more than a year old.
    let (found, code, _) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2027-09-30", "--no-matching"],
    );
    assert_eq!(code, 1);
    let expired = of_rule(&found, "expired-fact");
    assert!(expired.contains("iso27001.expires"), "{found:?}");
    assert!(expired.contains("soc2.period_end"), "{found:?}");
    assert!(
        of_rule(&found, "expired-source").contains("soc2-report"),
        "{found:?}"
    );

    // An answer using a fact the facts file lacks: fill refuses the library, lint lists it.
    let topics = lib.join("topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    std::fs::write(
        &topics,
        text.replace("{iso27001.expires}", "{iso27001.expiry_date}"),
    )
    .unwrap();
    let (found, code, _) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--no-matching"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        of_rule(&found, "unknown-fact"),
        BTreeSet::from(["iso-cert".to_string()]),
        "{found:?}"
    );
    let o = vouch(
        tmp.path(),
        &["library", "check", "--library", lib.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("topics.toml:") && err.contains("{iso27001.expiry_date}"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // An answer spelling out a fact, a placeholder, a short answer its text contradicts.
    std::fs::write(
        &topics,
        text.replace("{soc2.auditor}", "Bellweather & Stroud LLP")
            .replace("Not applicable. The platform", "Yes. TBD: the platform"),
    )
    .unwrap();
    let (found, _, _) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--no-matching"],
    );
    assert!(
        of_rule(&found, "literal-fact").contains("soc2.auditor"),
        "{found:?}"
    );
    assert!(
        of_rule(&found, "placeholder-text").contains("pci"),
        "{found:?}"
    );
    assert!(
        of_rule(&found, "short-answer-mismatch").contains("pci"),
        "{found:?}"
    );
}

#[test]
fn conflicting_synonym_groups_and_duplicate_phrasings_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = small_library(tmp.path());
    std::fs::write(
        lib.join("synonyms.toml"),
        "[[group]]\nterms = [\"IDS\", \"intrusion detection\", \"intrusion prevention\"]\n\n\
         [[group]]\nterms = [\"SOC 2\", \"SOC II\"]\n\n[[group]]\nterms = [\"SOC2\", \"SOC II\"]\n",
    )
    .unwrap();
    let topics = lib.join("topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    std::fs::write(
        &topics,
        text.replacen(
            "question = \"Are you PCI DSS compliant?\"",
            "question = \"Are you PCI DSS compliant?\"\nalternates = [\"Do you have a SOC 2 Type II report\"]",
            1,
        ),
    )
    .unwrap();
    let (found, code, v) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--no-matching"],
    );
    assert_eq!(code, 1);
    assert!(
        of_rule(&found, "synonym-neighbours").contains("IDS"),
        "{found:?}"
    );
    assert!(
        of_rule(&found, "synonym-overlap").contains("SOC2"),
        "{found:?}"
    );
    assert!(
        of_rule(&found, "duplicate-phrasing").contains("pci"),
        "{found:?}"
    );
    let loc = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "synonym-neighbours")
        .unwrap()["location"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(loc.ends_with("synonyms.toml:1"), "{loc}");
}

#[test]
fn the_matcher_finds_entries_it_cannot_tell_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = common::private_library(tmp.path());
    let out = |args: &[&str]| {
        let mut a = vec![
            "library",
            "lint",
            "--library",
            lib.to_str().unwrap(),
            "--today",
            "2026-12-05",
        ];
        a.extend_from_slice(args);
        vouch(tmp.path(), &a)
    };
    // Two copies of one entry under different ids, with opposite short answers.
    let text = std::fs::read_to_string(lib.join("soc-reports.toml")).unwrap();
    let start = text.find("[[entry]]").unwrap();
    let end = text[start + 1..]
        .find("[[entry]]")
        .map_or(text.len(), |e| e + start + 1);
    let block = &text[start..end];
    let id = block.split('"').nth(1).unwrap().to_string();
    let copy = block
        .replacen(&format!("\"{id}\""), "\"copy-of-first\"", 1)
        .replace("alternates = [", "alternates_unused = [");
    // The copy keeps the question (a duplicate phrasing) but no alternates.
    let copy: String = copy
        .lines()
        .filter(|l| !l.starts_with("alternates_unused") && !l.starts_with("  \"") && *l != "]")
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(lib.join("zz-copy.toml"), format!("{copy}\n")).unwrap();
    let o = out(&["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let subjects: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["subject"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        subjects
            .iter()
            .any(|(r, s)| r == "duplicate-phrasing" && s == "copy-of-first"),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|(r, s)| r == "near-duplicate" && s.contains("copy-of-first") && s.contains(&id)),
        "{subjects:?}"
    );
    // The table: one block per finding and a summary line naming the counts.
    let o = out(&[]);
    let text = stdout(&o);
    assert!(text.contains("[near-duplicate]"), "{text}");
    assert!(text.lines().last().unwrap().contains(" error"), "{text}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_flags_and_missing_libraries_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = vouch(tmp.path(), &["library", "lint", "--library", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = vouch(tmp.path(), &["library", "lint", "--today", "2026-13-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--today"));
}

#[test]
fn the_shipped_library_has_no_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = common::private_library(tmp.path());
    let (found, code, v) = lint_json(
        tmp.path(),
        &lib,
        &["--today", "2026-12-05", "--errors-only"],
    );
    assert_eq!(code, 0, "{found:?}");
    assert_eq!(v["errors"], 0);
    assert!(
        v["facts"].as_u64().unwrap() >= 10,
        "the shipped answers use facts.toml"
    );
}

#[test]
fn the_review_policy_comes_from_a_flag_then_vouch_toml_then_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = small_library(tmp.path());
    // Entries reviewed 2026-11-01; as of 2027-06-01 they are 7 months old.
    let base = ["--today", "2027-06-01", "--no-matching"];
    let stale = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        of_rule(&lint_json(tmp.path(), &lib, &args).0, "stale-review").len()
    };
    assert_eq!(stale(&[]), 0, "default: 12 months");
    std::fs::write(tmp.path().join("vouch.toml"), "[lint]\nreview_months = 6\n").unwrap();
    assert_eq!(stale(&[]), 3, "vouch.toml: 6 months");
    assert_eq!(
        stale(&["--review-months", "9"]),
        0,
        "the flag beats the file"
    );
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, "[lint]\nreview_months = 24\n").unwrap();
    assert_eq!(
        stale(&["--config", other.to_str().unwrap()]),
        0,
        "--config names the file"
    );
    std::fs::write(tmp.path().join("vouch.toml"), "[lint]\nreview_month = 6\n").unwrap();
    let o = vouch(
        tmp.path(),
        &["library", "lint", "--library", lib.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("vouch.toml:2"), "{err}");
}
