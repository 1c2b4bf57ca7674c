//! The adversarial suite of `lanes move` and `lanes untangle`: a change is in the source lane or in
//! the target lane, whole, whatever happens while it moves — a concurrent edit, a failure half-way,
//! a crash — and nothing anybody else wrote is lost.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::support::{edited_lines, read_or_empty, stderr, TestRepo};

/// Lanes A-1 and B-1; A-1 changed line 2 of src/app.txt and added new.txt (the change to move),
/// B-1 changed line 15 (its own work).
fn a_change_to_move() -> (TestRepo, std::path::PathBuf, std::path::PathBuf) {
    let repo = TestRepo::started(&["A-1", "B-1"]);
    let (a, b) = (repo.lane_dir("A-1"), repo.lane_dir("B-1"));
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2], "moving"));
    repo.write(&a, "new.txt", "new\n");
    repo.write(&b, "src/app.txt", &edited_lines(20, &[15], "b's own work"));
    (repo, a, b)
}

/// B-1 holds only its own work, and no file lanes left behind.
fn assert_target_untouched(repo: &TestRepo, b: &Path) {
    assert_eq!(
        read_or_empty(b.join("src/app.txt")),
        edited_lines(20, &[15], "b's own work")
    );
    let status = repo.git_in(b, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status.trim(), "M src/app.txt", "{status}");
}

/// Every file under `dir` (outside `.git`) whose name marks it as a lanes temporary file.
fn debris(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else if name.contains(".lanes-new-") || name.contains(".lanes-old-") {
                found.push(entry.path().display().to_string());
            }
        }
    }
    found
}

#[test]
fn an_edit_to_the_source_while_the_move_writes_is_kept_and_nothing_moves() {
    let (repo, a, b) = a_change_to_move();
    let source = a.join("src/app.txt");
    // The agent saves the source file while lanes replaces files (once: the point is hit per file).
    let agent = format!(
        "grep -q 'agent edit' '{0}' || printf 'agent edit\\n' >> '{0}'",
        source.display()
    );
    let out =
        repo.lanes_with_failpoint_in(&a, "worktree-commit=run", &agent, &["move", "--to", "B-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed while") && stderr(&out).contains("nothing was moved"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read_or_empty(source),
        format!("{}agent edit\n", edited_lines(20, &[2], "moving"))
    );
    assert_eq!(read_or_empty(a.join("new.txt")), "new\n");
    assert_target_untouched(&repo, &b);
    assert!(debris(&a).is_empty() && debris(&b).is_empty());
}

#[test]
fn an_edit_to_the_target_lane_while_the_move_writes_is_kept_and_nothing_moves() {
    let (repo, a, b) = a_change_to_move();
    let target = b.join("src/app.txt");
    // Someone saves B-1's copy while lanes replaces files (new.txt goes in first).
    let editor = format!(
        "grep -q 'their edit' '{0}' || printf 'their edit\\n' >> '{0}'",
        target.display()
    );
    let out =
        repo.lanes_with_failpoint_in(&a, "worktree-commit=run", &editor, &["move", "--to", "B-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was moved"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read_or_empty(target),
        format!("{}their edit\n", edited_lines(20, &[15], "b's own work"))
    );
    assert!(!b.join("new.txt").exists());
    assert_eq!(
        read_or_empty(a.join("src/app.txt")),
        edited_lines(20, &[2], "moving")
    );
    assert_eq!(read_or_empty(a.join("new.txt")), "new\n");
    assert!(debris(&a).is_empty() && debris(&b).is_empty());
}

#[test]
fn a_list_run_while_a_move_writes_leaves_that_move_alone() {
    let (repo, a, b) = a_change_to_move();
    // Another lanes process (an editor's status, an agent's list) in the middle of the write: it
    // must not take the running move for an interrupted one.
    let other = format!(
        "cd '{}' && '{}' list",
        repo.dir.display(),
        crate::support::lanes_bin().display()
    );
    let out =
        repo.lanes_with_failpoint_in(&a, "worktree-commit=run", &other, &["move", "--to", "B-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read_or_empty(b.join("src/app.txt")),
        edited_lines(20, &[2, 15], "x")
            .replace("x 2", "moving 2")
            .replace("x 15", "b's own work 15")
    );
    assert_eq!(read_or_empty(b.join("new.txt")), "new\n");
    assert_eq!(repo.git_in(&a, &["status", "--porcelain"]), "");
    assert!(debris(&a).is_empty() && debris(&b).is_empty());
}

#[test]
fn untangle_apply_that_cannot_place_one_hunk_moves_none() {
    let repo = TestRepo::started(&["A-1", "B-1", "C-1"]);
    let (a, b, c) = (
        repo.lane_dir("A-1"),
        repo.lane_dir("B-1"),
        repo.lane_dir("C-1"),
    );
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2, 18], "mixed"));
    // C-1 changed line 18 itself: A's hunk there cannot go in.
    repo.write(&c, "src/app.txt", &edited_lines(20, &[18], "c's own work"));
    let out = repo.lanes_in(&a, &["untangle", "--json"]);
    let hunks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id_at = |line: u64| {
        hunks
            .as_array()
            .unwrap()
            .iter()
            .find(|h| {
                h["new_start"].as_u64().unwrap() <= line
                    && line <= h["new_start"].as_u64().unwrap() + h["new_lines"].as_u64().unwrap()
            })
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let assignment = serde_json::json!({ id_at(2): "B-1", id_at(18): "C-1" });
    let file = repo.base().join("assign.json");
    std::fs::write(&file, assignment.to_string()).unwrap();
    let out = repo.lanes_in(&a, &["untangle", "--apply", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("C-1") && stderr(&out).contains("nothing was moved"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read_or_empty(a.join("src/app.txt")),
        edited_lines(20, &[2, 18], "mixed")
    );
    assert_eq!(repo.git_in(&b, &["status", "--porcelain"]), "");
    assert_eq!(
        read_or_empty(c.join("src/app.txt")),
        edited_lines(20, &[18], "c's own work")
    );
}

#[test]
fn an_empty_untangle_assignment_moves_nothing_and_succeeds() {
    let repo = TestRepo::started(&["A-1"]);
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2], "mine"));
    let file = repo.base().join("assign.json");
    std::fs::write(&file, "{}").unwrap();
    let out = repo.lanes_in(&a, &["untangle", "--apply", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read_or_empty(a.join("src/app.txt")),
        edited_lines(20, &[2], "mine")
    );
}

#[test]
fn a_move_killed_while_replacing_files_is_undone_by_the_next_list() {
    let (repo, a, b) = a_change_to_move();
    // A file of the user's that merely looks like lanes' own: never lanes' to delete.
    repo.write(&b, ".lanes-new-mine", "mine\n");
    let out =
        repo.lanes_with_failpoint_in(&a, "worktree-commit=abort", "", &["move", "--to", "B-1"]);
    assert!(!out.status.success());
    let list = repo.lanes(&["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(stderr(&list).contains("interrupted"), "{}", stderr(&list));
    assert_eq!(read_or_empty(b.join(".lanes-new-mine")), "mine\n");
    std::fs::remove_file(b.join(".lanes-new-mine")).unwrap();
    assert!(debris(&a).is_empty(), "{:?}", debris(&a));
    assert!(debris(&b).is_empty(), "{:?}", debris(&b));
    assert_eq!(
        read_or_empty(a.join("src/app.txt")),
        edited_lines(20, &[2], "moving")
    );
    assert_eq!(read_or_empty(a.join("new.txt")), "new\n");
    assert_target_untouched(&repo, &b);
    // And the move can simply be run again.
    let out = repo.lanes_in(&a, &["move", "--to", "B-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_or_empty(b.join("new.txt")), "new\n");
}

#[test]
fn a_move_killed_after_every_file_is_in_place_is_completed_by_the_next_status() {
    let (repo, a, b) = a_change_to_move();
    let out =
        repo.lanes_with_failpoint_in(&a, "worktree-committed=abort", "", &["move", "--to", "B-1"]);
    assert!(!out.status.success(), "the process was meant to die");
    let status = repo.lanes_in(&a, &["status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(
        stderr(&status).contains("interrupted") && stderr(&status).contains("completed"),
        "{}",
        stderr(&status)
    );
    assert!(debris(&a).is_empty(), "{:?}", debris(&a));
    assert!(debris(&b).is_empty(), "{:?}", debris(&b));
    assert_eq!(read_or_empty(b.join("new.txt")), "new\n");
    assert!(read_or_empty(b.join("src/app.txt")).contains("moving 2"));
    assert!(!a.join("new.txt").exists());
    assert!(!read_or_empty(a.join("src/app.txt")).contains("moving 2"));
}

/// `café.txt` in Latin-1: a file name that is not UTF-8, as git allows on Linux.
fn latin1_name() -> &'static OsStr {
    OsStr::from_bytes(b"caf\xe9.txt")
}

#[test]
fn a_file_whose_name_is_not_utf8_moves_with_everything_else() {
    let repo = TestRepo::started(&["A-1", "B-1"]);
    let (a, b) = (repo.lane_dir("A-1"), repo.lane_dir("B-1"));
    std::fs::write(a.join(latin1_name()), "menu\n").unwrap();
    let out = repo.lanes_in(&a, &["move", "--to", "B-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(b.join(latin1_name())).unwrap(), b"menu\n");
    assert!(!a.join(latin1_name()).exists());
}

#[test]
fn a_file_whose_name_is_not_utf8_moves_when_named() {
    let repo = TestRepo::started(&["A-1", "B-1"]);
    let (a, b) = (repo.lane_dir("A-1"), repo.lane_dir("B-1"));
    std::fs::write(a.join(latin1_name()), "menu\n").unwrap();
    repo.write(&a, "stays.txt", "stays\n");
    let out = repo
        .lanes_cmd()
        .current_dir(&a)
        .args([OsStr::new("move"), OsStr::new("--to"), OsStr::new("B-1")])
        .arg(latin1_name())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(b.join(latin1_name())).unwrap(), b"menu\n");
    assert!(!a.join(latin1_name()).exists());
    assert_eq!(read_or_empty(a.join("stays.txt")), "stays\n");
}

#[test]
fn a_file_whose_name_ends_in_a_line_number_is_moved_as_that_file() {
    let repo = TestRepo::started(&["A-1", "B-1"]);
    let (a, b) = (repo.lane_dir("A-1"), repo.lane_dir("B-1"));
    repo.write(&a, "notes:1", "whole file\n");
    repo.write(&a, "notes", "line one\n");
    let out = repo.lanes_in(&a, &["move", "--to", "B-1", "notes:1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_or_empty(b.join("notes:1")), "whole file\n");
    assert!(!b.join("notes").exists());
    assert_eq!(read_or_empty(a.join("notes")), "line one\n");
}

#[test]
fn two_names_that_read_the_same_once_made_utf8_get_distinct_hunk_ids() {
    let repo = TestRepo::started(&["A-1", "B-1"]);
    let a = repo.lane_dir("A-1");
    std::fs::write(a.join(OsStr::from_bytes(b"x\xff")), "same\n").unwrap();
    std::fs::write(a.join(OsStr::from_bytes(b"x\xfe")), "same\n").unwrap();
    let out = repo.lanes_in(&a, &["untangle", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hunks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: std::collections::BTreeSet<&str> = hunks
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{hunks:#}");
}
