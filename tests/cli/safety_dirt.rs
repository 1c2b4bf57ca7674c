//! Dirtiness is judged as git judges it: what git knows and libgit2 does not — a submodule, a
//! sparse checkout, an LFS filter — never makes a clean lane look changed, nor blocks its removal.

use crate::support::{lane_with_a_submodule, stderr, TestRepo};

#[test]
fn a_lane_with_an_initialised_submodule_can_be_removed() {
    let repo = lane_with_a_submodule();
    let out = repo.lanes(&["remove", "S-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.lane_dir("S-1").exists());
    assert_eq!(repo.worktree_count(), 1);
}

#[test]
fn a_file_changed_inside_a_submodule_still_blocks_removal() {
    let repo = lane_with_a_submodule();
    let lane = repo.lane_dir("S-1");
    repo.write(&lane, "lib/lib.txt", "changed in the submodule\n");
    let out = repo.lanes(&["remove", "S-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("lib"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(lane.join("lib/lib.txt")).unwrap(),
        "changed in the submodule\n"
    );
}

/// A lane `P-1` whose sparse checkout leaves `docs/` off the disk.
fn sparse_lane() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit(&repo.dir, "docs/guide.txt", "guide\n", "docs");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.lanes_ok(&["start", "P-1"]);
    let lane = repo.lane_dir("P-1");
    repo.git_in(&lane, &["sparse-checkout", "set", "src"]);
    assert!(!lane.join("docs/guide.txt").exists());
    assert_eq!(repo.git_in(&lane, &["status", "--porcelain"]), "");
    repo
}

#[test]
fn a_sparse_checkout_lane_lists_as_clean() {
    let repo = sparse_lane();
    let list = repo.lanes_json(&["list"]);
    let lane = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == "P-1")
        .cloned()
        .unwrap();
    assert_eq!(lane["dirty"], 0, "{lane}");
}

#[test]
fn a_sparse_checkout_lane_can_be_removed_without_force() {
    let repo = sparse_lane();
    let out = repo.lanes(&["remove", "P-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.lane_dir("P-1").exists());
}

#[test]
fn an_lfs_file_only_touched_leaves_the_lane_removable() {
    let repo = TestRepo::new();
    // tests/run installs git-lfs; without it this specification cannot be checked, and fails.
    repo.git(&["lfs", "install", "--local"]);
    repo.git(&["lfs", "track", "*.bin"]);
    repo.write(&repo.dir, "model.bin", &"weights\n".repeat(1000));
    repo.git(&["add", ".gitattributes", "model.bin"]);
    repo.git(&["commit", "-q", "-m", "model"]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.lanes_ok(&["start", "L-1"]);
    let model = repo.lane_dir("L-1").join("model.bin");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&model)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let out = repo.lanes(&["remove", "L-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!model.exists());
}

#[test]
fn a_sparse_checkout_lane_comes_back_sparse_from_the_trash_with_its_work() {
    let repo = sparse_lane();
    let lane = repo.lane_dir("P-1");
    repo.write(&lane, "src/app.txt", "work in the cone\n");
    let out = repo.lanes(&["remove", "P-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.lanes(&["restore", "P-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!lane.join("docs/guide.txt").exists(), "un-sparsed");
    assert_eq!(
        std::fs::read_to_string(lane.join("src/app.txt")).unwrap(),
        "work in the cone\n"
    );
    assert_eq!(
        repo.git_in(&lane, &["sparse-checkout", "list"]).trim(),
        "src"
    );
    assert_eq!(
        repo.git_in(&lane, &["status", "--porcelain"]),
        " M src/app.txt\n"
    );
}

/// A lane `W-1` whose README.md is edited under `--skip-worktree` and whose src/app.txt is edited
/// under `--assume-unchanged`: local edits `git status` does not show.
fn lane_with_hidden_edits() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "W-1"]);
    let lane = repo.lane_dir("W-1");
    repo.git_in(&lane, &["update-index", "--skip-worktree", "README.md"]);
    repo.write(&lane, "README.md", "local secret settings\n");
    repo.git_in(
        &lane,
        &["update-index", "--assume-unchanged", "src/app.txt"],
    );
    repo.write(&lane, "src/app.txt", "a local edit\n");
    assert_eq!(repo.git_in(&lane, &["status", "--porcelain"]), "");
    repo
}

#[test]
fn edits_under_skip_worktree_or_assume_unchanged_block_removal() {
    let repo = lane_with_hidden_edits();
    let out = repo.lanes(&["remove", "W-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("README.md"), "{}", stderr(&out));
    assert!(stderr(&out).contains("src/app.txt"), "{}", stderr(&out));
    assert!(repo.lane_dir("W-1").join("README.md").exists());
}

#[test]
fn edits_under_skip_worktree_or_assume_unchanged_come_back_from_the_trash() {
    let repo = lane_with_hidden_edits();
    let out = repo.lanes(&["remove", "W-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.lanes(&["restore", "W-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane = repo.lane_dir("W-1");
    assert_eq!(
        std::fs::read_to_string(lane.join("README.md")).unwrap(),
        "local secret settings\n"
    );
    assert_eq!(
        std::fs::read_to_string(lane.join("src/app.txt")).unwrap(),
        "a local edit\n"
    );
}

#[test]
fn a_file_ignored_by_the_users_global_excludes_is_work_that_blocks_removal() {
    let repo = TestRepo::new();
    // Named through GIT_CONFIG_GLOBAL, as the fixture's git config is: git honours it, libgit2 not.
    let excludes = repo.base().join("global-ignore");
    std::fs::write(&excludes, "*.key\n").unwrap();
    repo.git(&[
        "config",
        "--global",
        "core.excludesFile",
        excludes.to_str().unwrap(),
    ]);
    repo.lanes_ok(&["start", "G-1"]);
    let lane = repo.lane_dir("G-1");
    repo.write(&lane, "deploy.key", "secret\n");
    assert_eq!(repo.git_in(&lane, &["status", "--porcelain"]), "");
    let out = repo.lanes(&["remove", "G-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("deploy.key"), "{}", stderr(&out));
    assert!(lane.join("deploy.key").exists());
}
