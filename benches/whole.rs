//! `cargo bench --bench whole`: Vouch end to end at scale, against the naive way, in one run.
//!
//! Speed claims are only worth something relative to a baseline measured on the same machine
//! in the same run (the machines are shared and noisy), so every figure here comes with the
//! baseline beside it. The data is synthetic and generated now (`synth.rs`): libraries of
//! 250, 2,500 and 25,000 entries grown from the shipped library, questionnaires of 300, 3,000
//! and 30,000 questions, and a batch of 50 workbooks.
//!
//! Each case runs the real release binary as a user would (process start to written files),
//! through this program started again as a thin parent, so that the peak resident memory of
//! that one child is read from the kernel (`getrusage(RUSAGE_CHILDREN)`) rather than guessed.
//! The naive baseline is a plain BM25 over the same library doing the same work in this
//! process: read the library and the questionnaire, index, pick each question's best entry,
//! write the answers. With `--model DIR` (or an installed model), the dense peer (MiniLM
//! encoding every question, then a cosine search over the library's precomputed vectors) and
//! Vouch by meaning are timed too.
//!
//! Options: `--quick` (no 25,000-entry library, no 30,000-question questionnaire),
//! `--model DIR`, `--markdown` (print the table as Markdown, for the README),
//! `--write DIR` (only write the data, for profiling by hand).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "support/naive.rs"]
mod naive;
#[path = "support/synth.rs"]
mod synth;

const VOUCH: &str = env!("CARGO_BIN_EXE_vouch");

/// One measured run of the binary.
#[derive(Clone, Copy)]
struct Run {
    secs: f64,
    peak_mb: f64,
}

/// `--measure PROGRAM ARGS...`: run the program, wait, and print its wall time and peak RSS.
/// A fresh parent per case, so RUSAGE_CHILDREN holds that one child alone.
fn measure_child(args: &[String]) -> ! {
    let t = Instant::now();
    let out = Command::new(&args[0])
        .args(&args[1..])
        .output()
        .expect("run the measured program");
    let secs = t.elapsed().as_secs_f64();
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    if !out.status.success() && out.status.code() != Some(1) {
        eprintln!(
            "measured run failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(3);
    }
    println!("{secs} {}", usage.max_rss());
    std::process::exit(0);
}

/// Run `vouch ARGS` in `cwd` under a fresh parent; the median of `reps` runs' wall time and
/// their highest peak memory.
fn vouch(cwd: &Path, args: &[&str], reps: usize) -> Run {
    let me = std::env::current_exe().expect("own path");
    let mut runs = Vec::new();
    for _ in 0..reps {
        let out = Command::new(&me)
            .current_dir(cwd)
            .arg("--measure")
            .arg(VOUCH)
            .args(args)
            .output()
            .expect("run the measuring parent");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        let (Some(s), Some(kb)) = (it.next(), it.next()) else {
            panic!(
                "vouch {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        runs.push(Run {
            secs: s.parse().expect("seconds"),
            peak_mb: kb.parse::<f64>().expect("KB") / 1024.0,
        });
    }
    runs.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    Run {
        secs: runs[runs.len() / 2].secs,
        peak_mb: runs.iter().map(|r| r.peak_mb).fold(0.0, f64::max),
    }
}

/// Time `f` in this process: the median of `reps` runs.
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut secs = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        last = Some(f());
        secs.push(t.elapsed().as_secs_f64());
    }
    secs.sort_by(f64::total_cmp);
    (secs[secs.len() / 2], last.expect("at least one run"))
}

struct Row {
    case: String,
    vouch: Run,
    questions: usize,
    naive_s: Option<f64>,
}

fn print_table(rows: &[Row], markdown: bool, mode: &str) {
    if markdown {
        println!(
            "| case | Vouch, {mode} | questions/s | peak memory | naive BM25 | Vouch faster by |"
        );
        println!("|---|---|---|---|---|---|");
    } else {
        println!(
            "{:<52} {:>9} {:>11} {:>9} {:>10} {:>8}",
            "case", "vouch", "q/s", "peak", "naive", "ratio"
        );
    }
    for r in rows {
        let qps = if r.questions > 0 {
            format!("{:.0}", r.questions as f64 / r.vouch.secs)
        } else {
            "-".into()
        };
        let naive = r.naive_s.map_or("-".into(), |s| format!("{s:.3} s"));
        let ratio = r
            .naive_s
            .map_or("-".into(), |s| format!("{:.1}x", s / r.vouch.secs));
        if markdown {
            println!(
                "| {} | {:.3} s | {qps} | {:.0} MB | {naive} | {ratio} |",
                r.case, r.vouch.secs, r.vouch.peak_mb
            );
        } else {
            println!(
                "{:<52} {:>7.3} s {:>11} {:>6.0} MB {:>10} {:>8}",
                r.case, r.vouch.secs, qps, r.vouch.peak_mb, naive, ratio
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure") {
        measure_child(&args[1..]);
    }
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let quick = flag("--quick");
    let markdown = flag("--markdown");
    let seeds = synth::seeds();
    let keep = value("--write");
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&work).expect("work dir");

    let lib_sizes: &[usize] = if quick {
        &[250, 2_500]
    } else {
        &[250, 2_500, 25_000]
    };
    let q_sizes: &[usize] = if quick {
        &[300, 3_000]
    } else {
        &[300, 3_000, 30_000]
    };
    let t = Instant::now();
    for &n in lib_sizes {
        synth::write_library(&work.join(format!("lib{n}")), n, &seeds);
        for &m in q_sizes {
            let qs = synth::questions(m, n, &seeds);
            synth::write_csv(&work.join(format!("q{m}-lib{n}.csv")), &qs);
        }
        synth::write_xlsx(
            &work.join(format!("q300-lib{n}.xlsx")),
            &synth::questions(300, n, &seeds),
        );
    }
    let batch = work.join("batch");
    std::fs::create_dir_all(&batch).expect("batch dir");
    for k in 0..50 {
        let qs = synth::questions(300 + k, 2_500, &seeds);
        synth::write_xlsx(&batch.join(format!("vendor-{k:02}.xlsx")), &qs);
    }
    eprintln!(
        "data written in {:.1} s to {}",
        t.elapsed().as_secs_f64(),
        work.display()
    );
    if keep.is_some() {
        return;
    }

    let mut rows = Vec::new();
    let reps = 3;
    for &n in lib_sizes {
        let lib = format!("lib{n}");
        let index_dir = work.join(&lib).join(".vouch-index");
        // Index build: from nothing, each time.
        let mut builds = Vec::new();
        for _ in 0..reps {
            let _ = std::fs::remove_dir_all(&index_dir);
            builds.push(vouch(&work, &["index", "--library", &lib, "--lexical"], 1));
        }
        builds.sort_by(|a, b| a.secs.total_cmp(&b.secs));
        let naive_index = timed(reps, || naive::Index::load(&work.join(&lib))).0;
        rows.push(Row {
            case: format!("index build, {n} entries"),
            vouch: builds[reps / 2],
            questions: 0,
            naive_s: Some(naive_index),
        });
        for &m in q_sizes {
            let q = format!("q{m}-lib{n}.csv");
            let out = work.join(format!("out-q{m}-lib{n}.csv"));
            let r = vouch(
                &work,
                &[
                    "fill",
                    &q,
                    "--library",
                    &lib,
                    "--lexical",
                    "--overwrite",
                    "--out",
                    out.to_str().expect("utf-8 path"),
                ],
                if m >= 30_000 { 1 } else { reps },
            );
            let naive_s = timed(if m >= 30_000 { 1 } else { reps }, || {
                naive::fill(
                    &work.join(&lib),
                    &work.join(&q),
                    &work.join("naive-out.csv"),
                )
            })
            .0;
            rows.push(Row {
                case: format!("fill {m} questions (CSV), {n} entries"),
                vouch: r,
                questions: m,
                naive_s: Some(naive_s),
            });
        }
        let q = format!("q300-lib{n}.xlsx");
        let r = vouch(
            &work,
            &["fill", &q, "--library", &lib, "--lexical", "--overwrite"],
            reps,
        );
        rows.push(Row {
            case: format!("fill 300-question workbook (.xlsx), {n} entries"),
            vouch: r,
            questions: 300,
            naive_s: None,
        });
    }
    // A batch of fifty workbooks in one run.
    let files: Vec<String> = (0..50)
        .map(|k| format!("batch/vendor-{k:02}.xlsx"))
        .collect();
    let mut fill_args: Vec<&str> = vec!["fill"];
    fill_args.extend(files.iter().map(String::as_str));
    fill_args.extend(["--library", "lib2500", "--lexical", "--overwrite"]);
    let r = vouch(&work, &fill_args, 1);
    let total_q: usize = (0..50).map(|k| 300 + k).sum();
    rows.push(Row {
        case: "batch of 50 workbooks (16,225 questions), 2500 entries".into(),
        vouch: r,
        questions: total_q,
        naive_s: None,
    });
    println!(
        "\nVouch by words only against a naive BM25 doing the same work, {} cores, median of {reps} runs (one for 30,000 questions and the batch):\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    print_table(&rows, markdown, "words only");
    growth(&rows);
    if let Some(model) = value("--model") {
        semantic(&work, &model, &rows, markdown);
    }
}

/// By meaning: Vouch with the model at 250 and 2,500 entries (the vectors of the library
/// built first, as `vouch index` does, and timed apart), and the dense peer: MiniLM encoding
/// each question and a cosine search over the library questions' vectors (encoded before
/// timing, as an index would hold them), against Vouch by words only on the same 300
/// questions.
fn semantic(work: &Path, model: &Path, rows: &[Row], markdown: bool) {
    let m = model.to_str().expect("utf-8 model path");
    let mut out = Vec::new();
    for n in [250usize, 2_500] {
        let lib = format!("lib{n}");
        let _ = std::fs::remove_dir_all(work.join(&lib).join(".vouch-index"));
        let vectors = vouch(work, &["index", "--library", &lib, "--model", m], 1);
        out.push(Row {
            case: format!("index build with the vectors, {n} entries"),
            vouch: vectors,
            questions: 0,
            naive_s: None,
        });
        let q = format!("q300-lib{n}.csv");
        let r = vouch(
            work,
            &["fill", &q, "--library", &lib, "--model", m, "--overwrite"],
            3,
        );
        out.push(Row {
            case: format!("fill 300 questions by meaning, {n} entries"),
            vouch: r,
            questions: 300,
            naive_s: None,
        });
    }
    let emb = vouch::embed::Embedder::load(model).expect("model loads");
    let library = vouch::knowledge::load_library(&work.join("lib2500")).expect("library");
    let texts: Vec<&str> = library
        .entries
        .iter()
        .map(|e| e.question.as_str())
        .collect();
    let lib_vecs = emb.encode(&texts).expect("encode the library");
    let mut qs = Vec::new();
    let mut rd = csv::Reader::from_path(work.join("q300-lib2500.csv")).expect("questions");
    for r in rd.records().flatten() {
        qs.push(r.get(1).unwrap_or("").to_string());
    }
    let (dense_s, best) = timed(3, || {
        let q: Vec<&str> = qs.iter().map(String::as_str).collect();
        let vecs = emb.encode(&q).expect("encode the questions");
        vecs.iter()
            .map(|v| {
                (0..lib_vecs.len())
                    .max_by(|&a, &b| {
                        let dot = |i: usize| -> f32 {
                            lib_vecs[i].iter().zip(v).map(|(x, y)| x * y).sum()
                        };
                        dot(a).total_cmp(&dot(b))
                    })
                    .unwrap_or(0)
            })
            .collect::<Vec<usize>>()
    });
    let lexical = rows
        .iter()
        .find(|r| r.case == "fill 300 questions (CSV), 2500 entries")
        .map(|r| r.vouch.secs);
    println!("\nBy meaning (model {}):\n", model.display());
    print_table(&out, markdown, "by meaning");
    println!(
        "\ndense peer (MiniLM encode + cosine search, in process), 300 questions against 2,500 entries: {dense_s:.3} s ({} answered)",
        best.len()
    );
    if let Some(l) = lexical {
        println!(
            "Vouch by words only, end to end on the same questions: {l:.3} s, {:.1}x faster than the dense peer",
            dense_s / l
        );
    }
}

/// How time and memory grow with size, from the rows just measured.
fn growth(rows: &[Row]) {
    let find = |case: &str| rows.iter().find(|r| r.case == case);
    println!();
    for n in [2_500, 25_000] {
        if let (Some(a), Some(b)) = (
            find(&format!("fill 300 questions (CSV), {n} entries")),
            find(&format!("fill 3000 questions (CSV), {n} entries")),
        ) {
            println!(
                "{n} entries: 10x the questions costs {:.1}x the time",
                b.vouch.secs / a.vouch.secs
            );
        }
        if let (Some(a), Some(b)) = (
            find(&format!("fill 3000 questions (CSV), {n} entries")),
            find(&format!("fill 30000 questions (CSV), {n} entries")),
        ) {
            println!(
                "{n} entries: 10x the questions (3,000 to 30,000) costs {:.1}x the time",
                b.vouch.secs / a.vouch.secs
            );
        }
    }
    if let (Some(a), Some(b)) = (
        find("index build, 2500 entries"),
        find("index build, 25000 entries"),
    ) {
        println!(
            "index build: 10x the entries costs {:.1}x the time, {:.1}x the memory",
            b.vouch.secs / a.vouch.secs,
            b.vouch.peak_mb / a.vouch.peak_mb
        );
    }
}
