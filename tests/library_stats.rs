//! `vouch library stats` through the real binary: the table fits 80 columns, `--json` is one
//! stable object, `fill` records the history stats reads (and only warns when it cannot), and
//! the `--html` page escapes library text and renders in a real browser.
//!
//! The browser check uses the system's Chromium (`--headless --screenshot`, `--dump-dom`).
//! Without it the test says it skipped, unless `VOUCH_REQUIRE_BROWSER=1`, when it fails.

mod common;

use common::{ok, vouch};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fill(dir: &Path, lib: &Path) -> std::process::Output {
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        dir.join("vendor-quick.csv"),
    )
    .unwrap();
    vouch(
        dir,
        &[
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
        ],
    )
}

#[test]
fn stats_of_the_shipped_library_fit_80_columns_and_json_is_stable() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let text = ok(&vouch(
        d.path(),
        &["library", "stats", "--library", lib.to_str().unwrap()],
    ));
    for want in [
        "Entries by topic",
        "Entries by owner",
        "SOC 2 Trust Services Criteria:",
        "ISO/IEC 27001:2022 Annex A:",
        "no fill history yet",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line:?}");
    }

    let json: Value = serde_json::from_str(&ok(&vouch(
        d.path(),
        &[
            "library",
            "stats",
            "--library",
            lib.to_str().unwrap(),
            "--json",
        ],
    )))
    .unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut want = vec![
        "library", "date", "entries", "sources", "facts", "by_topic", "by_owner", "drafts",
        "coverage", "usage",
    ];
    want.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, want);
    assert!(json["usage"].is_null());
    assert_eq!(json["coverage"][0]["framework"], "soc2");
    assert_eq!(json["coverage"][0]["total"], 61);
    assert_eq!(json["coverage"][1]["total"], 93);
    let covered = json["coverage"][0]["covered"].as_u64().unwrap();
    let uncovered = json["coverage"][0]["uncovered"].as_array().unwrap().len() as u64;
    assert_eq!(covered + uncovered, 61);
    let by_topic: u64 = json["by_topic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entries"].as_u64().unwrap())
        .sum();
    assert_eq!(by_topic, json["entries"].as_u64().unwrap());
}

#[test]
fn fill_records_history_that_stats_reads_and_only_warns_when_it_cannot() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    ok(&fill(d.path(), &lib));
    let history = std::fs::read_to_string(lib.join(".vouch-history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);
    let line: Value = serde_json::from_str(history.lines().next().unwrap()).unwrap();
    assert_eq!(line["questionnaire"], "vendor-quick.csv");
    let rows = line["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["status"] == "auto" || r["status"] == "review"));

    let json: Value = serde_json::from_str(&ok(&vouch(
        d.path(),
        &[
            "library",
            "stats",
            "--library",
            lib.to_str().unwrap(),
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(json["usage"]["questionnaires"], 1);
    assert_eq!(json["usage"]["rows"], rows.len());
    let most = json["usage"]["most_used"].as_array().unwrap();
    assert!(!most.is_empty());
    let never = json["usage"]["never_used"].as_array().unwrap().len();
    assert!(never > 0 && never < json["entries"].as_u64().unwrap() as usize);
    let text = ok(&vouch(
        d.path(),
        &["library", "stats", "--library", lib.to_str().unwrap()],
    ));
    assert!(
        text.contains("Most used:") && text.contains("Never used ("),
        "{text}"
    );

    // A history that cannot be written (here a folder in its place) is a warning, not an error.
    let lib2 = d.path().join("lib2");
    std::fs::create_dir(&lib2).unwrap();
    for f in std::fs::read_dir(&lib).unwrap() {
        let p = f.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) == Some("toml") {
            std::fs::copy(&p, lib2.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir(lib2.join(".vouch-history.jsonl")).unwrap();
    let out = fill(d.path(), &lib2);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("fill history not recorded"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
}

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("VOUCH_REQUIRE_BROWSER").is_none(),
            "no chromium found and VOUCH_REQUIRE_BROWSER is set"
        );
        eprintln!("skipped: no chromium on PATH (VOUCH_REQUIRE_BROWSER=1 makes this an error)");
    }
    found
}

/// Run headless Chromium on `page` with `args` (a hang is cut off after two minutes).
fn run_chromium(chromium: &Path, profile: &Path, args: &[String], page: &Path) -> String {
    let out = std::process::Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_html_report_escapes_library_text_and_renders_in_a_browser() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let evil = "<script>alert(1)</script>";
    std::fs::write(
        lib.join("hostile.toml"),
        format!(
            "[[entry]]\nid = \"{evil}\"\nquestion = \"Is this page safe?\"\nanswer = \"Yes.\"\n\
             citations = [{{ doc = \"soc2-report-2026\", section = \"1\" }}]\n\
             tags = [\"{evil}\", \"soc2:{evil}\", \"draft\"]\nowner = \"\\\"><img src=x onerror=alert(2)>\"\n"
        ),
    )
    .unwrap();
    ok(&fill(d.path(), &lib));
    let report = d.path().join("report.html");
    let text = ok(&vouch(
        d.path(),
        &[
            "library",
            "stats",
            "--library",
            lib.to_str().unwrap(),
            "--html",
            report.to_str().unwrap(),
        ],
    ));
    assert!(text.contains("Report written to"), "{text}");
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(!page.contains("<script"), "no script tag at all");
    assert!(!page.contains("<img"), "no injected element");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("Answer library report: lib"));
    assert!(page.contains("<svg"), "inline chart");
    for external in ["<link", "url(", "@import", "src="] {
        assert!(
            !page.replace("src=x", "").contains(external),
            "{external}: the page needs nothing from elsewhere"
        );
    }
    // Inside the library folder is refused.
    let out = vouch(
        d.path(),
        &[
            "library",
            "stats",
            "--library",
            lib.to_str().unwrap(),
            "--html",
            lib.join("r.html").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));

    let Some(chromium) = chromium() else {
        return;
    };
    let shots = root().join("target/tmp");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("stats-report.png");
    let _ = std::fs::remove_file(&png);
    let profile = d.path().join("profile");
    run_chromium(
        &chromium,
        &profile,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,1600".into(),
        ],
        &report,
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is {size} bytes",
        png.display()
    );
    let dom = run_chromium(&chromium, &profile, &["--dump-dom".into()], &report);
    assert!(dom.contains("Answer library report: lib"), "{dom}");
    assert!(dom.contains("SOC 2 Trust Services Criteria: "), "{dom}");
    assert!(!dom.contains("<script>alert"), "the browser saw no script");
}
