//! Vouch drafts answers to security questionnaires from a reusable answer library.
//!
//! The pipeline, one module per stage: [`knowledge`] loads and validates the answer library
//! (TOML entries with citations to registered source documents); [`index`] derives a tantivy
//! index from it, rebuilt whenever the library changes; [`sheet`] reads a customer's
//! questionnaire and finds its questions, answer and comment columns; [`matcher`] ranks library
//! entries for each question with a calibrated confidence; [`fill`] decides `auto`, `review` or
//! `unanswered` and plans the cells to write; [`sheet::patch`] and [`sheet::write`] write them
//! back into the customer's own workbook, [`review`] writes the reviewer's workbook and
//! [`report`] the JSON report. [`eval`] measures matching against gold labels. Stages pass
//! plain data; only the CLI prints.

// Code that touches user files returns errors with locations; it never unwraps. Tests may.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod atomic;
pub mod cli;
pub mod config;
pub mod embed;
pub mod error;
pub mod eval;
pub mod fill;
pub mod hash;
pub mod index;
pub mod knowledge;
pub mod lint;
pub mod matcher;
pub mod report;
pub mod review;
pub mod sheet;
pub mod text;

pub use error::{Error, Result};
