//! End-to-end tests of the `lanes` command line: the real binary against real repositories, with
//! every effect checked through the git CLI itself.

#[path = "../support/mod.rs"]
mod support;

mod check;
mod github_issues;
mod help;
mod launch;
mod list;
mod merged;
mod moves;
mod multi;
mod pr;
mod remove;
mod safety;
mod safety_branches;
mod safety_check;
mod safety_dirt;
mod safety_move;
mod safety_reads;
mod safety_remove;
mod safety_trust;
mod start;
mod switch;
mod sync;
mod tickets;
