//! The overlap index: who changes which lines, and cheap refreshes.

use lanes::ops::check::index;
use lanes::overlap::sources;
use lanes::overlap::OverlapIndex;
use lanes::{Config, Repo};

use crate::support::{edited_lines, TestRepo};

fn two_lanes() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo
}

fn open(repo: &TestRepo) -> (Repo, Config) {
    (Repo::discover(&repo.dir).unwrap(), Config::default())
}

/// The index source of the lane of `ticket`.
fn source_of(r: &Repo, c: &Config, ticket: &str) -> lanes::overlap::LaneSource {
    sources(r, c)
        .unwrap()
        .into_iter()
        .find(|s| s.ticket.as_deref() == Some(ticket))
        .unwrap()
}

fn tickets_changing(index: &OverlapIndex, path: &str) -> Vec<String> {
    let mut t: Vec<String> = index
        .lanes_changing(path)
        .map(|(lane, _)| {
            lane.source
                .ticket
                .clone()
                .unwrap_or_else(|| "(primary)".into())
        })
        .collect();
    t.sort();
    t
}

#[test]
fn the_index_answers_which_lanes_change_a_path() {
    let repo = two_lanes();
    repo.commit(&repo.lane_dir("A-1"), "src/deep/er/x.txt", "x\n", "nested");
    repo.write(&repo.lane_dir("B-1"), "src/deep/er/x.txt", "y\n");
    let (r, c) = open(&repo);
    let index = index(&r, &c).unwrap();
    assert_eq!(
        tickets_changing(&index, "src/deep/er/x.txt"),
        ["A-1", "B-1"]
    );
    assert!(tickets_changing(&index, "README.md").is_empty());
}

#[test]
fn committed_hunks_carry_base_and_lane_line_numbers() {
    let repo = two_lanes();
    repo.commit(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[7, 8], "a"),
        "a",
    );
    let (r, c) = open(&repo);
    let index = index(&r, &c).unwrap();
    let (_, change) = index.lanes_changing("src/app.txt").next().unwrap();
    assert!(!change.whole);
    assert_eq!(change.hunks.len(), 1);
    assert_eq!(
        (change.hunks[0].old.start, change.hunks[0].old.lines),
        (7, 2)
    );
    assert_eq!(
        (change.hunks[0].new.start, change.hunks[0].new.lines),
        (7, 2)
    );
}

#[test]
fn added_deleted_and_binary_files_are_whole_file_changes() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.commit(&a, "added.txt", "new\n", "add");
    repo.git_in(&a, &["rm", "-q", "README.md"]);
    repo.git_in(&a, &["commit", "-q", "-m", "delete"]);
    std::fs::write(a.join("bin.dat"), [0u8, 1, 2, 0, 255]).unwrap();
    repo.git_in(&a, &["add", "bin.dat"]);
    repo.git_in(&a, &["commit", "-q", "-m", "binary"]);
    std::fs::write(a.join("bin.dat"), [0u8, 9, 9, 0, 255]).unwrap();
    let (r, c) = open(&repo);
    let index = index(&r, &c).unwrap();
    for path in ["added.txt", "README.md", "bin.dat"] {
        let (_, change) = index
            .lanes_changing(path)
            .next()
            .unwrap_or_else(|| panic!("{path}"));
        assert!(change.whole, "{path} should be a whole-file change");
    }
}

#[test]
fn refreshing_saved_files_picks_up_a_new_edit() {
    let repo = two_lanes();
    let (r, c) = open(&repo);
    let mut index = index(&r, &c).unwrap();
    assert!(tickets_changing(&index, "README.md").is_empty());
    repo.write(&repo.lane_dir("B-1"), "README.md", "edited\n");
    let lane = source_of(&r, &c, "B-1");
    index
        .refresh_files(r.git(), lane, &["README.md".to_string()])
        .unwrap();
    assert_eq!(tickets_changing(&index, "README.md"), ["B-1"]);
}

#[test]
fn refreshing_saved_files_drops_an_edit_that_was_reverted() {
    let repo = two_lanes();
    repo.write(&repo.lane_dir("B-1"), "README.md", "edited\n");
    let (r, c) = open(&repo);
    let mut index = index(&r, &c).unwrap();
    assert_eq!(tickets_changing(&index, "README.md"), ["B-1"]);
    repo.write(&repo.lane_dir("B-1"), "README.md", "# project\n");
    let lane = source_of(&r, &c, "B-1");
    index
        .refresh_files(r.git(), lane, &["README.md".to_string()])
        .unwrap();
    assert!(tickets_changing(&index, "README.md").is_empty());
}

#[test]
fn refreshing_saved_files_keeps_the_committed_change_of_that_file() {
    let repo = two_lanes();
    let b = repo.lane_dir("B-1");
    repo.commit(&b, "src/app.txt", &edited_lines(20, &[2], "b"), "b");
    let (r, c) = open(&repo);
    let mut index = index(&r, &c).unwrap();
    repo.write(&b, "src/app.txt", &edited_lines(20, &[2, 15], "b"));
    let lane = source_of(&r, &c, "B-1");
    index
        .refresh_files(r.git(), lane, &["src/app.txt".to_string()])
        .unwrap();
    let (_, change) = index.lanes_changing("src/app.txt").next().unwrap();
    let starts: Vec<u32> = change.hunks.iter().map(|h| h.old.start).collect();
    assert!(starts.contains(&2) && starts.contains(&15), "{starts:?}");
}

#[test]
fn a_complete_refresh_forgets_removed_lanes_and_reads_moved_ones() {
    let repo = two_lanes();
    repo.write(&repo.lane_dir("A-1"), "README.md", "a\n");
    repo.write(&repo.lane_dir("B-1"), "README.md", "b\n");
    let (r, c) = open(&repo);
    let mut index = index(&r, &c).unwrap();
    assert_eq!(tickets_changing(&index, "README.md"), ["A-1", "B-1"]);
    repo.lanes_ok(&["remove", "A-1", "--force"]);
    repo.commit(&repo.lane_dir("B-1"), "src/app.txt", "b\n", "b");
    index
        .refresh(r.common_dir(), sources(&r, &c).unwrap(), true)
        .unwrap();
    assert_eq!(tickets_changing(&index, "README.md"), ["B-1"]);
    assert_eq!(tickets_changing(&index, "src/app.txt"), ["B-1"]);
}
