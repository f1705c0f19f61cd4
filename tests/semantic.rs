//! Matching by meaning through the real binary: the model is found or not (one line says so),
//! the library's phrasing vectors are cached in the index and rebuilt when the library or the
//! model changes (or the cache is damaged), and `explain` shows the meaning score. The plumbing
//! runs on a tiny BERT the test writes itself; with `VOUCH_MODEL_TEST_DIR` naming the real
//! all-MiniLM-L6-v2 folder, the eval floors of the README's figures are checked too.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use vouch::embed::testing;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run vouch in `dir` with `VOUCH_MODEL` set to `model`.
fn vouch(dir: &Path, model: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("vouch")
        .unwrap()
        .current_dir(dir)
        .env("VOUCH_MODEL", model)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A private copy of the shipped library, a tiny model, and the quick sample, in `d`.
fn setup(d: &Path) -> (PathBuf, PathBuf) {
    let lib = common::private_library(d);
    let model = d.join("model");
    testing::write_tiny_model(&model).unwrap();
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.join("vendor-quick.csv"),
    )
    .unwrap();
    (lib, model)
}

fn fill(d: &Path, lib: &Path, model: &Path) -> Output {
    vouch(
        d,
        model,
        &[
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
            "--report",
            "r.json",
        ],
    )
}

/// Fill successfully; true when the library's phrasings were encoded (not read from the cache).
fn fill_encodes(dir: &Path, lib: &Path, model: &Path) -> bool {
    let out = fill(dir, lib, model);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stderr).contains("encoded")
}

#[test]
fn vectors_are_cached_in_the_index_and_rebuilt_when_stale() {
    let d = tempfile::tempdir().unwrap();
    let (lib, model) = setup(d.path());
    let vectors = lib.join(".vouch-index").join("vectors.bin");

    assert!(fill_encodes(d.path(), &lib, &model));
    assert!(vectors.is_file());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["matching"], "meaning and words", "{report}");

    // Up to date: nothing is encoded again.
    assert!(!fill_encodes(d.path(), &lib, &model));

    // A damaged cache is encoded again, never read half-way.
    let bytes = std::fs::read(&vectors).unwrap();
    std::fs::write(&vectors, &bytes[..bytes.len() / 2]).unwrap();
    assert!(fill_encodes(d.path(), &lib, &model));
    assert_eq!(std::fs::read(&vectors).unwrap(), bytes);

    // A changed phrasing: the index and its vectors are rebuilt.
    let f = lib.join("cryptography.toml");
    let t = std::fs::read_to_string(&f).unwrap();
    let changed = t.replacen("question = \"", "question = \"Please tell us: ", 1);
    assert_ne!(t, changed);
    std::fs::write(&f, changed).unwrap();
    let out = fill(d.path(), &lib, &model);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Only the changed text is encoded; the rest are reused.
    let err = text(&out.stderr);
    assert!(
        err.contains("encoded 1 of ") && err.contains("the others were unchanged"),
        "{err}"
    );
    assert_ne!(std::fs::read(&vectors).unwrap(), bytes);

    // Another model: encoded again for it.
    let other = d.path().join("other-model");
    testing::write_tiny_model(&other).unwrap();
    let cfg = other.join("config.json");
    let c = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, c.replace('{', "{\"_note\": \"another\", ")).unwrap();
    assert!(fill_encodes(d.path(), &lib, &other));
}

#[test]
fn without_a_model_one_line_says_so_and_words_match() {
    let d = tempfile::tempdir().unwrap();
    let (lib, _) = setup(d.path());
    let none = d.path().join("no-model-here");
    let out = fill(d.path(), &lib, &none);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("words only")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("vouch model fetch"), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["matching"], "words only");
    assert!(!lib.join(".vouch-index").join("vectors.bin").exists());

    // --lexical: words only, and nothing to say about it.
    let out = vouch(
        d.path(),
        &none,
        &[
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
            "--lexical",
            "--overwrite",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("words only"),
        "{}",
        text(&out.stderr)
    );

    // An explicit --model that is not a model folder is an error naming it.
    let out = vouch(
        d.path(),
        &none,
        &[
            "explain",
            "Do you encrypt data at rest?",
            "--library",
            lib.to_str().unwrap(),
            "--model",
            none.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("no-model-here") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn explain_shows_the_meaning_score() {
    let d = tempfile::tempdir().unwrap();
    let (lib, model) = setup(d.path());
    let out = vouch(
        d.path(),
        &model,
        &[
            "explain",
            "Do you encrypt data at rest?",
            "--library",
            lib.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("mode:    meaning and words"), "{s}");
    assert!(s.contains("nearest in meaning: "), "{s}");
    assert!(s.contains(" in meaning"), "{s}");
    assert!(
        s.contains("meaning 0.") || s.contains("meaning 1.") || s.contains("meaning -0."),
        "{s}"
    );
}

/// `vouch eval` with the real model: the floors below the figures the README gives.
fn real_eval(model: &Path, library: &Path, gold: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", model)
        .args(["eval", "--json", "--library"])
        .arg(library)
        .arg("--gold")
        .arg(gold)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn real_model_eval_floors() {
    let Some(model) = std::env::var_os("VOUCH_MODEL_TEST_DIR") else {
        eprintln!("skipped: VOUCH_MODEL_TEST_DIR is not set");
        return;
    };
    let model = PathBuf::from(model);
    let samples = real_eval(
        &model,
        &root().join("knowledge"),
        &root().join("samples/gold.csv"),
    );
    let m = &samples["metrics"];
    assert_eq!(samples["mode"], "meaning and words");
    assert!(m["top1"].as_f64().unwrap() >= 0.92, "{m}");
    assert!(m["auto_precision"].as_f64().unwrap() >= 0.97, "{m}");

    let Some(bench) = common::bench_dir() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("bench");
    let out = Command::cargo_bin("vouch")
        .unwrap()
        .args(["library", "import"])
        .arg(bench.join("library.csv"))
        .arg("--into")
        .arg(&lib)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = real_eval(&model, &lib, &bench.join("gold.csv"));
    let m = &r["metrics"];
    assert!(m["top1"].as_f64().unwrap() >= 0.95, "{m}");
    assert!(m["auto_precision"].as_f64().unwrap() >= 0.975, "{m}");
    assert!(m["none_rejection"].as_f64().unwrap() >= 0.95, "{m}");
    let vsaq = bench.join("../bench-vsaq/gold.csv");
    if vsaq.is_file() {
        let r = real_eval(&model, &lib, &vsaq);
        let m = &r["metrics"];
        assert!(m["top1"].as_f64().unwrap() >= 0.63, "{m}");
        assert!(m["auto_precision"].as_f64().unwrap() >= 0.9, "{m}");
        assert!(m["none_rejection"].as_f64().unwrap() >= 0.9, "{m}");
    }
}
