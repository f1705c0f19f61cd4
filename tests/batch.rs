//! `vouch fill` of many questionnaires at once, on real files: a folder of the shipped samples
//! is filled in one run with one table whose rows and totals are those of the files filled one
//! by one; a second run in the same folder does not fill the first run's outputs; `--json`
//! says what the table says; the parallel run writes the same bytes as a one-thread run;
//! `--keep-going` fills the good files and names the bad one, while the default writes
//! nothing; an empty folder is refused by name; and no progress bar leaks into a stderr that
//! is not a terminal.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{listing, ok, NO_MODEL};

/// The questionnaires among the samples (not `gold.csv`, which labels them).
const SAMPLES: [&str; 10] = [
    "answered-last-year.xlsx",
    "caiq-lite.xlsx",
    "cloud-controls.xlsx",
    "hecvat-full.xlsx",
    "hecvat-lite.xlsx",
    "messy-homemade.xlsx",
    "security-assessment.xlsx",
    "sig-lite.xlsx",
    "vendor-quick.csv",
    "vsa-like.xlsx",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `vouch fill ARGS --library knowledge` in `dir`, words only, with extra environment.
fn fill_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let lib = root().join("knowledge");
    let mut cmd = assert_cmd::Command::cargo_bin("vouch").unwrap();
    cmd.env("VOUCH_MODEL", NO_MODEL)
        .current_dir(dir)
        .arg("fill")
        .args(args)
        .arg("--library")
        .arg(lib);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn fill(dir: &Path, args: &[&str]) -> Output {
    fill_env(dir, args, &[])
}

/// `dir/name` holding copies of the named samples.
fn folder_of(dir: &Path, name: &str, samples: &[&str]) -> PathBuf {
    let f = dir.join(name);
    std::fs::create_dir_all(&f).unwrap();
    for s in samples {
        std::fs::copy(root().join("samples").join(s), f.join(s)).unwrap();
    }
    f
}

/// The counts of a table row or a one-questionnaire summary: questions, auto, review,
/// unanswered, kept.
type Counts = [usize; 5];

/// The rows of a batch table by questionnaire, and its total row's counts.
fn parse_table(stdout: &str) -> (BTreeMap<String, (Counts, String)>, Counts) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("questionnaire"), "{stdout}");
    let dashes = lines
        .iter()
        .position(|l| l.starts_with("---"))
        .unwrap_or_else(|| panic!("no total line in {stdout}"));
    let nums = |cells: &[&str]| -> Counts {
        let v: Vec<usize> = cells.iter().map(|c| c.parse().unwrap()).collect();
        v.try_into().unwrap()
    };
    let mut rows = BTreeMap::new();
    for l in &lines[1..dashes] {
        let cells: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(cells.len(), 7, "{l}");
        rows.insert(
            cells[0].to_string(),
            (nums(&cells[1..6]), cells[6].to_string()),
        );
    }
    let total: Vec<&str> = lines[dashes + 1].split_whitespace().collect();
    assert!(total[0] == "total", "{stdout}");
    (rows, nums(&total[total.len() - 5..]))
}

/// `PATH: N questions: A auto, R review, U unanswered, K kept` of a single fill.
fn parse_summary(stdout: &str) -> Counts {
    let first = stdout.lines().next().unwrap();
    let n: Vec<usize> = first
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    // The path has no digits in these tests; the five counts are the numbers of the line.
    n[n.len() - 5..].try_into().unwrap()
}

fn no_terminal_codes(stderr: &[u8]) {
    let err = String::from_utf8_lossy(stderr);
    assert!(!err.contains('\x1b'), "escape codes on stderr: {err:?}");
    assert!(!err.contains('\r'), "carriage return on stderr: {err:?}");
    assert!(!err.contains("filling"), "progress on stderr: {err}");
}

#[test]
fn a_folder_is_filled_with_one_table_that_sums_the_single_runs() {
    let t = tempfile::tempdir().unwrap();
    let q = folder_of(t.path(), "q", &SAMPLES);
    std::fs::write(q.join("README.md"), "not a questionnaire").unwrap();
    let out = fill(t.path(), &["q"]);
    let stdout = ok(&out);
    no_terminal_codes(&out.stderr);
    let (rows, total) = parse_table(&stdout);
    assert_eq!(rows.len(), SAMPLES.len(), "{stdout}");

    // Each questionnaire alone, in a folder of its own.
    let mut sum = [0; 5];
    for s in SAMPLES {
        let one = folder_of(t.path(), &format!("one-{s}"), &[s]);
        let counts = parse_summary(&ok(&fill(&one, &[s])));
        let (row, output) = &rows[&format!("q/{s}")];
        assert_eq!(row, &counts, "{s}: {stdout}");
        assert!(q.join(Path::new(output).file_name().unwrap()).is_file());
        for (a, b) in sum.iter_mut().zip(counts) {
            *a += b;
        }
    }
    assert_eq!(total, sum, "{stdout}");
    assert!(sum[1] > 0 && sum[0] > 100, "{sum:?}");

    // Every questionnaire has its filled copy and review workbook, in name order in the table.
    let names = listing(&q);
    for s in SAMPLES {
        let stem = s.rsplit_once('.').unwrap().0;
        assert!(names
            .iter()
            .any(|n| n.starts_with(&format!("{stem}.filled."))));
        assert!(names.contains(&format!("{stem}.review.xlsx")), "{names:?}");
    }
    let order: Vec<&str> = stdout.lines().skip(1).take(SAMPLES.len()).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn a_second_run_in_the_folder_skips_the_first_runs_outputs() {
    let t = tempfile::tempdir().unwrap();
    let q = folder_of(
        t.path(),
        "q",
        &["vendor-quick.csv", "caiq-lite.xlsx", "sig-lite.xlsx"],
    );
    // An Excel lock file and a hidden file are skipped as well.
    std::fs::write(q.join("~$caiq-lite.xlsx"), "lock").unwrap();
    std::fs::write(q.join(".notes.csv"), "a,b").unwrap();
    let first = fill(t.path(), &["q"]);
    let (rows, _) = parse_table(&ok(&first));
    assert_eq!(rows.len(), 3);
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("q: skipped 2 files"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let after_first = listing(&q);

    let second = fill(t.path(), &["q"]);
    let (again, _) = parse_table(&ok(&second));
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        rows.keys().collect::<Vec<_>>()
    );
    let err = String::from_utf8_lossy(&second.stderr);
    // Three filled copies, three review workbooks, the lock file and the hidden file.
    assert!(err.contains("q: skipped 8 files"), "{err}");
    assert_eq!(listing(&q), after_first, "the second run made new files");
    assert!(!after_first.iter().any(|n| n.contains(".filled.filled")));
}

#[test]
fn json_says_what_the_table_says_and_nothing_else_is_on_stdout() {
    let t = tempfile::tempdir().unwrap();
    folder_of(t.path(), "q", &SAMPLES[..5]);
    folder_of(t.path(), "r", &SAMPLES[5..]);
    let table = ok(&fill(t.path(), &["q", "r"]));
    let (rows, total) = parse_table(&table);

    // (The first run's outputs are skipped.)
    let json = ok(&fill(t.path(), &["q", "r", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("stdout is one JSON document");
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), rows.len());
    let key = ["questions", "auto", "review", "unanswered", "kept"];
    for f in files {
        let input = f["input"].as_str().unwrap();
        let (counts, output) = &rows[input];
        assert_eq!(f["status"], "filled");
        assert_eq!(f["output"].as_str().unwrap(), output);
        for (k, n) in key.iter().zip(counts) {
            assert_eq!(f[k].as_u64().unwrap() as usize, *n, "{input} {k}");
        }
    }
    for (k, n) in key.iter().zip(total) {
        assert_eq!(v["total"][k].as_u64().unwrap() as usize, n, "total {k}");
    }
    assert_eq!(v["total"]["questionnaires"], SAMPLES.len());
    assert_eq!(v["total"]["failed"], 0);
    // In input order: the folders as given, each sorted.
    let inputs: Vec<&str> = files.iter().map(|f| f["input"].as_str().unwrap()).collect();
    let expected: Vec<String> = SAMPLES[..5]
        .iter()
        .map(|s| format!("q/{s}"))
        .chain(SAMPLES[5..].iter().map(|s| format!("r/{s}")))
        .collect();
    assert_eq!(inputs, expected);
}

/// The report and the filled copies of a run of `vouch fill q --report r.json` in a fresh
/// folder, with `env`.
fn run_bytes(env: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    let t = tempfile::tempdir().unwrap();
    let q = folder_of(t.path(), "q", &SAMPLES);
    let out = fill_env(t.path(), &["q", "--report", "r.json"], env);
    ok(&out);
    let mut bytes = BTreeMap::new();
    bytes.insert(
        "r.json".to_string(),
        std::fs::read(t.path().join("r.json")).unwrap(),
    );
    for n in listing(&q).into_iter().filter(|n| n.contains(".filled.")) {
        bytes.insert(n.clone(), std::fs::read(q.join(&n)).unwrap());
    }
    bytes
}

#[test]
fn a_parallel_batch_writes_the_same_bytes_as_a_one_thread_one() {
    let first = run_bytes(&[]);
    let again = run_bytes(&[]);
    let one_thread = run_bytes(&[("RAYON_NUM_THREADS", "1")]);
    assert_eq!(first.len(), SAMPLES.len() + 1, "{:?}", first.keys());
    for (name, b) in &first {
        assert!(again[name] == *b, "{name} differs between two runs");
        assert!(
            one_thread[name] == *b,
            "{name} differs between parallel and one thread"
        );
    }
    // The report is an array in input order.
    let v: serde_json::Value = serde_json::from_slice(&first["r.json"]).unwrap();
    let inputs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = SAMPLES.iter().map(|s| format!("q/{s}")).collect();
    assert_eq!(inputs, expected);
}

#[test]
fn keep_going_fills_the_good_files_and_names_the_bad_one() {
    let t = tempfile::tempdir().unwrap();
    let good = ["caiq-lite.xlsx", "vendor-quick.csv", "vsa-like.xlsx"];
    let q = folder_of(t.path(), "q", &good);
    std::fs::write(q.join("broken.xlsx"), b"PK\x03\x04 not really a workbook").unwrap();
    let before = listing(&q);

    // By default, one bad questionnaire stops the run before anything is written.
    let out = fill(t.path(), &["q"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let errors = error_lines(&err);
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("q/broken.xlsx"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(listing(&q), before, "files written by a failed run");

    let out = fill(t.path(), &["q", "--keep-going"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let errors = error_lines(&err);
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("q/broken.xlsx"), "{err}");
    assert!(err.contains("1 of 4 questionnaires not filled"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let broken_row = stdout
        .lines()
        .find(|l| l.starts_with("q/broken.xlsx"))
        .unwrap();
    assert!(broken_row.contains("FAILED"), "{stdout}");
    assert!(stdout.contains("error: q/broken.xlsx"), "{stdout}");
    assert!(stdout.contains("total (3 of 4 questionnaires)"), "{stdout}");
    let names = listing(&q);
    for g in good {
        let stem = g.rsplit_once('.').unwrap().0;
        assert!(names.contains(&format!("{stem}.review.xlsx")), "{names:?}");
    }
    assert!(!names
        .iter()
        .any(|n| n.starts_with("broken.") && n != "broken.xlsx"));
    assert_eq!(names.len(), before.len() + 2 * good.len(), "{names:?}");

    // --json lists the failure too, and stays the only thing on stdout.
    let out = fill(
        t.path(),
        &["q", "--keep-going", "--json", "--report", "r.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&serde_json::Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["input"], "q/broken.xlsx");
    assert!(failed[0]["error"].as_str().unwrap().contains("broken.xlsx"));
    assert_eq!(v["total"]["filled"], 3);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 3);
}

#[test]
fn an_empty_folder_is_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("inbox")).unwrap();
    let out = fill(t.path(), &["inbox"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("vouch: error: folder inbox has no questionnaire"),
        "{err}"
    );
    assert!(listing(&t.path().join("inbox")).is_empty());
}

#[test]
fn a_single_questionnaire_keeps_its_summary_and_json_works_for_it() {
    let t = tempfile::tempdir().unwrap();
    let q = folder_of(t.path(), "q", &["vendor-quick.csv"]);
    let out = fill(&q, &["vendor-quick.csv"]);
    let stdout = ok(&out);
    no_terminal_codes(&out.stderr);
    assert!(
        stdout.starts_with("vendor-quick.csv: 25 questions: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("  filled   vendor-quick.filled.csv\n"),
        "{stdout}"
    );

    // A folder of one is one questionnaire too.
    let json = ok(&fill(t.path(), &["q", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert_eq!(v["total"]["questions"], 25);
    assert_eq!(v["files"][0]["output"], "q/vendor-quick.filled.csv");
}

/// The `vouch: error:` lines of a run's standard error.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("vouch: error:"))
        .collect()
}
