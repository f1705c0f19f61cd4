//! Integration tests: the real `vouch` binary on real files (the shipped samples and library,
//! and the benchmark in ../shared/bench), each in its own temporary folder.

use std::path::{Path, PathBuf};
use std::process::Output;

/// No model: these tests measure matching by words only, whatever is installed here.
use common::NO_MODEL;

use assert_cmd::Command;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bench(name: &str) -> PathBuf {
    root().join("../shared/bench").join(name)
}

/// False (the test skips) when the bench is not beside the project; see `common`.
fn have_bench() -> bool {
    common::bench_dir().is_some()
}

fn vouch(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("vouch")
        .unwrap()
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VOUCH_MODEL", NO_MODEL)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Copy the shipped library into a temp dir, so its index cache is private to the test.
fn shipped_library(dir: &Path) -> PathBuf {
    let lib = dir.join("knowledge");
    std::fs::create_dir_all(&lib).unwrap();
    for e in std::fs::read_dir(root().join("knowledge")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) == Some("toml") {
            std::fs::copy(&p, lib.join(p.file_name().unwrap())).unwrap();
        }
    }
    lib
}

fn import_bench(dir: &Path) -> PathBuf {
    let lib = dir.join("lib");
    let out = vouch(
        dir,
        &[
            "library",
            "import",
            bench("library.csv").to_str().unwrap(),
            "--into",
            lib.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported 259 entries"));
    lib
}

#[test]
fn shipped_library_is_valid_and_large() {
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    let out = vouch(
        d.path(),
        &["library", "check", "--library", lib.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let n: usize = s
        .split(": ")
        .nth(1)
        .and_then(|x| x.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap();
    assert!(n >= 150, "{s}");
}

#[test]
fn fills_every_sample_with_the_shipped_library() {
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    for name in [
        "vendor-quick.csv",
        "security-assessment.xlsx",
        "cloud-controls.xlsx",
    ] {
        let input = d.path().join(name);
        std::fs::copy(root().join("samples").join(name), &input).unwrap();
        let before = std::fs::read(&input).unwrap();
        let report = d.path().join(format!("{name}.json"));
        let out = vouch(
            d.path(),
            &[
                "fill",
                input.to_str().unwrap(),
                "--library",
                lib.to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(before, std::fs::read(&input).unwrap(), "input untouched");
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let s = &r["summary"];
        let total = s["questions"].as_u64().unwrap();
        assert!(total >= 20, "{name}: {s}");
        assert!(s["auto"].as_u64().unwrap() > 0, "{name}: {s}");
        for item in r["items"].as_array().unwrap() {
            if item["status"] == "auto" {
                assert!(item["answer_id"].is_string());
                assert!(
                    !item["citations"].as_array().unwrap().is_empty(),
                    "cited: {item}"
                );
            }
        }
        let output = PathBuf::from(r["output"].as_str().unwrap());
        assert!(output.is_file(), "{}", output.display());
    }
}

#[test]
fn bench_import_fill_and_report_shape() {
    if !have_bench() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let lib = import_bench(d.path());
    let input = d.path().join("soc-reports.xlsx");
    std::fs::copy(bench("soc-reports.xlsx"), &input).unwrap();
    let report = d.path().join("r.json");
    let out = vouch(
        d.path(),
        &[
            "fill",
            "soc-reports.xlsx",
            "--library",
            lib.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("44 questions"),
        "{}",
        text(&out.stdout)
    );
    assert!(d.path().join("soc-reports.filled.xlsx").is_file());
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    for key in ["input", "output", "summary", "items"] {
        assert!(r.get(key).is_some(), "{key}");
    }
    let item = &r["items"][0];
    for key in [
        "sheet",
        "row",
        "question",
        "status",
        "answer_id",
        "confidence",
        "answer",
        "short_answer",
        "citations",
        "alternatives",
    ] {
        assert!(item.get(key).is_some(), "{key} in {item}");
    }
    assert_eq!(item["sheet"], "SOC Reports");
    assert_eq!(item["row"], 2);
}

/// `vouch eval --json` of a library against a gold file (extra flags after), as JSON.
fn eval_json(dir: &Path, lib: &Path, gold: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--gold", gold.to_str().unwrap()];
    args.extend_from_slice(extra);
    eval_json_with(dir, lib, &args)
}

/// `vouch eval --library LIB --json ARGS`, as JSON.
fn eval_json_with(dir: &Path, lib: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["eval", "--library", lib.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = vouch(dir, &all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn eval_on_the_bench_beats_the_baseline() {
    if !have_bench() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let lib = import_bench(d.path());
    let r = eval_json(d.path(), &lib, &bench("gold.csv"), &["--baseline"]);
    let m = &r["metrics"];
    assert_eq!(m["questions"], 179);
    let top1 = m["top1"].as_f64().unwrap();
    let base = r["baseline"]["top1"].as_f64().unwrap();
    assert!(top1 > base + 0.1, "top-1 {top1} vs baseline {base}");
    // Floors at or a little under the measured figures (top-1 0.969, top-3 0.994, precision
    // 0.985 at coverage 0.811, NONE rejection 1.0): a regression fails here.
    assert!(top1 >= 0.95, "{m}");
    assert!(m["top3"].as_f64().unwrap() >= 0.99, "{m}");
    assert!(m["auto_precision"].as_f64().unwrap() >= 0.97, "{m}");
    assert!(m["auto_coverage"].as_f64().unwrap() >= 0.77, "{m}");
    assert!(m["none_rejection"].as_f64().unwrap() >= 0.95, "{m}");
}

#[test]
fn eval_on_the_samples_with_the_shipped_library() {
    // samples/gold.csv: our own questions (CAIQ-, SIG-, HECVAT-like, home-made, messy and a
    // CSV) labelled against the shipped library; a second measurement beside the bench.
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    let r = eval_json(d.path(), &lib, &root().join("samples/gold.csv"), &[]);
    let m = &r["metrics"];
    assert_eq!(m["questions"], 162, "{m}");
    // Measured: top-1 0.914, top-3 0.974, precision 0.991 at coverage 0.728 (with the
    // HECVAT-full and VSA-like samples; 0.941 / 0.992 / 0.989 / 0.748 without them).
    assert!(m["top1"].as_f64().unwrap() >= 0.89, "{m}");
    assert!(m["top3"].as_f64().unwrap() >= 0.95, "{m}");
    assert!(m["auto_precision"].as_f64().unwrap() >= 0.95, "{m}");
    assert!(m["auto_coverage"].as_f64().unwrap() >= 0.68, "{m}");
}

#[test]
fn held_out_eval_asks_every_alternate_and_every_entry_once() {
    if !have_bench() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let lib = import_bench(d.path());
    let r = eval_json_with(d.path(), &lib, &["--held-out"]);
    let m = &r["metrics"];
    // The bench library: 259 entries with 309 alternates between them.
    assert_eq!(
        (m["questions"].as_u64(), m["answerable"].as_u64()),
        (Some(568), Some(309)),
        "{m}"
    );
    // Floors a little under the measured figures (top-1 0.612, top-3 0.864): a regression in
    // generalisation fails here.
    assert!(m["top1"].as_f64().unwrap() >= 0.58, "{m}");
    assert!(m["top3"].as_f64().unwrap() >= 0.84, "{m}");
    // --held-out and --gold measure different things: asking for both is an error, and so
    // is a held-out setting without --held-out.
    let out = vouch(
        d.path(),
        &[
            "eval",
            "--library",
            lib.to_str().unwrap(),
            "--gold",
            "g.csv",
            "--folds",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--folds needs --held-out"));
    let out = vouch(
        d.path(),
        &[
            "eval",
            "--library",
            lib.to_str().unwrap(),
            "--held-out",
            "--gold",
            "g.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn missing_questionnaire_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    let out = vouch(
        d.path(),
        &["fill", "nope.xlsx", "--library", lib.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("nope.xlsx"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn pdf_named_xlsx_leaves_no_output() {
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    std::fs::write(d.path().join("q.xlsx"), b"%PDF-1.7\n%....\n").unwrap();
    let out = vouch(
        d.path(),
        &["fill", "q.xlsx", "--library", lib.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("q.xlsx"));
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("filled") || n.contains("review")),
        "{names:?}"
    );
}

#[test]
fn invalid_library_names_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let lib = shipped_library(d.path());
    std::fs::write(
        lib.join("broken.toml"),
        "[[entry]]\nid = \"x\"\nquestion = \n",
    )
    .unwrap();
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.path().join("q.csv"),
    )
    .unwrap();
    let out = vouch(
        d.path(),
        &["fill", "q.csv", "--library", lib.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("broken.toml:3"), "{err}");
    assert!(!d.path().join("q.filled.csv").exists());
}

#[test]
fn csv_output_keeps_columns_and_fills_answers() {
    if !have_bench() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let lib = import_bench(d.path());
    std::fs::copy(bench("vendor-review.csv"), d.path().join("v.csv")).unwrap();
    let out = vouch(
        d.path(),
        &["fill", "v.csv", "--library", lib.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let filled = std::fs::read_to_string(d.path().join("v.filled.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(filled.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        ["#", "Question", "Response", "Notes"]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 55);
    let answered = rows.iter().filter(|r| !r[2].is_empty()).count();
    assert!(answered > 20, "{answered}");
    assert!(rows
        .iter()
        .filter(|r| !r[2].is_empty())
        .all(|r| r[3].contains("Source: ")));
    assert!(d.path().join("v.review.xlsx").is_file());
}

/// A team's export keeps its own ids (`A&A-01.1`, `GNRL-01`) and section names: import takes
/// them, a fill cites them back as they are (filled file, report), and re-importing the same
/// export writes the same files.
#[test]
fn import_takes_a_teams_own_ids_and_fill_cites_them() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("answers.csv"),
        "id,question,answer,short_answer,sources,tags\n\
         A&A-01.1,\"Are audit and assurance policies established, documented and maintained?\",\"Yes, reviewed yearly.\",Yes,caiq#A&A-01.1,A&A\n\
         GNRL-01,Do you encrypt customer data at rest?,\"Yes, AES-256.\",Yes,caiq#GNRL 01 §2,General\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("sources.csv"),
        "doc_id,title,version,date,kind\ncaiq,Our CAIQ v4.0.3,4.0.3,2026-01-01,questionnaire\n",
    )
    .unwrap();
    let import = |into: &str| {
        let out = vouch(
            d.path(),
            &["library", "import", "answers.csv", "--into", into],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    import("lib");
    import("lib2");
    for f in ["sources.toml", "topics/a-a.toml", "topics/general.toml"] {
        assert_eq!(
            std::fs::read(d.path().join("lib").join(f)).unwrap(),
            std::fs::read(d.path().join("lib2").join(f)).unwrap(),
            "{f} differs between two imports of one export"
        );
    }
    std::fs::write(
        d.path().join("q.csv"),
        "Question,Answer,Comments\nDo you encrypt customer data at rest?,,\n",
    )
    .unwrap();
    let out = vouch(
        d.path(),
        &["fill", "q.csv", "--library", "lib", "--report", "r.json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let filled = std::fs::read_to_string(d.path().join("q.filled.csv")).unwrap();
    assert!(filled.contains("GNRL-01"), "{filled}");
    assert!(filled.contains("GNRL 01 §2"), "{filled}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["items"][0]["answer_id"], "GNRL-01");
    assert_eq!(report["items"][0]["citations"][0]["section"], "GNRL 01 §2");
}
