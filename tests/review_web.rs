//! `vouch review` over HTTP, through the real binary: a fill makes the review workbook, the
//! server is started with `--no-open` and its printed address, and a tiny HTTP client (std
//! only, so every header is the test's choice) decides rows, searches, is refused without the
//! token or from a foreign origin, kills and restarts the server, and finishes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use vouch::review::decisions::{self, Action};
use vouch::review::read::read_review;

#[path = "review_web/browser.rs"]
mod browser;

use common::NO_MODEL;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private copy of the shipped library and the quick sample in `d`, filled; the review
/// workbook's path.
fn filled(d: &Path, edit: impl FnOnce(&Path, &Path)) -> PathBuf {
    let lib = common::private_library(d);
    let q = d.join("vendor-quick.csv");
    std::fs::copy(root().join("samples/vendor-quick.csv"), &q).unwrap();
    edit(&q, &lib);
    let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(d)
        .args([
            "fill",
            "vendor-quick.csv",
            "--library",
            lib.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    d.join("vendor-quick.review.xlsx")
}

/// A running `vouch review --no-open`.
struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
    token: String,
}

impl Server {
    fn start(review: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .env("VOUCH_MODEL", NO_MODEL)
            .args(["review", review.to_str().unwrap(), "--no-open"])
            .args(["--reviewer", "Ana Tester"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "vouch review printed no address"
            );
            if let Some(at) = line.find("http://127.0.0.1:") {
                break line[at..].trim().to_string();
            }
        };
        let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
        let (port, token) = rest.split_once("/?token=").unwrap();
        Server {
            child,
            out,
            port: port.parse().unwrap(),
            token: token.to_string(),
        }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn get(&self, path_query: &str) -> Resp {
        request(self.port, "GET", path_query, &[], "")
    }

    fn page(&self) -> String {
        let r = self.get(&format!("/?token={}", self.token));
        assert_eq!(r.status, 200);
        r.body
    }

    /// POST a decision for `card` from the page's own origin.
    fn decide(&self, card: usize, fields: &[(&str, &str)]) -> Resp {
        let mut body = format!("card={card}");
        for (k, v) in fields {
            body.push_str(&format!("&{k}={}", enc(v)));
        }
        let origin = self.origin();
        request(
            self.port,
            "POST",
            &format!("/decide?token={}", self.token),
            &[("Origin", &origin)],
            &body,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Resp {
    status: u16,
    head: String,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// One HTTP/1.1 request with exactly these headers (and Host), the connection then closed.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    request_to(
        port,
        &format!("127.0.0.1:{port}"),
        method,
        path,
        headers,
        body,
    )
}

fn request_to(
    port: u16,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Resp {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// Form encoding.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn every_action_lands_in_the_sidecar() {
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |_, _| {});
    let rows = read_review(&review).unwrap().rows;
    assert!(rows.len() >= 6, "{} review rows", rows.len());
    let has = |i: usize, n: u8| rows[i].offered.iter().any(|o| o.n == n);
    let with_two = (0..rows.len()).find(|i| has(*i, 2)).unwrap();
    let with_one = (0..rows.len())
        .find(|i| *i != with_two && has(*i, 1))
        .unwrap();
    let others: Vec<usize> = (0..rows.len())
        .filter(|i| *i != with_two && *i != with_one)
        .take(4)
        .collect();
    let srv = Server::start(&review);
    let page = srv.page();
    assert!(page.contains(&format!("0 of {}", rows.len())), "{page}");

    let own = "No.\n\"We\" do not & never will <sell> data.";
    /// A card, the form's fields, and the decision they make.
    type Step<'a> = (usize, Vec<(&'a str, &'a str)>, Action);
    let steps: Vec<Step> = vec![
        (with_one, vec![("action", "accept")], Action::Accept),
        (
            with_two,
            vec![("action", "candidate"), ("n", "2")],
            Action::Candidate { n: 2 },
        ),
        (
            others[0],
            vec![("action", "text"), ("text", own)],
            Action::Text { text: own.into() },
        ),
        (others[1], vec![("action", "na")], Action::NotApplicable),
        (others[2], vec![("action", "skip")], Action::Skip),
    ];
    for (card, fields, _) in &steps {
        let r = srv.decide(*card, fields);
        assert_eq!(r.status, 303, "{}", r.body);
        let to = r.header("location").unwrap();
        assert!(
            to.starts_with(&format!("/?token={}#card-", srv.token)),
            "{to}"
        );
    }
    // Search, then pick an entry from the results.
    let found = srv.get(&format!(
        "/?token={}&card={}&q=multi-factor+authentication+employees",
        srv.token, others[3]
    ));
    assert_eq!(found.status, 200);
    assert!(found.body.contains("mfa-workforce"), "{}", found.body);
    assert!(found.body.contains("name=\"id\" value=\"mfa-workforce\""));
    let r = srv.decide(others[3], &[("action", "entry"), ("id", "mfa-workforce")]);
    assert_eq!(r.status, 303, "{}", r.body);

    // Refused without a trace: an entry the library lacks, a candidate the row lacks.
    let r = srv.decide(others[3], &[("action", "entry"), ("id", "no-such-entry")]);
    assert_eq!(r.status, 400);
    let r = srv.decide(others[3], &[("action", "candidate"), ("n", "9")]);
    assert_eq!(r.status, 400);

    let made = decisions::load(&decisions::sidecar_path(&review)).unwrap();
    let mut want: Vec<(usize, Action)> = steps.into_iter().map(|(c, _, a)| (c, a)).collect();
    want.push((
        others[3],
        Action::Entry {
            id: "mfa-workforce".into(),
        },
    ));
    assert_eq!(made.len(), want.len(), "{made:?}");
    for (d, (card, action)) in made.iter().zip(&want) {
        assert_eq!(&d.action, action);
        assert_eq!(
            (d.sheet.as_str(), d.row),
            (rows[*card].sheet.as_str(), rows[*card].row)
        );
        assert_eq!(d.via, "browser");
        assert_eq!(d.who, "Ana Tester");
        assert_eq!(d.when.len(), 20, "{}", d.when);
    }
    // The page counts them: five decided, one skipped, and shows the own answer escaped.
    let page = srv.page();
    assert!(page.contains(&format!("<strong>5 of {}</strong>", rows.len())));
    assert!(page.contains("1 skipped"));
    assert!(page.contains("&quot;We&quot; do not &amp; never will &lt;sell&gt; data."));
}

#[test]
fn requests_without_the_token_or_from_elsewhere_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |_, _| {});
    let srv = Server::start(&review);
    let t = &srv.token;
    for path in [
        "/".to_string(),
        "/?token=".to_string(),
        format!("/?token={}", &t[..t.len() - 1]),
        format!("/?token={t}0"),
        "/app.js".to_string(),
        "/app.css".to_string(),
        format!("/?tok={t}"),
    ] {
        let r = srv.get(&path);
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.body.contains("card-0"));
    }
    // Another name for this address (a rebound DNS name) is refused too.
    let r = request_to(
        srv.port,
        &format!("evil.example:{}", srv.port),
        "GET",
        &format!("/?token={t}"),
        &[],
        "",
    );
    assert_eq!(r.status, 403);

    let post = |headers: &[(&str, &str)]| {
        request(
            srv.port,
            "POST",
            &format!("/decide?token={t}"),
            headers,
            "card=0&action=skip",
        )
    };
    let other_port = format!("http://127.0.0.1:{}", srv.port + 1);
    let other_referer = format!("http://127.0.0.1:{}/?token={t}", srv.port + 1);
    for headers in [
        vec![],
        vec![("Origin", "http://evil.example")],
        vec![("Origin", "null")],
        vec![("Origin", other_port.as_str())],
        vec![("Referer", other_referer.as_str())],
        vec![("Referer", "http://evil.example/")],
    ] {
        let r = post(&headers);
        assert_eq!(r.status, 403, "{headers:?}");
    }
    // Without the token, even from the page's origin.
    let origin = srv.origin();
    let r = request(
        srv.port,
        "POST",
        "/decide",
        &[("Origin", &origin)],
        "card=0&action=skip",
    );
    assert_eq!(r.status, 403);
    let r = request(srv.port, "POST", "/finish", &[("Origin", &origin)], "");
    assert_eq!(r.status, 403);
    assert!(!decisions::sidecar_path(&review).exists());

    // The page's own origin, or its Referer when there is no Origin, is accepted.
    let referer = format!("{origin}/?token={t}");
    assert_eq!(post(&[("Origin", &origin)]).status, 303);
    assert_eq!(post(&[("Referer", &referer)]).status, 303);
    assert_eq!(
        decisions::load(&decisions::sidecar_path(&review))
            .unwrap()
            .len(),
        2
    );

    // Every response, refusals included, forbids framing, caching and outside content.
    for r in [srv.get("/"), srv.get(&format!("/?token={t}"))] {
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        assert!(r.header("referrer-policy").is_some());
    }
    let page = srv.page();
    assert!(!page.contains("<script>"), "no inline script");
    assert!(!page.contains(" style="), "no inline style");
}

#[test]
fn hostile_text_is_shown_escaped() {
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |q, lib| {
        let mut csv = std::fs::read_to_string(q).unwrap();
        csv.push_str(&format!(
            "99,\"{} What colour is the office cat? {}\",,\n",
            SCRIPT,
            IMG.replace('"', "\"\"")
        ));
        std::fs::write(q, csv).unwrap();
        let f = lib.join("access-control.toml");
        let toml = std::fs::read_to_string(&f).unwrap().replacen(
            "answer = \"Yes. Every employee",
            &format!(
                "answer = \"{} {} Yes. Every employee",
                SCRIPT,
                IMG.replace('"', "\\\"")
            ),
            1,
        );
        std::fs::write(f, toml).unwrap();
    });
    let srv = Server::start(&review);
    let rows = read_review(&review).unwrap().rows;
    let card = rows
        .iter()
        .position(|r| r.question.contains(SCRIPT))
        .expect("the hostile question is up for review");
    let escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let escaped_img = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";
    let never = |html: &str| {
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("onerror=alert(1)>"), "{html}");
    };
    let page = srv.page();
    assert!(page.contains(escaped_script));
    assert!(page.contains(escaped_img));
    never(&page);
    // The hostile library answer in search results, and hostile search words in the box.
    let found = srv.get(&format!(
        "/?token={}&card={card}&q=multi-factor+authentication+employees",
        srv.token
    ));
    assert!(found.body.contains(&format!(
        "{escaped_script} {escaped_img} Yes. Every employee"
    )));
    never(&found.body);
    let found = srv.get(&format!("/?token={}&card={card}&q={}", srv.token, enc(IMG)));
    assert!(
        found.body.contains(&format!("value=\"{escaped_img}\"")),
        "{}",
        found.body
    );
    never(&found.body);
    // Chosen and decided, it is still text.
    assert_eq!(
        srv.decide(card, &[("action", "entry"), ("id", "mfa-workforce")])
            .status,
        303
    );
    let own = format!("{SCRIPT}{IMG}");
    assert_eq!(
        srv.decide(card, &[("action", "text"), ("text", &own)])
            .status,
        303
    );
    never(&srv.page());
}

#[test]
fn a_killed_server_resumes_with_its_decisions() {
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |_, _| {});
    let total = read_review(&review).unwrap().rows.len();
    let mut srv = Server::start(&review);
    assert_eq!(srv.decide(0, &[("action", "accept")]).status, 303);
    assert_eq!(srv.decide(1, &[("action", "na")]).status, 303);
    assert_eq!(srv.decide(2, &[("action", "skip")]).status, 303);
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    drop(srv);

    let srv = Server::start(&review);
    let page = srv.page();
    assert!(
        page.contains(&format!("<strong>2 of {total}</strong>")),
        "{page}"
    );
    assert!(page.contains("1 skipped"));
    assert!(page.contains("id=\"card-0\" class=\"card done\""), "{page}");
    assert!(page.contains("id=\"card-1\" class=\"card na\""));
    assert!(page.contains("id=\"card-2\" class=\"card skipped\""));
    assert!(page.contains("id=\"card-3\" class=\"card open\""));
    assert!(page.contains("Accepted the proposal"));
    assert!(page.contains("Marked not applicable"));
    assert!(page.contains("Ana Tester"));
    // A decided card can be changed: the later decision wins.
    assert_eq!(srv.decide(1, &[("action", "skip")]).status, 303);
    let page = srv.page();
    assert!(page.contains(&format!("<strong>1 of {total}</strong>")));
    assert!(page.contains("id=\"card-1\" class=\"card skipped\""));
}

#[test]
fn finish_stops_the_server() {
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |_, _| {});
    let mut srv = Server::start(&review);
    assert_eq!(srv.decide(0, &[("action", "na")]).status, 303);
    let origin = srv.origin();
    let r = request(
        srv.port,
        "POST",
        &format!("/finish?token={}", srv.token),
        &[("Origin", &origin)],
        "",
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Review finished"), "{}", r.body);
    let status = srv.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    srv.out.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("Finished: 1 of"), "{rest}");
    assert!(TcpStream::connect(("127.0.0.1", srv.port)).is_err());
}

#[test]
fn a_file_that_is_not_a_review_workbook_is_one_line_and_exit_2() {
    let d = tempfile::tempdir().unwrap();
    filled(d.path(), |_, _| {});
    for f in ["vendor-quick.csv", "missing.review.xlsx"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .current_dir(d.path())
            .args(["review", f, "--no-open"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{f}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(f), "{err}");
    }
}
