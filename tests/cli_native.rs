//! The command line as a native tool: help with examples on every command, shell completions,
//! man pages, vouch.toml and its precedence, `--json` on every command that prints results,
//! colour only where asked for, `-q`/`-v`, and the exit codes. Each test runs the real binary
//! in its own temporary folder.

use std::path::{Path, PathBuf};
use std::process::Output;

use clap::CommandFactory;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `vouch` in `dir` words only, with a clean environment (no NO_COLOR, no reviewer) and
/// `env` added.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = assert_cmd::Command::cargo_bin("vouch").unwrap();
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCH_MODEL", common::NO_MODEL)
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn vouch(dir: &Path, args: &[&str]) -> Output {
    run(dir, args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A run's stdout as one JSON document, after checking it succeeded.
fn json(o: &Output) -> serde_json::Value {
    let text = common::ok(o);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not one JSON document: {e}\n{text}"))
}

/// A folder with a private copy of the shipped library (`lib`) and the CSV sample (`q.csv`).
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.path().join("q.csv"),
    )
    .unwrap();
    (d, lib)
}

/// Every command path below `vouch`: ["fill"], ["library", "lint"], ...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            out.push(p.clone());
            walk(sub, p, out);
        }
    }
    let mut out = Vec::new();
    walk(&vouch::cli::Cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn every_command_has_examples_in_its_help() {
    let mut cmd = vouch::cli::Cli::command();
    cmd.build();
    let paths = command_paths();
    assert!(paths.len() >= 20, "{paths:?}");
    for p in &paths {
        let mut c = &cmd;
        for name in p {
            c = c.find_subcommand(name).unwrap();
        }
        let after = c
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            after.contains("Examples:\n  vouch "),
            "`vouch {}` has no examples in its after_help",
            p.join(" ")
        );
    }
    // And the binary shows them: a sample of top-level and nested commands.
    let d = tempfile::tempdir().unwrap();
    for p in [
        &["fill"][..],
        &["library", "lint"],
        &["review", "apply"],
        &["model", "status"],
        &["config"],
        &["completions"],
    ] {
        let mut args = p.to_vec();
        args.push("--help");
        let out = common::ok(&vouch(d.path(), &args));
        assert!(out.contains("Examples:"), "{p:?}: {out}");
    }
}

#[test]
fn completions_cover_the_commands_and_bash_parses_them() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = common::ok(&vouch(d.path(), &["completions", shell]));
        for word in ["fill", "library", "import-answered", "threshold"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
    }
    let script = d.path().join("vouch.bash");
    std::fs::write(&script, vouch(d.path(), &["completions", "bash"]).stdout).unwrap();
    match std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
    {
        Ok(o) => assert!(o.status.success(), "bash -n: {}", stderr(&o)),
        Err(_) => eprintln!("skipped the bash syntax check: no bash"),
    }
    let bad = vouch(d.path(), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_prints_the_page_or_writes_one_per_command() {
    let d = tempfile::tempdir().unwrap();
    let page = common::ok(&vouch(d.path(), &["man"]));
    let first = page
        .lines()
        .find(|l| l.starts_with(".TH"))
        .expect("a .TH line");
    assert!(first.starts_with(".TH vouch 1"), "{first}");
    // Only roff's own preamble (the quote-character definitions) comes before the title.
    assert!(page
        .lines()
        .take_while(|l| !l.starts_with(".TH"))
        .all(|l| l.starts_with(".ie") || l.starts_with(".el")));
    assert!(page.contains("library") && page.contains("completions"));

    let dir = d.path().join("man/man1");
    let out = common::ok(&vouch(d.path(), &["man", "--out", dir.to_str().unwrap()]));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // vouch.1 and one page per command, none for clap's `help`.
    assert_eq!(names.len(), command_paths().len() + 1, "{names:?}");
    for want in [
        "vouch.1",
        "vouch-fill.1",
        "vouch-library-lint.1",
        "vouch-review-apply.1",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    assert!(names.iter().all(|n| n.ends_with(".1")), "{names:?}");
    assert!(
        out.contains(&format!("wrote {} man pages", names.len())),
        "{out}"
    );
    let fill = std::fs::read_to_string(dir.join("vouch-fill.1")).unwrap();
    assert!(fill.contains(".TH vouch-fill") && fill.contains("threshold"));
    // A file where the folder should be: refused, by name.
    let file = d.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let o = vouch(d.path(), &["man", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plain"), "{}", stderr(&o));
}

/// The "auto at confidence X" note of a fill's summary.
fn auto_at(out: &str) -> String {
    let at = out.find("auto at confidence ").expect(out) + "auto at confidence ".len();
    out[at..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn vouch_toml_sets_the_library_and_threshold_and_flags_beat_it() {
    let (d, _) = workspace();
    let dir = d.path();
    // No knowledge/ here: the library can only come from the file.
    std::fs::write(
        dir.join("vouch.toml"),
        "library = \"lib\"\n[fill]\nthreshold = 0.97\ncitations = \"column\"\n",
    )
    .unwrap();
    let out = common::ok(&vouch(dir, &["fill", "q.csv"]));
    assert_eq!(auto_at(&out), "0.97");
    let out = common::ok(&vouch(dir, &["fill", "q.csv", "--threshold", "0.5"]));
    assert_eq!(auto_at(&out), "0.50", "the flag beats the file");
    // Found from a subfolder too, with its paths relative to the file, not the current folder.
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let out = common::ok(&vouch(&sub, &["fill", "../q.csv"]));
    assert_eq!(auto_at(&out), "0.97");
    // --library beats the file's library.
    let o = vouch(dir, &["fill", "q.csv", "--library", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nowhere"), "{}", stderr(&o));
    // --config names another file, before or after the command.
    let other = dir.join("other.toml");
    std::fs::write(&other, "library = \"lib\"\n[fill]\nthreshold = 0.66\n").unwrap();
    let o = other.to_str().unwrap();
    assert_eq!(
        auto_at(&common::ok(&vouch(dir, &["--config", o, "fill", "q.csv"]))),
        "0.66"
    );
    assert_eq!(
        auto_at(&common::ok(&vouch(dir, &["fill", "q.csv", "--config", o]))),
        "0.66"
    );
    let missing = vouch(dir, &["--config", "absent.toml", "config"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("absent.toml"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_bad_vouch_toml_is_refused_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for (text, line) in [
        ("library = \"lib\"\n[fill]\nthreshhold = 0.9\n", 3),
        ("[fill]\ncitations = \"margin\"\n", 2),
        ("[fill]\nthreshold = 2\n", 2),
    ] {
        std::fs::write(dir.join("vouch.toml"), text).unwrap();
        let o = vouch(dir, &["config"]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = stderr(&o);
        assert!(
            err.starts_with("vouch: error: ") && err.contains(&format!("vouch.toml:{line}")),
            "{text}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Completions and man pages do not depend on the team's settings.
    common::ok(&vouch(dir, &["completions", "fish"]));
}

#[test]
fn vouch_config_shows_each_setting_and_where_it_came_from() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let v = json(&vouch(dir, &["config", "--json"]));
    assert!(v["file"].is_null());
    let setting = |v: &serde_json::Value, key: &str| -> serde_json::Value {
        v["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing: {v}"))
            .clone()
    };
    assert_eq!(setting(&v, "library")["value"], "knowledge");
    assert_eq!(setting(&v, "library")["source"]["kind"], "default");
    assert_eq!(setting(&v, "model.path")["source"]["kind"], "env");
    assert_eq!(setting(&v, "model.path")["source"]["name"], "VOUCH_MODEL");

    std::fs::write(
        dir.join("vouch.toml"),
        "library = \"answers\"\n[review]\nlearn = false\n[lint]\nreview_months = 6\n",
    )
    .unwrap();
    let v = json(&vouch(dir, &["config", "--json"]));
    let file = dir.join("vouch.toml");
    assert_eq!(v["file"], file.to_str().unwrap());
    let lib = setting(&v, "library");
    assert_eq!(lib["value"], dir.join("answers").to_str().unwrap());
    assert_eq!(lib["source"]["kind"], "file");
    assert_eq!(lib["source"]["name"], file.to_str().unwrap());
    assert_eq!(setting(&v, "review.learn")["value"], false);
    assert_eq!(setting(&v, "lint.review_months")["value"], 6);
    assert_eq!(
        setting(&v, "lint.report_months")["source"]["kind"],
        "default"
    );
    assert_eq!(setting(&v, "fill.citations")["value"], "comment");
    let reviewer = run(dir, &["config", "--json"], &[("VOUCH_REVIEWER", "Ana")]);
    assert_eq!(setting(&json(&reviewer), "review.reviewer")["value"], "Ana");

    let text = common::ok(&vouch(dir, &["config"]));
    assert!(
        text.contains(&format!("config file: {}", file.display())),
        "{text}"
    );
    assert!(
        text.contains("lint.review_months") && text.contains("default"),
        "{text}"
    );
}

#[test]
fn every_json_command_prints_one_json_document() {
    let (d, lib) = workspace();
    let dir = d.path();
    let l = lib.to_str().unwrap();
    let v = json(&vouch(dir, &["index", "--library", l, "--json"]));
    assert!(v["entries"].as_u64().unwrap() > 100, "{v}");
    let v = json(&vouch(
        dir,
        &[
            "explain",
            "Do you have a SOC 2 Type II report?",
            "--library",
            l,
            "--json",
        ],
    ));
    assert_eq!(v["mode"], "words only");
    assert!(!v["candidates"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["fill"].is_string() && v["terms"].is_array(), "{v}");
    let v = json(&vouch(dir, &["model", "status", "--json"]));
    assert_eq!(v["installed"], false);
    assert_eq!(v["folder"], common::NO_MODEL);
    let v = json(&vouch(dir, &["library", "check", "--library", l, "--json"]));
    assert_eq!(v["ok"], true);
    let v = json(&vouch(
        dir,
        &[
            "library",
            "export",
            "--library",
            l,
            "--out",
            "lib.xlsx",
            "--json",
        ],
    ));
    assert!(v["entries"].as_u64().unwrap() > 100, "{v}");
    let v = json(&vouch(
        dir,
        &["library", "import", "lib.xlsx", "--into", "copy", "--json"],
    ));
    assert!(v["files"].as_array().unwrap().len() > 3, "{v}");
    let v = json(&vouch(
        dir,
        &[
            "library",
            "add",
            "--library",
            l,
            "--id",
            "status-page-history",
            "--question",
            "Do you publish past incidents on your status page?",
            "--answer",
            "Yes. The status page keeps 90 days of incident history.",
            "--short-answer",
            "Yes",
            "--cite",
            "soc2-report-2026#A1.2",
            "--tag",
            "bc-dr",
            "--owner",
            "sre@larkspur.example",
            "--json",
        ],
    ));
    assert_eq!(v["added"], "status-page-history");
    common::ok(&vouch(dir, &["fill", "q.csv", "--library", l]));
    let v = json(&vouch(
        dir,
        &["review", "apply", "q.review.xlsx", "--no-learn", "--json"],
    ));
    assert!(
        v["filled"].as_str().unwrap().ends_with("q.filled.csv"),
        "{v}"
    );
    assert!(v["learnt"].is_null(), "{v}");
    json(&vouch(dir, &["config", "--json"]));
    // The commands that already had --json.
    let v = json(&vouch(
        dir,
        &["library", "lint", "--library", l, "--no-matching", "--json"],
    ));
    assert!(v["findings"].is_array());
    json(&vouch(dir, &["library", "stats", "--library", l, "--json"]));
    json(&vouch(dir, &["inspect", "q.csv", "--json"]));
}

#[test]
fn colour_only_on_request_or_on_a_terminal_without_no_color() {
    let (d, lib) = workspace();
    let dir = d.path();
    let l = lib.to_str().unwrap();
    let fill = ["fill", "q.csv", "--library", l];
    // Not a terminal: plain, whatever NO_COLOR says.
    let plain = vouch(dir, &fill);
    let with_no_color = run(dir, &fill, &[("NO_COLOR", "1")]);
    for o in [&plain, &with_no_color] {
        assert!(!common::ok(o).contains("\x1b["));
        assert!(!stderr(o).contains("\x1b["));
    }
    let mut always = vec!["--color", "always"];
    always.extend_from_slice(&fill);
    let out = common::ok(&vouch(dir, &always));
    assert!(out.contains("\x1b["), "{out}");
    // The same words once the escapes are taken out.
    let stripped = strip(&out);
    assert_eq!(stripped, common::ok(&vouch(dir, &fill)));
    let never = common::ok(&run(
        dir,
        &["--color", "never", "fill", "q.csv", "--library", l],
        &[],
    ));
    assert!(!never.contains("\x1b["));
    // Errors: coloured only when asked, the text unchanged.
    let e = vouch(
        dir,
        &["--color", "always", "fill", "absent.csv", "--library", l],
    );
    assert_eq!(e.status.code(), Some(2));
    assert!(stderr(&e).contains("\x1b["), "{}", stderr(&e));
    assert!(strip(&stderr(&e)).starts_with("vouch: error: "));
    let e = vouch(dir, &["fill", "absent.csv", "--library", l]);
    assert!(stderr(&e).starts_with("vouch: error: ") && !stderr(&e).contains("\x1b["));
    // Lint severities are painted too.
    let lint = [
        "--color",
        "always",
        "library",
        "lint",
        "--library",
        l,
        "--no-matching",
    ];
    let out = String::from_utf8_lossy(&vouch(dir, &lint).stdout).into_owned();
    assert!(out.contains("\x1b["), "{out}");
}

/// `text` without ANSI escape sequences (ESC [ ... m).
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn quiet_drops_notices_and_verbose_adds_timings() {
    let (d, lib) = workspace();
    let dir = d.path();
    let l = lib.to_str().unwrap();
    // A new library is indexed, and no model is installed: two notices.
    let loud = vouch(dir, &["fill", "q.csv", "--library", l]);
    let out = common::ok(&loud);
    let err = stderr(&loud);
    assert!(
        err.contains("indexed") && err.contains("matching by words only"),
        "{err}"
    );
    std::fs::remove_dir_all(lib.join(".vouch-index")).ok();
    for entry in std::fs::read_dir(&lib).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        }
    }
    let quiet = vouch(dir, &["-q", "fill", "q.csv", "--library", l]);
    assert_eq!(common::ok(&quiet), out, "results are not affected");
    assert_eq!(stderr(&quiet), "", "-q leaves no notices");
    // Errors still show under -q.
    let e = vouch(dir, &["fill", "absent.csv", "-q", "--library", l]);
    assert!(stderr(&e).starts_with("vouch: error: "));

    let v = vouch(dir, &["fill", "q.csv", "--library", l, "--verbose"]);
    let err = stderr(&v);
    for stage in [
        "read questionnaires: ",
        "load library and index: ",
        "match: ",
        "write: ",
    ] {
        assert!(err.contains(stage), "{stage} missing: {err}");
    }
    let v = vouch(dir, &["-v", "index", "--library", l]);
    assert!(stderr(&v).contains("load library: "), "{}", stderr(&v));
    let plain = vouch(dir, &["index", "--library", l]);
    assert!(!stderr(&plain).contains("load library: "));
    let both = vouch(dir, &["-q", "-v", "config"]);
    assert_eq!(both.status.code(), Some(2), "-q and -v contradict");
}

#[test]
fn exit_codes() {
    let (d, lib) = workspace();
    let dir = d.path();
    let l = lib.to_str().unwrap();
    assert_eq!(vouch(dir, &["config"]).status.code(), Some(0));
    // Usage errors from clap: 2, as for bad input.
    for args in [
        &["fill", "--bogus"][..],
        &["--color", "sometimes", "config"],
        &["nonsense"],
        &[],
    ] {
        assert_eq!(vouch(dir, args).status.code(), Some(2), "{args:?}");
    }
    // Help and version are not errors.
    assert_eq!(vouch(dir, &["--version"]).status.code(), Some(0));
    assert_eq!(vouch(dir, &["help", "fill"]).status.code(), Some(0));
    // Bad input.
    let o = vouch(dir, &["fill", "absent.csv", "--library", l]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absent.csv"));
    // Completed with something to look at: lint errors, review with --fail-on-review.
    let lint = vouch(
        dir,
        &[
            "library",
            "lint",
            "--library",
            l,
            "--no-matching",
            "--today",
            "2035-01-01",
        ],
    );
    assert_eq!(lint.status.code(), Some(1), "{}", stderr(&lint));
    let fill = vouch(dir, &["fill", "q.csv", "--library", l, "--fail-on-review"]);
    assert_eq!(fill.status.code(), Some(1), "{}", stderr(&fill));
}

#[test]
fn the_history_switch_and_the_review_policy_come_from_vouch_toml() {
    let (d, lib) = workspace();
    let dir = d.path();
    let history = lib.join(".vouch-history.jsonl");
    std::fs::write(
        dir.join("vouch.toml"),
        "library = \"lib\"\n[history]\nrecord = false\n",
    )
    .unwrap();
    common::ok(&vouch(dir, &["fill", "q.csv"]));
    assert!(
        !history.exists(),
        "[history] record = false keeps no history"
    );
    std::fs::write(dir.join("vouch.toml"), "library = \"lib\"\n").unwrap();
    common::ok(&vouch(dir, &["fill", "q.csv"]));
    assert!(history.exists(), "recorded by default");
    // [review] learn = false: apply teaches nothing unless asked on the command line.
    std::fs::write(
        dir.join("vouch.toml"),
        "library = \"lib\"\n[review]\nlearn = false\n",
    )
    .unwrap();
    let v = json(&vouch(dir, &["review", "apply", "q.review.xlsx", "--json"]));
    assert!(v["learnt"].is_null(), "{v}");
    std::fs::write(dir.join("vouch.toml"), "library = \"lib\"\n").unwrap();
    let v = json(&vouch(dir, &["review", "apply", "q.review.xlsx", "--json"]));
    assert!(v["learnt"].is_object(), "{v}");
}

#[test]
fn auto_colours_a_terminal_unless_no_color_is_set() {
    // script(1) from util-linux runs the command on a pseudo-terminal.
    let has_script = std::process::Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: no util-linux script(1) to give vouch a terminal");
        return;
    }
    let (d, _) = workspace();
    let on_terminal = |no_color: Option<&str>| -> String {
        let line = format!("{} fill q.csv --library lib", env!("CARGO_BIN_EXE_vouch"));
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &line, "/dev/null"])
            .current_dir(d.path())
            .env("VOUCH_MODEL", common::NO_MODEL)
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let coloured = on_terminal(None);
    assert!(
        coloured.contains("\x1b[") && coloured.contains("auto"),
        "{coloured}"
    );
    let plain = on_terminal(Some("1"));
    assert!(
        !plain.contains("\x1b[") && plain.contains("auto"),
        "{plain}"
    );
    // An empty NO_COLOR does not count, as no-color.org says.
    assert!(on_terminal(Some("")).contains("\x1b["));
}
