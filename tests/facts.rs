//! Company facts in the shipped library: renewing the SOC 2 period in `facts.toml` changes
//! every answer that uses it, in the filled questionnaire itself, and no other answer.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::vouch;

/// Fill `questions` (one per row of a CSV) with the library at `lib`; the written answer of
/// each row, read back from the filled CSV with the csv crate, keyed by the entry the report
/// says it came from.
fn fill(dir: &Path, lib: &Path, questions: &[String], tag: &str) -> BTreeMap<String, String> {
    let input = dir.join(format!("q-{tag}.csv"));
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(["#", "Question", "Answer"]).unwrap();
    for (i, q) in questions.iter().enumerate() {
        w.write_record([(i + 1).to_string().as_str(), q, ""])
            .unwrap();
    }
    w.flush().unwrap();
    let out = dir.join(format!("q-{tag}.filled.csv"));
    let report = dir.join(format!("q-{tag}.json"));
    let o = vouch(
        dir,
        &[
            "fill",
            input.to_str().unwrap(),
            "--library",
            lib.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(
        o.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let mut written: BTreeMap<u64, String> = BTreeMap::new();
    for (i, rec) in csv::Reader::from_path(&out).unwrap().records().enumerate() {
        let rec = rec.unwrap();
        written.insert(i as u64 + 2, rec.get(2).unwrap_or_default().to_string());
    }
    let mut by_entry = BTreeMap::new();
    for item in r["items"].as_array().unwrap() {
        if item["status"] != "auto" {
            continue;
        }
        let id = item["answer_id"].as_str().unwrap().to_string();
        let row = item["row"].as_u64().unwrap();
        by_entry.insert(id, written[&row].clone());
    }
    by_entry
}

#[test]
fn renewing_the_soc2_period_changes_every_answer_that_uses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = common::private_library(tmp.path());
    let library = vouch::knowledge::load_library(&lib).unwrap();
    let uses_period = |id: &str| {
        library
            .entry(id)
            .and_then(|e| e.template.as_deref())
            .is_some_and(|t| {
                vouch::knowledge::facts::placeholders(t)
                    .iter()
                    .any(|n| n.starts_with("soc2.period_"))
            })
    };
    // Every entry's own question: each is answered by its entry, without review.
    let questions: Vec<String> = library.entries.iter().map(|e| e.question.clone()).collect();
    let before = fill(tmp.path(), &lib, &questions, "before");

    let facts = lib.join("facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    let renewed = text
        .replacen("period_start = 2025-09-01", "period_start = 2026-09-01", 1)
        .replacen("period_end = 2026-08-31", "period_end = 2027-08-31", 1);
    assert!(renewed.starts_with(&text[..text.find("[soc2]").unwrap()]));
    assert_ne!(renewed, text);
    std::fs::write(&facts, renewed).unwrap();
    let after = fill(tmp.path(), &lib, &questions, "after");

    let using: Vec<&String> = before.keys().filter(|id| uses_period(id)).collect();
    assert!(
        using.len() >= 5,
        "entries drafted that use the SOC 2 period: {using:?}"
    );
    for (id, old) in &before {
        let new = &after[id];
        if uses_period(id) {
            assert_ne!(old, new, "{id} uses the SOC 2 period and did not change");
            assert!(old.contains("August 31, 2026"), "{id}: {old}");
            assert!(
                new.contains("August 31, 2027") && new.contains("September 1, 2026"),
                "{id}: {new}"
            );
            assert!(!new.contains("September 1, 2025"), "{id}: {new}");
        } else {
            assert_eq!(old, new, "{id} does not use the SOC 2 period and changed");
        }
    }
    // The SOC 1 has its own period in the facts file, and kept it.
    let soc1 = after
        .get("soc1-type2-report")
        .expect("the SOC 1 entry was drafted");
    assert!(soc1.contains("August 31, 2026"), "{soc1}");
}

#[test]
fn explain_shows_the_substituted_answer_and_the_facts_it_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = common::private_library(tmp.path());
    let o = vouch(
        tmp.path(),
        &[
            "explain",
            "Do you have a current SOC 2 Type II report?",
            "--library",
            lib.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("answer:  Yes. Larkspur's current SOC 2 Type II report covers"),
        "{text}"
    );
    assert!(text.contains("August 31, 2026"), "{text}");
    assert!(text.contains("{soc2.period_end} = 2026-08-31"), "{text}");
    assert!(!text.contains("answer:  Yes. Larkspur's current SOC 2 Type II report covers the Larkspur Platform for the period {"), "{text}");
}
