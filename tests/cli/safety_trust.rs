//! What a repository, a workspace or a ticket tracker must not choose: where lanes writes on your
//! disk, which commands run, what a shell makes of a path, and what reaches your terminal. Each
//! test is one way a hostile clone, workspace setting or ticket once did, and proves it no longer
//! can.

use std::path::PathBuf;

use crate::support::{stderr, TestRepo};

/// A repository whose primary checkout lives in a directory called `name` (the lane of `T-1` is
/// then `<name>-T-1` beside it).
fn repo_in_directory_named(name: &str) -> TestRepo {
    let repo = TestRepo::new();
    let dir = repo.base().join(name);
    std::fs::rename(&repo.dir, &dir).unwrap();
    TestRepo { dir, ..repo }
}

/// Every file called `name` under the fixture's temp directory.
fn files_named(repo: &TestRepo, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![repo.base()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(path);
            } else if entry.file_name() == name {
                found.push(path);
            }
        }
    }
    found
}

// ---- placeholders are quoted for the shell ----

#[test]
fn a_command_substitution_in_the_directory_name_is_not_run_by_setup() {
    let repo = repo_in_directory_named("proj $(touch pwned)");
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "setup = [\"echo {path} > bare.txt\", \"echo \\\"{path}\\\" > quoted.txt\", \"echo '{path}' > single.txt\"]\n",
    );
    let out = repo.lanes(&["start", "T-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane = repo.base().join("proj $(touch pwned)-T-1");
    assert_eq!(files_named(&repo, "pwned"), Vec::<PathBuf>::new());
    for file in ["bare.txt", "quoted.txt", "single.txt"] {
        assert_eq!(
            std::fs::read_to_string(lane.join(file)).unwrap(),
            format!("{}\n", lane.display()),
            "{file}"
        );
    }
}

#[test]
fn a_quote_in_the_directory_name_does_not_break_setup() {
    let repo = repo_in_directory_named("it's");
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "setup = [\"echo {path} {branch} > where.txt\"]\n",
    );
    let out = repo.lanes(&["start", "T-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane = repo.base().join("it's-T-1");
    assert_eq!(
        std::fs::read_to_string(lane.join("where.txt")).unwrap(),
        format!("{} feature/T-1\n", lane.display())
    );
}
