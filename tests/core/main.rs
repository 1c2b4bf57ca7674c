//! Tests of the core library against real repositories: the overlap index behind `lanes check` and
//! the editor diagnostics.

#[path = "../support/mod.rs"]
mod support;

mod layers;
mod overlap;
mod protocol;
mod pulls;
