//! Every command documents itself with an example.

use crate::support::TestRepo;

#[test]
fn every_command_has_help_with_an_example() {
    let repo = TestRepo::new();
    for command in [
        "start", "list", "status", "switch", "remove", "prune", "check",
    ] {
        let out = repo.lanes_ok(&[command, "--help"]);
        assert!(
            out.contains("Example"),
            "`lanes {command} --help` has no example:\n{out}"
        );
    }
    let top = repo.lanes_ok(&["--help"]);
    assert!(top.contains("lanes start PROJ-123"), "{top}");
}

#[test]
fn doctor_reports_git_and_the_repository() {
    let repo = TestRepo::new();
    let out = repo.lanes_ok(&["doctor"]);
    assert!(out.contains("ok    git 2."), "{out}");
    assert!(
        out.contains(&format!("ok    repository {}", repo.dir.display())),
        "{out}"
    );
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let repo = TestRepo::new();
    assert_eq!(repo.lanes(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(repo.lanes(&["list", "--nope"]).status.code(), Some(2));
}
