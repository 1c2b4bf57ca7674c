//! End-to-end tests of the language server: the real `lanes lsp` over stdio, driven by a small
//! LSP client, against real repositories with real lanes.

#[path = "../support/mod.rs"]
mod support;

mod commands;
mod diagnostics;
mod protocol;
mod robustness;
mod safety_reads;
mod status;
mod watching;
