//! `vouch library add` through the real binary, on a private copy of the shipped library:
//! an added entry loads and is matched; a broken one is refused with one line, exit 2 and
//! every library file unchanged.

mod common;

use assert_cmd::Command;
use common::{vouch, NO_MODEL};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn snapshot(lib: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(lib)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect()
}

const QUESTION: &str =
    "Do you keep a register of the open-source licences your product ships with?";

/// The flags of a valid new entry, for the library in `lib`.
fn entry_args(lib: &Path) -> Vec<String> {
    [
        "library",
        "add",
        "--library",
        lib.to_str().unwrap(),
        "--id",
        "oss-licence-register",
        "--question",
        QUESTION,
        "--alternate",
        "Which open-source licences are used in the platform?",
        "--answer",
        "Yes. Every release's CycloneDX SBOM lists each open-source component with its licence, and copyleft licences need approval from Legal before use.",
        "--short-answer",
        "Yes",
        "--cite",
        "sdlc-policy#7",
        "--tag",
        "sdlc",
        "--tag",
        "open-source",
        "--owner",
        "engineering@larkspur.example",
        "--reviewed",
        "2026-11-20",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn args_ref(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn an_added_entry_loads_and_is_matched() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let sdlc_before = std::fs::read_to_string(lib.join("sdlc.toml")).unwrap();
    let out = vouch(d.path(), &args_ref(&entry_args(&lib)));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sdlc.toml"));
    // Appended to the domain's file; what was there is kept byte for byte.
    let sdlc = std::fs::read_to_string(lib.join("sdlc.toml")).unwrap();
    assert!(sdlc.starts_with(&sdlc_before));
    assert!(sdlc[sdlc_before.len()..].contains("id = \"oss-licence-register\""));
    let check = vouch(
        d.path(),
        &["library", "check", "--library", lib.to_str().unwrap()],
    );
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let explain = vouch(
        d.path(),
        &["explain", QUESTION, "--library", lib.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(
        explain.status.success(),
        "{}",
        String::from_utf8_lossy(&explain.stderr)
    );
    assert!(
        text.contains("fill:    auto (oss-licence-register)"),
        "{text}"
    );
}

/// Run `args`, expect exit 2 with one line on stderr holding `want`, and no library change.
fn refused(args: Vec<String>, lib: &Path, dir: &Path, want: &str) {
    let before = snapshot(lib);
    let out = vouch(dir, &args_ref(&args));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(want), "{want}: {err}");
    assert_eq!(snapshot(lib), before);
}

fn with(mut args: Vec<String>, flag: &str, value: &str) -> Vec<String> {
    let i = args.iter().position(|a| a == flag).unwrap();
    args[i + 1] = value.to_string();
    args
}

#[test]
fn a_duplicate_id_or_an_unknown_document_is_refused_and_nothing_changes() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let args = entry_args(&lib);
    refused(
        with(args.clone(), "--id", "encryption-at-rest"),
        &lib,
        d.path(),
        "'encryption-at-rest' is already used",
    );
    refused(
        with(args.clone(), "--cite", "no-such-report#1"),
        &lib,
        d.path(),
        "unknown document 'no-such-report'",
    );
    refused(
        with(args, "--question", "Do you encrypt customer data at rest?"),
        &lib,
        d.path(),
        "already used by entry 'encryption-at-rest'",
    );
}

#[test]
fn missing_values_without_a_terminal_are_a_usage_error_naming_them() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let before = snapshot(&lib);
    let out = Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(d.path())
        .args([
            "library",
            "add",
            "--library",
            lib.to_str().unwrap(),
            "--id",
            "x",
            "--tag",
            "sdlc",
        ])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for flag in ["--question", "--answer", "--cite", "--owner"] {
        assert!(err.contains(flag), "{flag}: {err}");
    }
    assert!(!err.contains("--id") && !err.contains("--tag"), "{err}");
    assert_eq!(snapshot(&lib), before);
}
