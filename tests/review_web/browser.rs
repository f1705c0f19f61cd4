//! The review page in a real browser: headless Chromium driven over the DevTools protocol,
//! on the `--remote-debugging-pipe` (NUL-separated JSON through two FIFOs, so no websocket
//! client and no browser-driving crate). Cards are settled with the keyboard shortcuts and by
//! clicking, the sidecar is checked, and screenshots are written for a person to look at.
//!
//! Chromium comes from the system (`apt-get install chromium`; .ci/run installs it). Without
//! it the test says it skipped, unless `VOUCH_REQUIRE_BROWSER=1`, when it fails.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vouch::review::decisions::{self, Action};
use vouch::review::read::read_review;

use super::{filled, Server};

/// How long the browser may take for one step before the test gives up (a hang, not a
/// timing assertion: a slow machine only waits longer).
const PATIENCE: Duration = Duration::from_secs(120);

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

/// Chromium's flags for a headless run here (as root in CI: no sandbox).
fn flags(profile: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--hide-scrollbars".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ]
}

/// A headless Chromium and one page of it, over the DevTools pipe.
struct Browser {
    child: Child,
    to: File,
    from: BufReader<File>,
    next: u64,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn start(chromium: &Path, dir: &Path) -> Browser {
        let (to, from) = (dir.join("cdp-in"), dir.join("cdp-out"));
        for f in [&to, &from] {
            assert!(Command::new("mkfifo").arg(f).status().unwrap().success());
        }
        // The shell opens the FIFOs as fds 3 and 4, which is where Chromium's pipe is.
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"f="$1"; shift; exec "$f" "$@" --remote-debugging-pipe about:blank 3<"$IN" 4>"$OUT""#)
            .arg("sh")
            .arg(chromium)
            .args(flags(&dir.join("profile")))
            .env("IN", &to)
            .env("OUT", &from)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Same order as the shell: its read end first, then its write end.
        let to = std::fs::OpenOptions::new().write(true).open(&to).unwrap();
        let from = BufReader::new(File::open(&from).unwrap());
        let mut b = Browser {
            child,
            to,
            from,
            next: 0,
            session: String::new(),
        };
        let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let s = b.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        b.session = s["sessionId"].as_str().unwrap().to_string();
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    /// Send a command (to the page once attached) and wait for its answer; events are
    /// dropped. An error answer is returned as `Err`.
    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let mut buf = Vec::new();
            let n = self.from.read_until(0, &mut buf).unwrap();
            assert!(n > 0, "chromium closed its DevTools pipe");
            buf.pop();
            let v: Value = serde_json::from_slice(&buf).unwrap();
            if v["id"] == json!(id) {
                return match v.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(v["result"].clone()),
                };
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params.clone())
            .unwrap_or_else(|e| panic!("{method} {params}: {e}"))
    }

    /// The value of a JavaScript expression in the page, or None while it is navigating.
    fn eval(&mut self, expr: &str) -> Option<Value> {
        let r = self
            .try_call(
                "Runtime.evaluate",
                json!({"expression": expr, "returnByValue": true}),
            )
            .ok()?;
        if r.get("exceptionDetails").is_some() {
            return None;
        }
        Some(r["result"]["value"].clone())
    }

    /// Wait until `expr` is true in a fully loaded page.
    fn until(&mut self, what: &str, expr: &str) {
        let start = Instant::now();
        let full = format!("document.readyState === 'complete' && ({expr})");
        while self.eval(&full) != Some(json!(true)) {
            assert!(start.elapsed() < PATIENCE, "the page never got to: {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn key(&mut self, key: &str, code: &str, vk: u32, modifiers: u32) {
        let text = if key.chars().count() == 1 && modifiers == 0 {
            key
        } else {
            ""
        };
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": code, "text": if kind == "keyDown" { text } else { "" },
                       "windowsVirtualKeyCode": vk, "modifiers": modifiers}),
            );
        }
    }

    /// Press a letter or digit key.
    fn press(&mut self, c: char) {
        let code = if c.is_ascii_digit() {
            format!("Digit{c}")
        } else {
            format!("Key{}", c.to_ascii_uppercase())
        };
        self.key(&c.to_string(), &code, c.to_ascii_uppercase() as u32, 0);
    }

    /// Click the middle of the element `selector` finds, scrolled into view first.
    fn click(&mut self, selector: &str) {
        let expr = format!(
            "(() => {{ const e = document.querySelector({s}); e.scrollIntoView({{block: 'center'}});
                const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            s = json!(selector)
        );
        let at = self.eval(&expr).unwrap_or_else(|| panic!("no {selector}"));
        let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    fn open_cards(&mut self) -> usize {
        let v = self.eval("document.querySelectorAll('.card.open').length");
        v.and_then(|v| v.as_u64()).unwrap_or(0) as usize
    }

    fn current(&mut self) -> usize {
        self.eval("+document.querySelector('.card.current').dataset.card")
            .and_then(|v| v.as_u64())
            .expect("a current card") as usize
    }
}

/// Move the current card to `target` with j/k.
fn go_to(b: &mut Browser, target: usize) {
    let cur = b.current();
    for _ in cur..target {
        b.press('j');
    }
    for _ in target..cur {
        b.press('k');
    }
    assert_eq!(b.current(), target);
}

/// Note that `card` is decided so, and wait for the page to come back with it.
fn settle(
    b: &mut Browser,
    want: &mut Vec<(usize, Action)>,
    total: usize,
    card: usize,
    action: Action,
) {
    want.push((card, action));
    let left = total - want.len();
    b.until(
        "the decision saved and the page reloaded",
        &format!("document.querySelectorAll('.card.open').length === {left}"),
    );
}

/// Save a PNG of what the page shows now to `png` (target/tmp), and say where it is.
fn screenshot(b: &mut Browser, name: &str) {
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let shot = b.call("Page.captureScreenshot", json!({"format": "png"}));
    std::fs::write(&png, base64(shot["data"].as_str().unwrap())).unwrap();
    println!("screenshot: {}", png.display());
    eprintln!("screenshot: {}", png.display());
}

/// Standard base64 (DevTools sends screenshots so).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn the_page_works_in_a_real_browser_with_keys_and_clicks() {
    let Some(chromium) = chromium() else { return };
    let d = tempfile::tempdir().unwrap();
    let review = filled(d.path(), |_, _| {});
    let rows = read_review(&review).unwrap().rows;
    let total = rows.len();
    let srv = Server::start(&review);
    let url = format!("{}/?token={}", srv.origin(), srv.token);
    let mut b = Browser::start(&chromium, d.path());
    b.call("Page.navigate", json!({"url": url}));
    b.until("the cards", "document.querySelectorAll('.card').length > 0");
    assert_eq!(b.open_cards(), total);
    assert_eq!(b.current(), 0);

    let mut want: Vec<(usize, Action)> = Vec::new();
    // n: the first card is not applicable; the page moves on to the next open card.
    b.press('n');
    settle(&mut b, &mut want, total, 0, Action::NotApplicable);
    assert_eq!(b.current(), 1);
    // a: accept the proposal of the first card (after it) that has one.
    let has = |i: usize, n: u8| rows[i].offered.iter().any(|o| o.n == n);
    let card = (1..total).find(|i| has(*i, 1)).unwrap();
    go_to(&mut b, card);
    b.press('a');
    settle(&mut b, &mut want, total, card, Action::Accept);
    // 2: candidate 2, where there is one.
    if let Some(card) = (0..total).find(|i| has(*i, 2) && !want.iter().any(|w| w.0 == *i)) {
        go_to(&mut b, card);
        b.press('2');
        settle(&mut b, &mut want, total, card, Action::Candidate { n: 2 });
    }
    // e, type, Ctrl+Enter: an own answer.
    let card = (0..total)
        .find(|i| !want.iter().any(|w| w.0 == *i))
        .unwrap();
    go_to(&mut b, card);
    b.press('e');
    b.until(
        "the editor focused",
        "document.activeElement.tagName === 'TEXTAREA'",
    );
    b.eval("document.activeElement.select()");
    b.call(
        "Input.insertText",
        json!({"text": "We do not, and never will."}),
    );
    b.key("Enter", "Enter", 13, 2);
    settle(
        &mut b,
        &mut want,
        total,
        card,
        Action::Text {
            text: "We do not, and never will.".into(),
        },
    );
    // Clicks: skip the last card, then change the first one to "use candidate"/accept.
    let last = total - 1;
    b.click(&format!("#card-{last} button[data-key='s']"));
    settle(&mut b, &mut want, total, last, Action::Skip);
    // A search from the page, and an entry picked by clicking.
    let card = (0..total)
        .find(|i| !want.iter().any(|w| w.0 == *i))
        .unwrap();
    b.click(&format!("#card-{card} details.search summary"));
    b.eval(&format!(
        "document.querySelector('#card-{card} input[name=q]').value = 'multi-factor authentication employees'"
    ));
    b.click(&format!("#card-{card} form.searchbox button"));
    b.until(
        "the search results",
        &format!("!!document.querySelector('#card-{card} ol.hits li')"),
    );
    screenshot(&mut b, "review-page-search.png");
    b.click(&format!(
        "#card-{card} input[value='mfa-workforce'] ~ button"
    ));
    settle(
        &mut b,
        &mut want,
        total,
        card,
        Action::Entry {
            id: "mfa-workforce".into(),
        },
    );

    let made = decisions::load(&decisions::sidecar_path(&review)).unwrap();
    let got: Vec<(usize, Action)> = made
        .iter()
        .map(|d| {
            assert_eq!(d.via, "browser");
            let card = rows
                .iter()
                .position(|r| r.sheet == d.sheet && r.row == d.row)
                .unwrap();
            (card, d.action.clone())
        })
        .collect();
    assert_eq!(got, want);
    b.until(
        "the progress counted",
        &format!(
            "document.querySelector('.count').textContent.includes('{} of {total}')",
            want.len() - 1
        ),
    );
    // The whole review from the top, as a reviewer coming back sees it.
    b.call("Page.navigate", json!({"url": url}));
    b.until(
        "the page again",
        "window.scrollY === 0 && !!document.querySelector('.card.current')",
    );
    screenshot(&mut b, "review-page.png");
}

#[test]
fn base64_decodes() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGVsbG8h"), b"hello!");
    assert_eq!(base64("aGk="), b"hi");
}
