//! Installing a model from the Hugging Face Hub, for users with internet.
//!
//! Most users can reach huggingface.co, where sentence-transformers publishes
//! all-MiniLM-L6-v2 as the standard folder Vouch reads. `vouch model fetch` downloads its files
//! (`{endpoint}/{repo}/resolve/{revision}/{file}`, the Hub's own URL scheme, so `HF_ENDPOINT`
//! points it at a mirror as it does the Hub's own tools) into a fresh folder beside the
//! destination, checks that the folder loads, and only then swaps it in: a cut connection or a
//! wrong repository never leaves a broken model where a working one was. Air-gapped machines
//! use `--from` instead (see `install.rs`). Nothing else in Vouch touches the network.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use super::install::{check, write_err, MAX_FILE};
use super::{CONFIG, EXTRAS, TOKENIZER, WEIGHTS};
use crate::error::{Error, Location, Result};

/// The Hub, unless `HF_ENDPOINT` names a mirror.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// The default model's repository on the Hub.
pub const DEFAULT_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// The branch, tag or commit downloaded by default.
pub const DEFAULT_REVISION: &str = "main";

/// Where to download from.
#[derive(Debug, Clone)]
pub struct Source {
    pub endpoint: String,
    pub repo: String,
    pub revision: String,
}

impl Source {
    /// `repo` and `revision` (or the defaults) at `$HF_ENDPOINT` (or the Hub).
    pub fn new(repo: Option<&str>, revision: Option<&str>) -> Source {
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Source {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            repo: repo.unwrap_or(DEFAULT_REPO).trim_matches('/').to_string(),
            revision: revision.unwrap_or(DEFAULT_REVISION).to_string(),
        }
    }

    /// The URL of `file` in the repository.
    pub fn url(&self, file: &str) -> String {
        format!(
            "{}/{}/resolve/{}/{}",
            self.endpoint, self.repo, self.revision, file
        )
    }
}

/// Download the model of `source` into `dest` (replaced only once the new folder loads).
/// `progress` gets one line per file.
pub fn install_from_hub(
    source: &Source,
    dest: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let from = Path::new(&source.endpoint);
    crate::atomic::replace_dir(dest, |tmp| {
        for (name, required) in [(CONFIG, true), (TOKENIZER, true), (WEIGHTS, true)]
            .into_iter()
            .chain(EXTRAS.iter().map(|e| (*e, false)))
        {
            let to = tmp.join(name);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| write_err(dest, e))?;
            }
            match download(&agent, &source.url(name), &to, dest)? {
                Some(bytes) => progress(&format!("downloaded {name} ({})", size(bytes))),
                None if required => {
                    return Err(Error::input(
                        Location::file(Path::new(&source.url(name))),
                        format!(
                            "not found on the Hub: is '{}' a sentence-transformers model \
                             (revision '{}')?",
                            source.repo, source.revision
                        ),
                    ))
                }
                None => {}
            }
        }
        check(tmp, from)
    })
}

/// Stream `url` into the file `to`; None when the server has no such file (404). Other
/// failures are errors naming the URL.
fn download(agent: &ureq::Agent, url: &str, to: &Path, dest: &Path) -> Result<Option<u64>> {
    let bad = |msg: String| Error::input(Location::file(Path::new(url)), msg);
    let response = agent
        .get(url)
        .call()
        .map_err(|e| bad(format!("cannot download: {e}")))?;
    let status = response.status().as_u16();
    if status == 404 {
        return Ok(None);
    }
    if status != 200 {
        return Err(bad(format!(
            "cannot download: the server answered {status}"
        )));
    }
    let mut body = response.into_body().into_reader().take(MAX_FILE + 1);
    let mut out = std::fs::File::create(to).map_err(|e| write_err(dest, e))?;
    let copied =
        std::io::copy(&mut body, &mut out).map_err(|e| bad(format!("download cut off: {e}")))?;
    if copied > MAX_FILE {
        return Err(bad(format!("larger than {} GB", MAX_FILE >> 30)));
    }
    out.flush().map_err(|e| write_err(dest, e))?;
    Ok(Some(copied))
}

/// `bytes` for a person: "90.9 MB", "612 bytes".
fn size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.1} KB", bytes as f64 / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_hub_scheme() {
        let s = Source {
            endpoint: "https://huggingface.co".into(),
            repo: DEFAULT_REPO.into(),
            revision: "main".into(),
        };
        assert_eq!(
            s.url("1_Pooling/config.json"),
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/1_Pooling/config.json"
        );
        assert_eq!(size(90_868_376), "90.9 MB");
        assert_eq!(size(612), "612 bytes");
    }
}
