//! The adversarial suite of `remove --force` and the trash: whatever a removal saved outlives every
//! later failure, a removal never deletes a repository that is not the lane's, `restore` finishes
//! or takes itself back, and the trash never lets clean entries push out work.

use std::path::{Path, PathBuf};

use crate::support::{lane_with_a_submodule, read_or_empty, stderr, TestRepo};

/// The ids of the trash entries, newest first.
fn trash_ids(repo: &TestRepo) -> Vec<String> {
    repo.lanes_json(&["list", "--trash"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".lanes-"))
        .collect()
}

/// Asserts that no `.lanes-` scratch entry is left in `dir`.
fn assert_no_leftovers(dir: &Path) {
    let left = leftovers(dir);
    assert!(left.is_empty(), "{left:?}");
}

/// Lane `ticket` in a new repository, with the untracked work `wip.txt`.
fn lane_with_wip(ticket: &str) -> (TestRepo, PathBuf) {
    let repo = TestRepo::started(&[ticket]);
    let lane = repo.lane_dir(ticket);
    repo.write(&lane, "wip.txt", "wip\n");
    (repo, lane)
}

/// `lanes restore ticket` succeeds and brings back the work `wip.txt` to `lane`.
fn assert_restores_wip(repo: &TestRepo, ticket: &str, lane: &Path) {
    let out = repo.lanes(&["restore", ticket]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_or_empty(lane.join("wip.txt")), "wip\n");
}

/// Lane A-1, which has `main`'s commit making git ignore `ignored` (where the tests put what
/// `--force` must not take for the lane's own files).
fn lane_ignoring(ignored: &str) -> (TestRepo, PathBuf) {
    let repo = TestRepo::started(&["A-1"]);
    repo.commit(&repo.dir, ".gitignore", &format!("{ignored}\n"), "ignore");
    let a = repo.lane_dir("A-1");
    repo.git_in(&a, &["merge", "-q", "main"]);
    (repo, a)
}

/// `lanes remove A-1 --force` refuses (exit 3) saying `says`, and changes nothing.
fn assert_forced_remove_refused(repo: &TestRepo, says: &str) {
    let before = repo.snapshot();
    let out = repo.lanes(&["remove", "A-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(says), "{}", stderr(&out));
    assert_eq!(repo.snapshot(), before);
}

// Finding 5: the trash is found by ticket in any case, as lanes are.

#[test]
fn restore_finds_a_removed_lane_by_its_ticket_in_any_case() {
    let repo = TestRepo::started(&["PROJ-1"]);
    repo.write(&repo.lane_dir("PROJ-1"), "wip.txt", "wip\n");
    repo.lanes_ok(&["remove", "proj-1", "--force"]);
    assert_restores_wip(&repo, "proj-1", &repo.lane_dir("PROJ-1"));
}

// Finding 1: once the snapshot exists it outlives every later failure.

#[test]
fn a_removal_that_fails_half_way_through_deleting_keeps_the_lane_restorable() {
    let (repo, lane) = lane_with_wip("V-1");
    repo.write(&lane, "more/notes.md", "notes\n");
    let out =
        repo.lanes_with_failpoint("remove-while-deleting=error", &["remove", "V-1", "--force"]);
    assert!(!out.status.success(), "the deletion was meant to fail");
    assert!(
        stderr(&out).contains("lanes restore V-1"),
        "the error says the lane is restorable: {}",
        stderr(&out)
    );
    assert_eq!(trash_ids(&repo).len(), 1, "{}", stderr(&out));
    assert_restores_wip(&repo, "V-1", &lane);
    assert_eq!(read_or_empty(lane.join("more/notes.md")), "notes\n");
    assert_no_leftovers(&repo.base());
}

#[test]
fn a_removal_whose_worktree_record_cannot_be_deleted_leaves_the_lane_whole_and_says_so() {
    let (repo, lane) = lane_with_wip("V-1");
    let out = repo.lanes_with_failpoint("forget-worktree=error", &["remove", "V-1", "--force"]);
    assert!(
        !out.status.success(),
        "forgetting the record was meant to fail"
    );
    assert!(stderr(&out).contains("as it was"), "{}", stderr(&out));
    assert_eq!(read_or_empty(lane.join("wip.txt")), "wip\n");
    assert_eq!(repo.worktree_count(), 2);
    assert_no_leftovers(&repo.base());
    let out = repo.lanes(&["remove", "V-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo.lanes_ok(&["restore", "V-1"]);
    assert_eq!(read_or_empty(lane.join("wip.txt")), "wip\n");
}

#[test]
fn a_removal_killed_while_deleting_leaves_the_lane_restorable_and_restore_sweeps_the_rest() {
    let (repo, lane) = lane_with_wip("V-1");
    repo.write(&lane, "more/notes.md", "notes\n");
    let out =
        repo.lanes_with_failpoint("remove-while-deleting=abort", &["remove", "V-1", "--force"]);
    assert!(!out.status.success(), "the process was meant to die");
    assert_restores_wip(&repo, "V-1", &lane);
    assert_eq!(read_or_empty(lane.join("more/notes.md")), "notes\n");
    assert_no_leftovers(&repo.base());
}
// Finding 2: a removal never deletes a repository that is not the lane's.

#[test]
fn a_forced_remove_refuses_a_lane_holding_another_lanes_worktree() {
    let (repo, a) = lane_ignoring("target/");
    let b = a.join("target/wt-b");
    repo.lanes_ok(&["start", "B-1", "--path", b.to_str().unwrap()]);
    repo.write(&b, "b-work.txt", "b's work\n");
    assert_forced_remove_refused(&repo, "target/wt-b (another checkout");
    assert_eq!(read_or_empty(b.join("b-work.txt")), "b's work\n");
}

#[test]
fn a_forced_remove_refuses_a_lane_holding_an_independent_clone() {
    let (repo, a) = lane_ignoring("vendor/");
    let clone = a.join("vendor/lib");
    repo.git_in(
        &repo.base(),
        &[
            "clone",
            "-q",
            repo.remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    repo.commit(&clone, "unpushed.txt", "mine\n", "unpushed");
    assert_forced_remove_refused(&repo, "vendor/lib (a repository of its own)");
    assert!(repo
        .git_in(&clone, &["log", "--format=%s"])
        .contains("unpushed"));
}

#[test]
fn remove_without_force_refuses_a_submodule_with_unpushed_commits() {
    let repo = lane_with_a_submodule();
    let lane = repo.lane_dir("S-1");
    let sub = lane.join("lib");
    repo.git_in(&sub, &["switch", "-q", "-c", "local"]);
    repo.commit(&sub, "sub-work.txt", "mine\n", "submodule work");
    // The superproject's pointer is committed and pushed too: only the submodule holds the work.
    repo.git_in(&lane, &["commit", "-q", "-am", "bump lib"]);
    repo.git_in(
        &lane,
        &["push", "-q", "origin", "HEAD:refs/heads/feature/S-1"],
    );
    let out = repo.lanes(&["remove", "S-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lib (commits that are not pushed)"),
        "{}",
        stderr(&out)
    );
    assert!(repo
        .git_in(&sub, &["log", "--format=%s"])
        .contains("submodule work"));
}

/// Removes lane S-1 without --force and checks it is refused, naming `says`, with the lane kept.
fn assert_submodule_work_refused(repo: &TestRepo, says: &str) {
    let out = repo.lanes(&["remove", "S-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(says), "{}", stderr(&out));
    assert!(repo.lane_dir("S-1").join("lib").join("lib.txt").exists());
}

/// Makes `*.local` ignored in the submodule `sub` (through its own info/exclude).
fn ignore_local_files(repo: &TestRepo, sub: &Path) {
    let exclude = repo.git_in(
        sub,
        &[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "info/exclude",
        ],
    );
    let exclude = PathBuf::from(exclude.trim());
    std::fs::create_dir_all(exclude.parent().unwrap()).unwrap();
    std::fs::write(&exclude, "*.local\n").unwrap();
}

#[test]
fn remove_without_force_refuses_a_submodule_holding_an_ignored_file() {
    let repo = lane_with_a_submodule();
    let sub = repo.lane_dir("S-1").join("lib");
    ignore_local_files(&repo, &sub);
    repo.write(&sub, "creds.local", "API_KEY=x\n");
    assert_submodule_work_refused(&repo, "creds.local");
    assert_eq!(read_or_empty(sub.join("creds.local")), "API_KEY=x\n");
}

#[test]
fn remove_refuses_even_forced_a_repository_inside_a_submodule() {
    let repo = lane_with_a_submodule();
    let sub = repo.lane_dir("S-1").join("lib");
    ignore_local_files(&repo, &sub);
    repo.git_in(&sub, &["init", "-q", "clone.local"]);
    repo.commit(&sub.join("clone.local"), "x.txt", "x\n", "only here");
    let out = repo.lanes(&["remove", "S-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lib/clone.local (a repository of its own)"),
        "{}",
        stderr(&out)
    );
    assert!(repo
        .git_in(&sub.join("clone.local"), &["log", "--format=%s"])
        .contains("only here"));
}

#[test]
fn remove_without_force_refuses_a_submodule_with_a_stash() {
    let repo = lane_with_a_submodule();
    let sub = repo.lane_dir("S-1").join("lib");
    repo.write(&sub, "lib.txt", "edited\n");
    repo.git_in(&sub, &["stash", "-q"]);
    assert_submodule_work_refused(&repo, "lib (a stash)");
}

#[test]
fn remove_without_force_refuses_a_submodule_with_a_tag_on_no_remote() {
    let repo = lane_with_a_submodule();
    let sub = repo.lane_dir("S-1").join("lib");
    repo.commit(&sub, "tagged.txt", "tagged\n", "only tagged");
    repo.git_in(&sub, &["tag", "v-local"]);
    repo.git_in(&sub, &["checkout", "-q", "--detach", "HEAD~1"]);
    assert_submodule_work_refused(&repo, "lib (commits that are not pushed)");
}

#[test]
fn remove_without_force_refuses_a_submodule_of_a_submodule_with_an_unpushed_branch() {
    let repo = lane_with_a_submodule();
    let sub = repo.lane_dir("S-1").join("lib");
    let inner = repo.base().join("inner");
    std::fs::create_dir(&inner).unwrap();
    repo.git_in(&inner, &["init", "-q", "-b", "main"]);
    repo.commit(&inner, "inner.txt", "inner\n", "inner");
    let allow = ["-c", "protocol.file.allow=always"];
    let url = inner.to_str().unwrap();
    repo.git_in(
        &sub,
        &[allow[0], allow[1], "submodule", "add", "-q", url, "inner"],
    );
    repo.git_in(&sub, &["commit", "-q", "-m", "add inner"]);
    repo.git_in(
        &sub,
        &["push", "-q", "origin", "HEAD:refs/heads/with-inner"],
    );
    let lane = repo.lane_dir("S-1");
    repo.git_in(&lane, &["commit", "-q", "-am", "bump lib"]);
    repo.git_in(
        &lane,
        &["push", "-q", "origin", "HEAD:refs/heads/feature/S-1"],
    );
    let nested = sub.join("inner");
    repo.git_in(&nested, &["switch", "-q", "-c", "local"]);
    repo.commit(&nested, "deep.txt", "mine\n", "deep work");
    repo.git_in(&nested, &["switch", "-q", "--detach", "HEAD~1"]);
    assert_submodule_work_refused(&repo, "lib/inner (commits that are not pushed)");
}

#[test]
fn a_lane_with_a_clean_submodule_is_removed_and_restored() {
    let repo = lane_with_a_submodule();
    let lane = repo.lane_dir("S-1");
    repo.write(&lane, "wip.txt", "wip\n");
    let out = repo.lanes(&["remove", "S-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!lane.exists());
    repo.lanes_ok(&["restore", "S-1"]);
    assert_eq!(read_or_empty(lane.join("wip.txt")), "wip\n");
}

#[test]
fn remove_refuses_before_anything_changes_when_a_nested_repository_is_found() {
    let repo = TestRepo::started(&["A-1"]);
    let a = repo.lane_dir("A-1");
    // Untracked and not ignored: --force would otherwise take it as the lane's own files.
    repo.git_in(&a, &["init", "-q", "scratch"]);
    repo.commit(&a.join("scratch"), "x.txt", "x\n", "only here");
    assert_forced_remove_refused(&repo, "scratch (a repository of its own)");
    assert!(trash_ids(&repo).is_empty());
}

// Finding 3: restore finishes or takes itself back, brings back what git trees cannot hold, and
// an entry without work never hides one with work.

#[test]
fn a_file_name_that_is_not_utf8_is_restored() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::started(&["R-1"]);
    let lane = repo.lane_dir("R-1");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(lane.join(name), "latin-1 name\n").unwrap();
    repo.lanes_ok(&["remove", "R-1", "--force"]);
    let out = repo.lanes(&["restore", "R-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_or_empty(lane.join(name)), "latin-1 name\n");
}

#[test]
fn a_restore_that_fails_after_the_checkout_takes_itself_back_and_the_next_one_succeeds() {
    let (repo, lane) = lane_with_wip("R-1");
    repo.lanes_ok(&["remove", "R-1", "--force"]);
    let before = repo.snapshot();
    let out = repo.lanes_with_failpoint("restore-after-checkout=error", &["restore", "R-1"]);
    assert!(!out.status.success(), "the restore was meant to fail");
    assert!(
        stderr(&out).contains("still in the trash"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert!(!lane.exists());
    assert_restores_wip(&repo, "R-1", &lane);
}

#[test]
fn a_restore_killed_after_the_checkout_is_taken_back_by_the_next_one() {
    let (repo, lane) = lane_with_wip("R-1");
    repo.lanes_ok(&["remove", "R-1", "--force"]);
    let out = repo.lanes_with_failpoint("restore-after-checkout=abort", &["restore", "R-1"]);
    assert!(!out.status.success(), "the process was meant to die");
    assert_restores_wip(&repo, "R-1", &lane);
    assert_eq!(repo.worktree_count(), 2);
    assert!(trash_ids(&repo).is_empty());
}

#[test]
fn a_lane_used_after_an_interrupted_restore_is_kept_by_the_next_restore() {
    let (repo, lane) = lane_with_wip("T-3");
    repo.lanes_ok(&["remove", "T-3", "--force"]);
    let out = repo.lanes_with_failpoint("restore-after-checkout=abort", &["restore", "T-3"]);
    assert!(!out.status.success(), "the process was meant to die");
    repo.write(&lane, "newwork.txt", "two hours of work\n");
    let out = repo.lanes(&["restore", "T-3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has been used since"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read_or_empty(lane.join("newwork.txt")),
        "two hours of work\n"
    );
    assert_eq!(trash_ids(&repo).len(), 1);
}

#[test]
fn restore_brings_back_empty_directories_and_exact_file_modes() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::started(&["R-1"]);
    let lane = repo.lane_dir("R-1");
    std::fs::create_dir_all(lane.join("empty/inner")).unwrap();
    repo.write(&lane, "secret.key", "s3cret\n");
    std::fs::set_permissions(
        lane.join("secret.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    repo.lanes_ok(&["remove", "R-1", "--force"]);
    repo.lanes_ok(&["restore", "R-1"]);
    assert!(lane.join("empty/inner").is_dir());
    let mode = std::fs::metadata(lane.join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_newer_entry_without_work_does_not_hide_an_older_one_with_work() {
    let (repo, lane) = lane_with_wip("R-1");
    repo.lanes_ok(&["remove", "R-1", "--force"]);
    repo.lanes_ok(&["start", "R-1"]);
    repo.lanes_ok(&["remove", "R-1"]);
    assert_eq!(trash_ids(&repo).len(), 2);
    assert_restores_wip(&repo, "r-1", &lane);
}

// Finding 4: clean entries never push work out of the trash, and work pushed out is announced.

/// Rewrites trash entries in one shell: `retime COMMIT TIME REF` points REF at a copy of the
/// entry COMMIT saved at TIME (seconds), as if it had been saved then.
fn retime(repo: &TestRepo, calls: &str) {
    let script = format!(
        r#"set -e
retime() {{
  blob=$(git cat-file blob "$1:lane.json" | sed "s/\"time\": [0-9]*/\"time\": $2/" | git hash-object -w --stdin)
  tree=$( (git ls-tree "$1" | grep -v '	lane.json$'; printf '100644 blob %s\tlane.json\n' "$blob") | git mktree)
  parents=$(git log -1 --format=%P "$1" | sed 's/[^ ][^ ]*/-p &/g')
  git update-ref "$3" "$(git commit-tree "$tree" $parents -m retimed)"
}}
{calls}"#
    );
    let out = repo.shell_cmd("sh", &script).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The only trash entry of `ticket`: (ref, commit, time).
fn entry_of(repo: &TestRepo, ticket: &str) -> (String, String, u64) {
    let line = repo.git(&[
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        &format!("refs/lanes/trash/{ticket}/"),
    ]);
    let (name, commit) = line.trim().split_once(' ').unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&repo.git(&["cat-file", "blob", &format!("{commit}:lane.json")]))
            .unwrap();
    (
        name.to_string(),
        commit.to_string(),
        meta["time"].as_u64().unwrap(),
    )
}

#[test]
fn a_full_trash_of_clean_removals_does_not_push_out_a_forced_entry_with_work() {
    let repo = TestRepo::started(&["W-1", "C-1", "D-1"]);
    repo.write(&repo.lane_dir("W-1"), "wip.txt", "wip\n");
    repo.lanes_ok(&["remove", "W-1", "--force"]);
    repo.lanes_ok(&["remove", "C-1"]);
    let (w_ref, w, now) = entry_of(&repo, "W-1");
    let (_, c, _) = entry_of(&repo, "C-1");
    // The work is older than a hundred routine removals of clean lanes.
    let mut calls = format!("retime {w} {} {w_ref}\n", now - 1000);
    for i in 0..100 {
        let t = now - 900 + i;
        calls.push_str(&format!("retime {c} {t} refs/lanes/trash/C-1/{t}\n"));
    }
    retime(&repo, &calls);
    repo.lanes_ok(&["remove", "D-1"]);
    assert!(
        trash_ids(&repo).iter().any(|id| id.starts_with("W-1/")),
        "the entry with work was pushed out"
    );
    assert_restores_wip(&repo, "W-1", &repo.lane_dir("W-1"));
}

/// A trash full of entries holding work (the oldest is `W-1`'s, whose ref is returned), and a lane
/// X-1 with work of its own.
fn full_trash_of_work_and_lane_x_with_work() -> (TestRepo, String) {
    let repo = TestRepo::started(&["W-1", "X-1"]);
    repo.write(&repo.lane_dir("W-1"), "wip.txt", "wip\n");
    repo.lanes_ok(&["remove", "W-1", "--force"]);
    let (w_ref, w, now) = entry_of(&repo, "W-1");
    let mut calls = format!("retime {w} {} {w_ref}\n", now - 1000);
    for i in 0..100 {
        let t = now - 900 + i;
        calls.push_str(&format!("retime {w} {t} refs/lanes/trash/W-1/{t}\n"));
    }
    retime(&repo, &calls);
    repo.write(&repo.lane_dir("X-1"), "wip.txt", "more work\n");
    (repo, w_ref)
}

#[test]
fn pushing_work_out_of_a_full_trash_is_announced() {
    let (repo, w_ref) = full_trash_of_work_and_lane_x_with_work();
    let out = repo.lanes(&["remove", "X-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: the trash was full")
            && stderr(&out).contains(w_ref.trim_start_matches("refs/lanes/trash/")),
        "{}",
        stderr(&out)
    );
    let json = repo.lanes_json(&["list", "--trash"]);
    assert_eq!(json.as_array().unwrap().len(), 100);
}

#[test]
fn a_forced_remove_refuses_a_lane_holding_a_bare_repository() {
    let (repo, a) = lane_ignoring("vendor/");
    let bare = a.join("vendor/mirror.git");
    repo.git_in(
        &repo.base(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    repo.git(&["push", "-q", bare.to_str().unwrap(), "main:only-here"]);
    assert_forced_remove_refused(&repo, "vendor/mirror.git (a repository of its own)");
    assert!(bare.join("refs/heads/only-here").exists());
}

#[test]
fn a_removal_refused_with_the_lane_whole_pushes_nothing_out_of_a_full_trash() {
    let (repo, w_ref) = full_trash_of_work_and_lane_x_with_work();
    let out =
        repo.lanes_with_failpoint("remove-after-offline=error", &["remove", "X-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(repo.lane_dir("X-1").join("wip.txt").exists());
    assert!(
        trash_ids(&repo).contains(&w_ref.trim_start_matches("refs/lanes/trash/").to_string()),
        "the oldest entry with work was pushed out by a removal that did not happen"
    );
}

#[test]
fn a_lane_whose_branch_moved_on_is_restored_detached_at_its_saved_commit_with_its_changes_exact() {
    let repo = TestRepo::started(&["T-5"]);
    let lane = repo.lane_dir("T-5");
    let branch = repo.git_in(&lane, &["rev-parse", "--abbrev-ref", "HEAD"]);
    let branch = branch.trim().to_string();
    let saved = repo
        .git_in(&lane, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    repo.write(&lane, "README.md", "# project, edited\n");
    repo.git_in(&lane, &["add", "README.md"]);
    repo.write(&lane, "wip.txt", "wip\n");
    repo.lanes_ok(&["remove", "T-5", "--force", "--keep-branch"]);
    let elsewhere = repo.base().join("elsewhere");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        elsewhere.to_str().unwrap(),
        &branch,
    ]);
    repo.write(&elsewhere, "later.txt", "later\n");
    repo.write(&elsewhere, "src/app.txt", "changed later\n");
    repo.git_in(&elsewhere, &["add", "."]);
    repo.git_in(&elsewhere, &["commit", "-q", "-m", "later"]);
    repo.git(&["worktree", "remove", elsewhere.to_str().unwrap()]);
    let out = repo.lanes(&["restore", "T-5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        crate::support::stdout(&out).contains("has moved on since"),
        "{}",
        crate::support::stdout(&out)
    );
    assert_eq!(repo.git_in(&lane, &["rev-parse", "HEAD"]).trim(), saved);
    assert_eq!(
        repo.git_in(&lane, &["status", "--porcelain"]),
        "M  README.md\n?? wip.txt\n"
    );
}
