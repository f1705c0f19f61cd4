//! The local review page's server: `vouch review NAME.review.xlsx` in a browser.
//!
//! A reviewer works through the rows a fill left for a person, one card each, and every
//! decision is appended to the sidecar (and flushed to disk) before the page confirms it, so
//! a closed tab, a killed server or a crash loses nothing and the next `vouch review` resumes
//! where the last one stopped. The questions come from strangers, so the server trusts
//! nothing it did not make: it listens on 127.0.0.1 only, answers only requests carrying the
//! random token of its address, takes state-changing requests only from its own page (the
//! `Origin`, else `Referer`, must be exactly this server), and sends headers that forbid
//! framing, inline script, outside resources and caching. It must never write anything but
//! the sidecar, and never the filled questionnaire: that is `vouch review apply`'s job.
//!
//! One person, one tab: a single-threaded tokio runtime, axum's router, HTML rendered on the
//! server (`page.rs`) and plain POST forms, so the page works without its few lines of script.

use std::future::IntoFuture;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tokio::sync::watch;

use super::decisions::{self, Action, Decision};
use super::page;
use super::read::{read_review, ReviewRow};
use crate::error::{Error, Result};
use crate::index::SearchIndex;

/// How `vouch review` is to serve a review workbook.
#[derive(Debug, Clone)]
pub struct Config {
    /// The review workbook (`NAME.review.xlsx`).
    pub review: PathBuf,
    /// The library to search; `None`: the one recorded in the review workbook.
    pub library: Option<PathBuf>,
    /// Who decides, recorded with each decision.
    pub reviewer: String,
    /// Stop after this long without a request.
    pub idle: Duration,
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The reviewer clicked Finish.
    Finished,
    /// No request for the idle time.
    Idle,
}

/// How a review session ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub stop: Stop,
    pub progress: Progress,
    pub sidecar: PathBuf,
}

/// How far the review is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows with a decision other than skip.
    pub decided: usize,
    pub skipped: usize,
    pub total: usize,
}

/// How many library entries a search shows.
const SEARCH_HITS: usize = 8;

struct St {
    token: String,
    /// `http://127.0.0.1:PORT`: the only origin allowed to change anything.
    origin: String,
    /// `127.0.0.1:PORT`: the only `Host` answered (a rebound DNS name is refused).
    host: String,
    title: String,
    sidecar: PathBuf,
    rows: Vec<ReviewRow>,
    /// The workbook's `Decision` cells, dated by the workbook's modification time.
    excel: Vec<Decision>,
    /// The sidecar's decisions, those made here appended as they are made.
    made: Mutex<Vec<Decision>>,
    si: SearchIndex,
    who: String,
    last_seen: Mutex<Instant>,
    stop: watch::Sender<Option<Stop>>,
}

impl St {
    /// The latest decision of each row (Excel's and the sidecar's; the later wins).
    fn current(&self) -> Vec<Option<Decision>> {
        let made = self.made.lock().map(|m| m.clone()).unwrap_or_default();
        let latest = decisions::latest(self.excel.iter().cloned().chain(made));
        self.rows
            .iter()
            .map(|r| {
                latest
                    .iter()
                    .find(|d| d.sheet == r.sheet && d.row == r.row)
                    .cloned()
            })
            .collect()
    }

    fn touch(&self) {
        if let Ok(mut t) = self.last_seen.lock() {
            *t = Instant::now();
        }
    }
}

/// How far a review is, given the latest decision of each row.
pub fn progress(current: &[Option<Decision>]) -> Progress {
    let skipped = current
        .iter()
        .flatten()
        .filter(|d| d.action == Action::Skip)
        .count();
    Progress {
        decided: current.iter().flatten().count() - skipped,
        skipped,
        total: current.len(),
    }
}

/// A random token of 128 bits, as hex.
fn token() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| Error::internal(format!("no random numbers for the page's token: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Compare without stopping at the first difference, so timing tells nothing of the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Serve the review workbook in `cfg` until the reviewer finishes or the server idles out.
/// `ready` gets the page's address once the server listens.
pub fn serve(cfg: Config, ready: impl FnOnce(&str)) -> Result<Outcome> {
    let review = read_review(&cfg.review)?;
    let library = cfg.library.clone().unwrap_or(review.meta.library.clone());
    let (si, _) = crate::index::open_or_build(&library)?;
    let sidecar = decisions::sidecar_path(&cfg.review);
    let made = decisions::load(&sidecar)?;
    let excel = excel_decisions(&cfg.review, &review.rows);
    let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .and_then(|l| l.set_nonblocking(true).map(|_| l))
        .map_err(|e| Error::internal(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::internal(format!("cannot listen on 127.0.0.1: {e}")))?
        .port();
    let token = token()?;
    let (stop, stop_rx) = watch::channel(None);
    let st = Arc::new(St {
        origin: format!("http://127.0.0.1:{port}"),
        host: format!("127.0.0.1:{port}"),
        title: cfg
            .review
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sidecar: sidecar.clone(),
        rows: review.rows,
        excel,
        made: Mutex::new(made),
        si,
        who: cfg.reviewer.clone(),
        last_seen: Mutex::new(Instant::now()),
        stop,
        token,
    });
    let app = Router::new()
        .route("/", get(index))
        .route("/app.css", get(css))
        .route("/app.js", get(js))
        .route("/decide", post(decide))
        .route("/finish", post(finish))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(st.clone(), guard))
        .with_state(st.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the page's server: {e}")))?;
    let url = format!("{}/?token={}", st.origin, st.token);
    let stopped = rt.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::internal(format!("cannot listen on 127.0.0.1: {e}")))?;
        let mut rx = stop_rx.clone();
        let server = tokio::spawn(
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(Option::is_some).await;
                })
                .into_future(),
        );
        ready(&url);
        let mut rx = stop_rx;
        let stopped = loop {
            let quiet = st.last_seen.lock().map(|t| t.elapsed()).unwrap_or_default();
            let left = cfg.idle.saturating_sub(quiet);
            if left.is_zero() {
                st.stop.send_replace(Some(Stop::Idle));
                break Stop::Idle;
            }
            if let Ok(Ok(s)) = tokio::time::timeout(left, rx.wait_for(Option::is_some)).await {
                break s.unwrap_or(Stop::Finished);
            }
        };
        // Let the last response go out; a browser's idle keep-alive connection does not
        // hold the server open longer than this.
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        Ok::<_, Error>(stopped)
    })?;
    Ok(Outcome {
        stop: stopped,
        progress: progress(&st.current()),
        sidecar,
    })
}

/// The `Decision` cells of the workbook, dated by its modification time.
fn excel_decisions(path: &Path, rows: &[ReviewRow]) -> Vec<Decision> {
    let when = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| decisions::timestamp(d.as_secs()))
        .unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            Some(Decision {
                sheet: r.sheet.clone(),
                row: r.row,
                action: r.decision.clone()?,
                who: "workbook".into(),
                when: when.clone(),
                via: "excel".into(),
            })
        })
        .collect()
}

/// The token, the host and, for anything but GET, the origin; then the headers every
/// response carries.
async fn guard(State(st): State<Arc<St>>, req: Request, next: Next) -> Response {
    let token_ok = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .any(|(k, v)| k == "token" && same(v, &st.token));
    let host_ok = req
        .headers()
        .get(header::HOST)
        .is_some_and(|h| h.as_bytes() == st.host.as_bytes());
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut resp = if !token_ok || !host_ok {
        refuse("This page needs the address `vouch review` printed, with its token.")
    } else if !safe && !same_origin(req.headers(), &st.origin) {
        refuse("Changes are accepted only from the review page itself.")
    } else {
        st.touch();
        next.run(req).await
    };
    let h = resp.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

/// `same-origin` rather than `no-referrer`: under `no-referrer` a browser sends
/// `Origin: null` with the page's own form posts, which the origin check must refuse. No
/// referrer leaves this origin either way (and the page links nowhere else).
pub const REFERRER_POLICY: &str = "same-origin";

/// The request comes from the page: `Origin` is exactly this server, or, without an
/// `Origin`, the `Referer` is a page of it.
fn same_origin(h: &HeaderMap, origin: &str) -> bool {
    match h.get(header::ORIGIN) {
        Some(o) => o.as_bytes() == origin.as_bytes(),
        None => h.get(header::REFERER).is_some_and(|r| {
            let r = r.as_bytes();
            r == origin.as_bytes()
                || (r.starts_with(origin.as_bytes()) && r.get(origin.len()) == Some(&b'/'))
        }),
    }
}

fn refuse(why: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(page::message("Forbidden", why, None)),
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page::message(
            "Not found",
            "There is nothing at this address.",
            None,
        )),
    )
        .into_response()
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        page::CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        page::JS,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    /// The card whose search box was used, and the words searched.
    card: Option<usize>,
    q: Option<String>,
}

async fn index(State(st): State<Arc<St>>, Query(pq): Query<PageQuery>) -> Response {
    let current = st.current();
    let search = match (pq.card, pq.q.as_deref()) {
        (Some(card), Some(q)) if card < st.rows.len() => Some(page::Search {
            card,
            q: q.to_string(),
            hits: st.si.search(q, SEARCH_HITS),
        }),
        _ => None,
    };
    let view = page::View {
        token: &st.token,
        title: &st.title,
        sidecar: &st.sidecar,
        rows: &st.rows,
        current: &current,
        progress: progress(&current),
        entries: &st.si.entries,
        search,
    };
    Html(page::review(&view)).into_response()
}

#[derive(Debug, Deserialize)]
struct DecideForm {
    card: usize,
    action: String,
    n: Option<u8>,
    text: Option<String>,
    id: Option<String>,
}

async fn decide(State(st): State<Arc<St>>, Form(f): Form<DecideForm>) -> Response {
    let bad = |why: String| {
        let back = format!("/?token={}#card-{}", st.token, f.card);
        (
            StatusCode::BAD_REQUEST,
            Html(page::message("Not saved", &why, Some(&back))),
        )
            .into_response()
    };
    let Some(row) = st.rows.get(f.card) else {
        return bad(format!("There is no card {}.", f.card));
    };
    // Candidates by their number on the review row (an unanswered row has no proposal).
    let has = |n: u8| row.offered.iter().any(|o| o.n == n);
    let action = match f.action.as_str() {
        "accept" if has(1) => Action::Accept,
        "accept" => return bad("This question has no proposal to accept.".into()),
        "candidate" => match f.n {
            Some(1) if has(1) => Action::Accept,
            Some(n) if n >= 2 && has(n) => Action::Candidate { n },
            _ => return bad("This question has no such candidate.".into()),
        },
        "entry" => {
            let id = f.id.unwrap_or_default();
            if !st.si.entries.iter().any(|e| e.id == id) {
                return bad(format!("The library has no entry '{id}'."));
            }
            Action::Entry { id }
        }
        "na" => Action::NotApplicable,
        "skip" => Action::Skip,
        "text" => {
            let text = f.text.unwrap_or_default().replace("\r\n", "\n");
            if text.trim().is_empty() {
                return bad("The answer is empty: write it, or choose another action.".into());
            }
            Action::Text {
                text: text.trim().to_string(),
            }
        }
        other => return bad(format!("Unknown action '{other}'.")),
    };
    let d = Decision {
        sheet: row.sheet.clone(),
        row: row.row,
        action,
        who: st.who.clone(),
        when: decisions::now(),
        via: "browser".into(),
    };
    // On disk before the page says it is saved.
    {
        let Ok(mut made) = st.made.lock() else {
            return internal("the decisions in memory are damaged; restart `vouch review`");
        };
        if let Err(e) = decisions::append(&st.sidecar, &d) {
            return internal(&e.to_string());
        }
        made.push(d);
    }
    // On to the next card still open.
    let current = st.current();
    let n = st.rows.len();
    let next = (1..=n)
        .map(|k| (f.card + k) % n)
        .find(|&i| current.get(i).is_some_and(Option::is_none))
        .unwrap_or(f.card);
    let to = format!("/?token={}#card-{next}", st.token);
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn internal(why: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(page::message("Not saved", why, None)),
    )
        .into_response()
}

async fn finish(State(st): State<Arc<St>>) -> Response {
    let p = progress(&st.current());
    st.stop.send_replace(Some(Stop::Finished));
    Html(page::finished(p, &st.sidecar)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_server_is_the_same_origin() {
        let o = "http://127.0.0.1:4000";
        let h = |k: header::HeaderName, v: &'static str| {
            let mut m = HeaderMap::new();
            m.insert(k, HeaderValue::from_static(v));
            m
        };
        assert!(same_origin(&h(header::ORIGIN, "http://127.0.0.1:4000"), o));
        assert!(!same_origin(
            &h(header::ORIGIN, "http://127.0.0.1:40001"),
            o
        ));
        assert!(!same_origin(&h(header::ORIGIN, "null"), o));
        assert!(!same_origin(&h(header::ORIGIN, "http://evil.example"), o));
        assert!(same_origin(
            &h(header::REFERER, "http://127.0.0.1:4000/?token=x"),
            o
        ));
        assert!(!same_origin(
            &h(header::REFERER, "http://127.0.0.1:40001/?token=x"),
            o
        ));
        assert!(!same_origin(&HeaderMap::new(), o));
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (token().unwrap(), token().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..31]));
    }
}
