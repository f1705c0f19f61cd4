//! The search index: a tantivy index derived from a library, kept in `DIR/.vouch-index/`.
//!
//! The schema lives in one place (`Fields`), the one custom analyzer is registered in one
//! function on every create and open (tantivy stores only its name), and text is analysed by
//! `crate::text` before it reaches tantivy, so index and queries agree term for term. The
//! index is a cache: it carries the content hash of the library files it was built from and
//! is rebuilt, atomically, whenever they change. Readers take a shared lock and builders an
//! exclusive one, so concurrent `vouch fill` runs never see a half-swapped index.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, WhitespaceTokenizer};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument};

use crate::error::{Error, Location, Result};
use crate::knowledge::{load::library_files, load_library, Entry, Library, INDEX_DIR};
use crate::text::Analyzer;

mod search;

/// Bump when analysis or schema change, so old indexes are rebuilt.
const FORMAT_VERSION: &str = "vouch-index-9";
const META_FILE: &str = "vouch-meta.json";
const LOCK_FILE: &str = ".vouch-index.lock";
/// Name under which the whitespace analyzer is registered in tantivy.
pub const TERMS_TOKENIZER: &str = "vouch_terms";

/// Every field of the schema, defined once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    /// Analysed terms of the canonical question.
    pub question: Field,
    /// Analysed terms of the alternate phrasings.
    pub alternates: Field,
    /// Analysed terms of the answer text.
    pub answer: Field,
    /// Analysed terms of the tags.
    pub tags: Field,
    /// The words of the concepts the question and alternates name ("emergency", "change" of
    /// "emergency changes"), so that retrieval finds an entry whose concept a question writes
    /// apart ("changes ... in an emergency").
    pub parts: Field,
    /// The whole entry as JSON: everything the filler writes back.
    pub entry: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TERMS_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED),
            question: b.add_text_field("question", text.clone()),
            alternates: b.add_text_field("alternates", text.clone()),
            answer: b.add_text_field("answer", text.clone()),
            tags: b.add_text_field("tags", text.clone()),
            parts: b.add_text_field("parts", text),
            entry: b.add_text_field("entry", STORED),
        };
        (b.build(), fields)
    }

    fn from_schema(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::internal(format!("index schema lacks field '{name}'")))
        };
        Ok(Fields {
            id: f("id")?,
            question: f("question")?,
            alternates: f("alternates")?,
            answer: f("answer")?,
            tags: f("tags")?,
            parts: f("parts")?,
            entry: f("entry")?,
        })
    }
}

/// Register the analyzers the schema names. Must run after every create and open.
fn register(index: &Index) {
    index.tokenizers().register(
        TERMS_TOKENIZER,
        TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Meta {
    format: String,
    hash: String,
    entries: usize,
}

/// An open index with the entries it holds, ready for matching.
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub entries: Vec<Entry>,
    /// For each segment (by ordinal), the position in `entries` of each document.
    pub positions: Vec<Vec<u32>>,
    pub analyzer: Analyzer,
    /// The index folder, for caches derived from it (None for an index held in memory).
    pub dir: Option<PathBuf>,
    /// The content hash of the library the index was built from (empty in memory).
    pub hash: String,
}

impl SearchIndex {
    /// A cache file `name` that a later stage derived from this index, if it was stored.
    pub fn read_cache(&self, name: &str) -> Option<Vec<u8>> {
        let dir = self.dir.as_ref()?;
        crate::sheet::input::read_regular(&dir.join(name), MAX_CACHE, || {
            Location::file(&dir.join(name))
        })
        .ok()
    }

    /// Store a cache file beside the index, atomically and best effort: a folder that cannot
    /// be written, or an index rebuilt meanwhile, only means the next run derives it again.
    pub fn write_cache(&self, name: &str, bytes: &[u8]) {
        if let Some(dir) = &self.dir {
            let _ = crate::atomic::write_bytes(&dir.join(name), bytes);
        }
    }
}

/// The largest cache file read back (a 25,000-entry library's is some 20 MB).
const MAX_CACHE: u64 = 1 << 30;

/// What `open_or_build` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    UpToDate,
    Rebuilt,
    /// The library's folder cannot be written: the index was built in memory for this run.
    InMemory,
}

fn index_dir(root: &Path) -> PathBuf {
    root.join(INDEX_DIR)
}

/// Content hash of the library's files (names and bytes), of the index format and of the
/// built-in thesaurus (used by libraries without their own).
pub fn library_hash(root: &Path) -> Result<String> {
    let mut h = crate::hash::Fnv::default();
    h.field(FORMAT_VERSION.as_bytes());
    h.field(crate::knowledge::load::DEFAULT_SYNONYMS.as_bytes());
    for path in library_files(root)? {
        let rel = path.strip_prefix(root).unwrap_or(&path);
        h.field(rel.to_string_lossy().as_bytes());
        // Regular files only: a file swapped for a pipe after listing must not hang.
        let bytes = crate::sheet::input::read_regular(
            &path,
            crate::knowledge::load::MAX_LIBRARY_FILE,
            || Location::file(&path),
        )
        .map_err(|e| Error::library(Location::file(&path), format!("cannot read: {e}")))?;
        h.field(&bytes);
    }
    Ok(h.hex())
}

/// Take the library's index lock. A library the user cannot write (a read-only checkout, a
/// shared folder) is still readable: the lock file is then opened read-only, or, where it
/// cannot even be created, skipped (`None`), since no one can rebuild such an index either.
fn lock(root: &Path, exclusive: bool) -> Result<Option<File>> {
    let path = root.join(LOCK_FILE);
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|_| File::open(&path));
    let f = match f {
        Ok(f) => f,
        Err(e) if read_only(&e) || e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::library(
                Location::file(&path),
                format!("cannot open the index lock: {e}"),
            ))
        }
    };
    let r = if exclusive { f.lock() } else { f.lock_shared() };
    r.map_err(|e| Error::internal(format!("cannot lock {}: {e}", path.display())))?;
    Ok(Some(f))
}

/// True for the errors of a folder the user may not write.
fn read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

fn read_meta(dir: &Path) -> Option<Meta> {
    let text = std::fs::read_to_string(dir.join(META_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Build the index for `library` (already loaded) into `DIR/.vouch-index`, atomically.
pub fn build(library: &Library) -> Result<()> {
    let hash = library_hash(&library.root)?;
    let _guard = lock(&library.root, true)?;
    build_locked(library, &hash)
}

fn build_locked(library: &Library, hash: &str) -> Result<()> {
    let target = index_dir(&library.root);
    crate::atomic::replace_dir(&target, |tmp| {
        let ie = |e: tantivy::TantivyError| Error::internal(format!("index build failed: {e}"));
        let (schema, _) = Fields::schema();
        let index = Index::create_in_dir(tmp, schema).map_err(ie)?;
        add_entries(&index, library)?;
        let meta = Meta {
            format: FORMAT_VERSION.to_string(),
            hash: hash.to_string(),
            entries: library.entries.len(),
        };
        let text = serde_json::to_string_pretty(&meta)
            .map_err(|e| Error::internal(format!("cannot write index meta: {e}")))?;
        std::fs::write(tmp.join(META_FILE), text)
            .map_err(|e| Error::internal(format!("cannot write index meta: {e}")))?;
        // The old phrasing vectors go along: they no longer fit the library, but the next
        // run reuses those of its unchanged texts rather than encode them all again. A link
        // is safe, for the file is only ever replaced, never written in place; losing it only
        // costs time.
        let old = target.join(VECTORS_FILE);
        if old.is_file() {
            let new = tmp.join(VECTORS_FILE);
            if std::fs::hard_link(&old, &new).is_err() {
                let _ = std::fs::copy(&old, &new);
            }
        }
        Ok(())
    })
}

/// An index of `library` held in memory only: for measurements that build many variants of
/// one library (`vouch eval --held-out`), never for filling.
pub fn in_memory(library: &Library) -> Result<SearchIndex> {
    let (schema, _) = Fields::schema();
    let index = Index::create_in_ram(schema);
    add_entries(&index, library)?;
    open_index(index, "<memory>", &library.synonyms, &library.filler)
}

/// The searchable text of an entry's tags: a framework mapping ("soc2:PI1.1") gives its
/// control id only; it says which control the entry serves, not that it is about SOC 2.
fn tag_text(tags: &[String]) -> String {
    tags.iter()
        .map(|t| crate::knowledge::control_id(t).unwrap_or(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Analyse and write every entry of `library` into a new, empty `index`.
fn add_entries(index: &Index, library: &Library) -> Result<()> {
    let ie = |e: tantivy::TantivyError| Error::internal(format!("index build failed: {e}"));
    let f = Fields::from_schema(&index.schema())?;
    let analyzer = Analyzer::new(&library.synonyms).with_filler(&library.filler);
    register(index);
    let mut writer = index.writer::<TantivyDocument>(50_000_000).map_err(ie)?;
    // Analysis is most of the work and each entry's is its own: across cores, a block at a
    // time (so a large library's documents are never all held at once), then added in
    // library order.
    use rayon::prelude::*;
    for block in library.entries.chunks(1024) {
        let docs: Vec<TantivyDocument> = block
            .par_iter()
            .map(|e| {
                let alts: Vec<String> = e
                    .alternates
                    .iter()
                    .map(|a| analyzer.terms(a).join(" "))
                    .collect();
                let parts: Vec<String> = e
                    .phrasings()
                    .flat_map(|p| analyzer.terms(p))
                    .flat_map(|t| analyzer.components(&t))
                    .collect();
                let json = serde_json::to_string(e).map_err(|err| {
                    Error::internal(format!("cannot store entry {}: {err}", e.id))
                })?;
                Ok(doc!(
                    f.id => e.id.clone(),
                    f.question => analyzer.terms(&e.question).join(" "),
                    f.alternates => alts.join(" \n "),
                    f.answer => analyzer.terms(&e.answer).join(" "),
                    f.tags => analyzer.terms(&tag_text(&e.tags)).join(" "),
                    f.parts => parts.join(" "),
                    f.entry => json,
                ))
            })
            .collect::<Result<_>>()?;
        for d in docs {
            writer.add_document(d).map_err(ie)?;
        }
    }
    writer.commit().map_err(ie)?;
    writer.wait_merging_threads().map_err(ie)?;
    Ok(())
}

/// Open the index of the library in `root`, rebuilding it first if the library changed since
/// it was built (or it is missing or unreadable). The library is parsed only on a rebuild.
pub fn open_or_build(root: &Path) -> Result<(SearchIndex, Freshness)> {
    crate::atomic::recover_dir(root);
    if !root.is_dir() {
        // load_library gives the friendly error
        load_library(root)?;
    }
    // What a killed build left behind (best effort: a read-only library keeps it).
    crate::atomic::sweep_stale(root);
    let hash = library_hash(root)?;
    let dir = index_dir(root);
    let fresh =
        |dir: &Path| read_meta(dir).is_some_and(|m| m.hash == hash && m.format == FORMAT_VERSION);
    {
        let _shared = lock(root, false)?;
        if fresh(&dir) {
            if let Ok(si) = open_dir(&dir) {
                return Ok((si, Freshness::UpToDate));
            }
        }
    }
    let _exclusive = lock(root, true)?;
    // Someone else may have rebuilt it while we waited for the lock.
    if !fresh(&dir) {
        let library = load_library(root)?;
        match build_locked(&library, &hash) {
            Ok(()) => {}
            // A library the user may not write is indexed for this run only.
            Err(e) if !writable(root) => {
                let _ = e;
                return Ok((in_memory(&library)?, Freshness::InMemory));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((open_dir(&dir)?, Freshness::Rebuilt))
}

/// The file of the phrasing vectors, inside the index folder (and replaced with it).
pub const VECTORS_FILE: &str = "vectors.bin";

/// The phrasing vectors of the library in `root` for `emb`, whose index `si` was just opened:
/// read from the index folder when they were made by this model from these texts, else
/// encoded (reusing the vectors of unchanged texts) and stored there for the next run (kept
/// in memory only when the folder cannot be written). Returns the vectors and, when any
/// were made now, how many distinct texts were encoded (the others were reused).
pub fn vectors(
    root: &Path,
    si: &SearchIndex,
    emb: &crate::embed::Embedder,
) -> Result<(crate::embed::store::PhrasingVectors, Option<usize>)> {
    use crate::embed::store::PhrasingVectors;
    let path = index_dir(root).join(VECTORS_FILE);
    let old = {
        let _shared = lock(root, false)?;
        match PhrasingVectors::load(&path) {
            Some(v) if v.fits(emb, &si.entries) => return Ok((v, None)),
            old => old,
        }
    };
    // Texts the old vectors already hold (an edit changes a few) are not encoded again.
    let (v, encoded) = PhrasingVectors::compute_reusing(emb, &si.entries, old.as_ref())?;
    // Stored under the exclusive lock. Should the index have been rebuilt meanwhile (another
    // run, another library version), the next run's `fits` finds these vectors are not its
    // own and encodes again: loading checks, so saving need not.
    let _exclusive = lock(root, true)?;
    if writable(&index_dir(root)) {
        v.save(&path)?;
    }
    Ok((v, Some(encoded)))
}

/// Can a file be created in `dir`? (Asked of the file system, not of the mode bits, which
/// say nothing for root or for a read-only mount.)
fn writable(dir: &Path) -> bool {
    tempfile::Builder::new()
        .prefix(crate::atomic::TMP_PREFIX)
        .tempfile_in(dir)
        .is_ok()
}

fn open_dir(dir: &Path) -> Result<SearchIndex> {
    let ie = |e: tantivy::TantivyError| {
        Error::internal(format!("cannot open index {}: {e}", dir.display()))
    };
    let index = Index::open_in_dir(dir).map_err(ie)?;
    // Synonyms are part of the library; they are stored beside the index meta.
    let (synonyms, filler) = read_synonyms(dir)?;
    let name = dir.display().to_string();
    let with_dir = |mut si: SearchIndex| {
        si.hash = read_meta(dir).map(|m| m.hash).unwrap_or_default();
        si.dir = Some(dir.to_path_buf());
        si
    };
    match open_index(index, &name, &synonyms, &filler).map(with_dir) {
        // tantivy's reader takes a lock file inside the index; in a folder no one may write,
        // the (small) index is read into memory instead.
        Err(e) if !writable(dir) => {
            let _ = e;
            let index = Index::open(in_ram(dir)?).map_err(ie)?;
            open_index(index, &name, &synonyms, &filler).map(with_dir)
        }
        other => other,
    }
}

/// A copy of the index files of `dir` in memory.
fn in_ram(dir: &Path) -> Result<tantivy::directory::RamDirectory> {
    use tantivy::Directory;
    let ram = tantivy::directory::RamDirectory::create();
    let io =
        |e: std::io::Error| Error::internal(format!("cannot read index {}: {e}", dir.display()));
    for item in std::fs::read_dir(dir).map_err(io)? {
        let path = item.map_err(io)?.path();
        // Lock files are tantivy's own; a copy would read as held.
        let lock = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".tantivy-"));
        if !path.is_file() || lock {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(io)?;
        if let Some(name) = path.file_name() {
            ram.atomic_write(Path::new(name), &bytes).map_err(io)?;
        }
    }
    Ok(ram)
}

/// Read the entries back from an index and make it ready for matching.
fn open_index(
    index: Index,
    name: &str,
    synonyms: &[crate::knowledge::SynonymGroup],
    filler: &[String],
) -> Result<SearchIndex> {
    let ie = |e: tantivy::TantivyError| Error::internal(format!("cannot open index {name}: {e}"));
    register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(ie)?;
    let searcher = reader.searcher();
    let mut entries = Vec::new();
    let mut positions = Vec::new();
    for seg in searcher.segment_readers() {
        let store = seg.get_store_reader(64).map_err(|e| ie(e.into()))?;
        let mut seg_pos = Vec::with_capacity(seg.max_doc() as usize);
        for doc_id in 0..seg.max_doc() {
            seg_pos.push(entries.len() as u32);
            if seg.is_deleted(doc_id) {
                continue;
            }
            let d: TantivyDocument = store.get(doc_id).map_err(ie)?;
            let json = d
                .get_first(fields.entry)
                .and_then(|v| v.as_str())
                .ok_or_else(|| Error::internal("index document without stored entry"))?;
            let e: Entry = serde_json::from_str(json)
                .map_err(|e| Error::internal(format!("corrupt stored entry: {e}")))?;
            entries.push(e);
        }
        positions.push(seg_pos);
    }
    Ok(SearchIndex {
        index,
        reader,
        fields,
        entries,
        positions,
        analyzer: Analyzer::new(synonyms).with_filler(filler),
        dir: None,
        hash: String::new(),
    })
}

type Thesaurus = (Vec<crate::knowledge::SynonymGroup>, Vec<String>);

fn read_synonyms(index_dir: &Path) -> Result<Thesaurus> {
    let root = index_dir.parent().unwrap_or(Path::new("."));
    let path = root.join(crate::knowledge::load::SYNONYMS_FILE);
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::library(Location::file(&path), format!("cannot read: {e}")))?;
        crate::knowledge::load::parse_thesaurus(&path, &text)
    } else {
        crate::knowledge::load::parse_thesaurus(
            Path::new("<built-in synonyms.toml>"),
            crate::knowledge::load::DEFAULT_SYNONYMS,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_library(dir: &Path) {
        std::fs::write(
            dir.join("sources.toml"),
            "[[source]]\nid = \"pol\"\ntitle = \"Policy\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("a.toml"),
            "[[entry]]\nid = \"enc\"\nquestion = \"Do you encrypt data at rest?\"\nanswer = \"Yes.\"\n\
             citations = [{ doc = \"pol\", section = \"1\" }]\nreviewed = \"2026-01-01\"\n",
        )
        .unwrap();
    }

    #[test]
    fn builds_once_and_rebuilds_on_change() {
        let d = tempfile::tempdir().unwrap();
        tiny_library(d.path());
        let (si, f) = open_or_build(d.path()).unwrap();
        assert_eq!(f, Freshness::Rebuilt);
        assert_eq!(si.entries.len(), 1);
        let (_, f) = open_or_build(d.path()).unwrap();
        assert_eq!(f, Freshness::UpToDate);
        let a = d.path().join("a.toml");
        let text = std::fs::read_to_string(&a)
            .unwrap()
            .replace("Yes.", "Yes, AES.");
        std::fs::write(&a, text).unwrap();
        let (si, f) = open_or_build(d.path()).unwrap();
        assert_eq!(f, Freshness::Rebuilt);
        assert_eq!(si.entries[0].answer, "Yes, AES.");
    }

    #[test]
    fn hash_ignores_the_index_folder() {
        let d = tempfile::tempdir().unwrap();
        tiny_library(d.path());
        let h1 = library_hash(d.path()).unwrap();
        open_or_build(d.path()).unwrap();
        assert_eq!(h1, library_hash(d.path()).unwrap());
    }
}
