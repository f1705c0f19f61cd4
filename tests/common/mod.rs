//! Shared by the integration tests: where the benchmark data is, and a private copy of the
//! shipped library for tests that change it.
//!
//! The bench (`../shared/bench`) sits beside the project on the team's machines and in CI,
//! but not in a fresh clone elsewhere. Tests that need it skip there with a note, so that the
//! README's `cargo test` works for anyone; CI sets `VOUCH_REQUIRE_BENCH=1`, and then a missing
//! bench fails instead of skipping.

#![allow(dead_code)] // each test crate uses what it needs

use std::path::{Path, PathBuf};

/// A copy of the shipped library (its files, not its index) in `dir/lib`; its path.
pub fn private_library(dir: &Path) -> PathBuf {
    let lib = dir.join("lib");
    std::fs::create_dir(&lib).unwrap();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for f in std::fs::read_dir(shipped).unwrap() {
        let p = f.unwrap().path();
        // Not the dot-files fills leave in the shipped folder (its fill history).
        let hidden = p.file_name().unwrap().to_string_lossy().starts_with('.');
        if p.is_file() && !hidden {
            std::fs::copy(&p, lib.join(p.file_name().unwrap())).unwrap();
        }
    }
    lib
}

/// The bench folder, or None (with a note on stderr) when it is absent and not required.
pub fn bench_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    if dir.join("library.csv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("VOUCH_REQUIRE_BENCH").is_none(),
        "{} is missing and VOUCH_REQUIRE_BENCH is set",
        dir.display()
    );
    eprintln!(
        "skipped: {} not found (VOUCH_REQUIRE_BENCH=1 makes this an error)",
        dir.display()
    );
    None
}

/// A model folder that does not exist: `VOUCH_MODEL` set to it keeps a test words-only even
/// on a machine with a model installed.
pub const NO_MODEL: &str = "/nonexistent/vouch-model";

/// Run the built `vouch` in `dir` with `args`, words only.
pub fn vouch(dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A run's standard output, after checking it succeeded (else its exit code and output).
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The names in `dir`, sorted: to see that a run wrote nothing, or exactly what.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
