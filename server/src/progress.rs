//! Progress of long work (fetches, setup commands, syncs), reported to whoever runs it: a
//! terminal's spinner, the editor's `$/progress`, or nobody.

/// Receives progress messages for long steps (fetch, setup commands).
pub trait Progress {
    /// One step started.
    fn step(&self, message: &str);

    /// `done` of `total` units of countable work are finished (e.g. pull requests brought).
    fn advance(&self, _done: usize, _total: usize) {}
}

/// Progress that goes nowhere.
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _: &str) {}
}
