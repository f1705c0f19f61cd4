//! TEMPORARY stand-in until the real patcher lands.
use std::path::Path;
use crate::error::{Error, Result};
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellEdit { pub row: u32, pub col: u32, pub value: String }
#[derive(Debug, Clone, Default)]
pub struct SheetEdits { pub sheet: String, pub edits: Vec<CellEdit> }
#[derive(Debug, Clone, Copy, Default)]
pub struct PatchLimits { pub max_entry_bytes: u64, pub max_total_bytes: u64 }
#[derive(Debug, Clone, Default)]
pub struct PatchSummary { pub written: usize, pub skipped: Vec<(String, u32, u32, String)>, pub signature_invalidated: bool }
pub fn patch_xlsx(_i: &Path, _o: &Path, _e: &[SheetEdits], _l: PatchLimits) -> Result<PatchSummary> { Err(Error::internal("stub")) }
