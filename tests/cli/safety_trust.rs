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

// ---- what runs is what the user approved, every character of it ----

#[test]
fn a_setup_command_hiding_shell_text_in_an_escape_sequence_is_refused_naming_the_key() {
    let repo = TestRepo::new();
    let hidden = repo.base().join("HIDDEN");
    repo.write(
        &repo.dir,
        "lanes.toml",
        &format!(
            "setup = [\"npm ci \\u001b]; touch {} #\\u0007\"]\n",
            hidden.display()
        ),
    );
    let out = repo.lanes(&["trust", "--yes"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("`setup`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("\\e]; touch"), "{}", stderr(&out));
    repo.lanes(&["start", "T-1", "--yes"]);
    assert!(!hidden.exists(), "the hidden command ran");
}

#[test]
fn a_placeholder_in_a_heredoc_body_is_written_as_its_value_and_runs_nothing() {
    let repo = repo_in_directory_named("proj $(touch PWNED)");
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "setup = [\"cat > .env <<END\\nAPP_DIR={path}\\nEND\\n\"]\n",
    );
    let out = repo.lanes(&["start", "T-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane = repo.base().join("proj $(touch PWNED)-T-1");
    assert_eq!(files_named(&repo, "PWNED"), Vec::<PathBuf>::new());
    assert_eq!(
        std::fs::read_to_string(lane.join(".env")).unwrap(),
        format!("APP_DIR={}\n", lane.display())
    );
}

// ---- where lanes are made is the user's choice ----

/// A repository whose primary checkout is `<temp>/nest/project`: its parent, where its lanes may
/// go, is `<temp>/nest`, so a place outside it is still inside the test's temp directory.
fn nested_repo() -> TestRepo {
    let repo = TestRepo::new();
    let nest = repo.base().join("nest");
    std::fs::create_dir(&nest).unwrap();
    let dir = nest.join("project");
    std::fs::rename(&repo.dir, &dir).unwrap();
    TestRepo { dir, ..repo }
}

/// Asserts that `lanes start T-1` refuses (exit 3, a hint naming `lanes trust`) and changes
/// nothing: no worktree, no branch, no directory at `outside`.
fn assert_start_refused(repo: &TestRepo, outside: &std::path::Path) {
    let before = repo.snapshot();
    let out = repo.lanes(&["start", "T-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("lanes trust"), "{}", stderr(&out));
    assert!(stderr(&out).contains("path"), "{}", stderr(&out));
    assert_eq!(repo.snapshot(), before);
    assert!(!outside.exists(), "{} was made", outside.display());
}

#[test]
fn a_repositorys_absolute_lane_path_is_refused_until_the_user_approves_it() {
    let repo = nested_repo();
    let outside = repo.base().join("elsewhere");
    repo.write(
        &repo.dir,
        "lanes.toml",
        &format!("path = \"{}/{{ticket}}\"\n", outside.display()),
    );
    assert_start_refused(&repo, &outside);

    let shown = repo.lanes_ok(&["trust", "--yes"]);
    assert!(shown.contains("Approved"), "{shown}");
    repo.lanes_ok(&["start", "T-1"]);
    assert!(outside.join("T-1/README.md").exists());
}

#[test]
fn a_repositorys_relative_lane_path_leaving_the_checkouts_parent_is_refused() {
    let repo = nested_repo();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "path = \"../../escaped-{ticket}\"\n",
    );
    assert_start_refused(&repo, &repo.base().join("escaped-T-1"));
}

#[test]
fn a_repositorys_lane_path_in_the_home_directory_is_refused() {
    let repo = nested_repo();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "path = \"~/.config/autostart-{ticket}\"\n",
    );
    assert_start_refused(&repo, &repo.base().join(".config/autostart-T-1"));
}

#[test]
fn a_repositorys_lane_path_through_a_symlink_it_committed_is_refused() {
    let repo = nested_repo();
    let outside = repo.base().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, repo.dir.join("link")).unwrap();
    repo.write(&repo.dir, "lanes.toml", "path = \"link/{ticket}\"\n");
    repo.git(&["add", "link", "lanes.toml"]);
    repo.git(&["commit", "-q", "-m", "a link out"]);
    assert_start_refused(&repo, &outside.join("T-1"));
}

#[test]
fn a_repositorys_lane_path_into_a_hidden_directory_of_home_is_refused() {
    // The checkout is `$HOME/project`: its parent is all of the home directory.
    let repo = TestRepo::new();
    assert_eq!(repo.dir.parent(), Some(repo.base().as_path()));
    repo.write(
        &repo.dir,
        "lanes.toml",
        "path = \"../{ticket}/../.config/lanes\"\n",
    );
    let before = repo.snapshot();
    let out = repo
        .lanes_cmd()
        .env_remove("XDG_CONFIG_HOME")
        .args(["start", "T-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("lanes trust"), "{}", stderr(&out));
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.base().join(".config/lanes").exists());
}

#[test]
fn a_repositorys_lane_path_whose_last_directory_is_not_the_tickets_is_refused() {
    let repo = nested_repo();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "path = \"../{ticket}/../shared\"\n",
    );
    assert_start_refused(&repo, &repo.base().join("nest/shared"));
}

#[test]
fn a_repositorys_lane_path_beside_the_checkout_needs_no_approval() {
    let repo = nested_repo();
    repo.write(&repo.dir, "lanes.toml", "path = \"../lanes/{ticket}\"\n");
    repo.lanes_ok(&["start", "T-1"]);
    assert!(repo.base().join("nest/lanes/T-1/README.md").exists());
}

#[test]
fn the_users_own_config_may_put_lanes_anywhere() {
    let repo = nested_repo();
    let anywhere = repo.base().join("anywhere");
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        &format!("path = \"{}/{{ticket}}\"\n", anywhere.display()),
    );
    repo.lanes_ok(&["start", "T-1"]);
    assert!(anywhere.join("T-1/README.md").exists());
}

// ---- what reaches the terminal ----

/// A Jira title that re-titles the terminal (OSC), clears the screen (CSI, 7-bit and 8-bit),
/// rings the bell and returns the carriage.
const HOSTILE_TITLE: &str =
    "\u{1b}]0;pwned\u{7}Fix\u{1b}[2J login\u{9b}2J\rtimeout\u{1b}]8;;http://x\u{1b}\\link";

/// Fails when `text` carries a character a terminal acts on instead of showing.
fn assert_no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        .collect();
    assert!(bad.is_empty(), "{what} carries {bad:?}: {text:?}");
}

/// Fails when `text` carries a control character or what an escape sequence held.
fn assert_printable(what: &str, text: &str) {
    assert_no_controls(what, text);
    assert!(
        !text.contains("pwned"),
        "{what} kept a sequence's text: {text:?}"
    );
}

/// A repository configured for a fake Jira whose PROJ-1 has [`HOSTILE_TITLE`] (also in its
/// description), with PROJ-1 started; returns the server too (it must outlive the repository).
fn lane_of_a_hostile_ticket() -> (
    crate::support::http::FakeServer,
    TestRepo,
    std::process::Output,
) {
    use crate::support::http::{FakeServer, Reply};
    let server = FakeServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({
                "id": "10001",
                "key": "PROJ-1",
                "fields": {
                    "summary": HOSTILE_TITLE,
                    "status": {"name": "In\u{1b}[2J Progress"},
                    "description": {"type": "doc", "version": 1, "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": HOSTILE_TITLE}]}
                    ]}
                }
            }),
        )
    });
    let repo = TestRepo::new();
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        &format!("provider = \"jira\"\n[jira]\nurl = \"{}\"\n", server.url),
    );
    let out = repo
        .lanes_cmd()
        .env("JIRA_EMAIL", "me@example.com")
        .env("JIRA_API_TOKEN", "token")
        .env_remove("JIRA_URL")
        .args(["start", "PROJ-1", "--no-fetch"])
        .output()
        .unwrap();
    (server, repo, out)
}

#[test]
fn a_ticket_title_with_escape_sequences_reaches_start_output_as_plain_text() {
    let (_server, _repo, out) = lane_of_a_hostile_ticket();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_printable("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_printable("stderr", &stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Fix login"));
}

#[test]
fn a_ticket_title_with_escape_sequences_reaches_list_and_status_as_plain_text() {
    let (_server, repo, out) = lane_of_a_hostile_ticket();
    assert!(out.status.success(), "{}", stderr(&out));
    let list = repo.lanes(&["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_printable("list", &String::from_utf8_lossy(&list.stdout));
    assert!(String::from_utf8_lossy(&list.stdout).contains("Fix login"));
    let status = repo.lanes_in(&repo.lane_dir("PROJ-1"), &["status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert_printable("status", &String::from_utf8_lossy(&status.stdout));
    assert!(String::from_utf8_lossy(&status.stdout).contains("Fix login"));
}

#[test]
fn json_output_keeps_the_title_as_data_escaped() {
    let (_server, repo, out) = lane_of_a_hostile_ticket();
    assert!(out.status.success(), "{}", stderr(&out));
    let list = repo.lanes(&["list", "--json"]);
    assert_no_controls("list --json", &String::from_utf8_lossy(&list.stdout));
    let lanes: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let lane = lanes
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == "PROJ-1")
        .unwrap();
    assert_eq!(lane["title"], HOSTILE_TITLE);
}

#[test]
fn the_ticket_context_written_for_agents_holds_no_escape_sequences() {
    let (_server, repo, out) = lane_of_a_hostile_ticket();
    assert!(out.status.success(), "{}", stderr(&out));
    let context =
        std::fs::read_to_string(repo.lane_dir("PROJ-1").join(".lanes/ticket.md")).unwrap();
    assert_printable("ticket.md", &context);
    assert!(context.contains("Fix login"), "{context}");
}

#[test]
fn the_command_line_prints_only_through_its_printable_printers() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("main.rs")];
    for entry in std::fs::read_dir(src.join("cli")).unwrap().flatten() {
        if entry.file_name() != "out.rs" {
            files.push(entry.path());
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for raw in ["println!(", "print!(", "eprint!(", "write!(std::io::std"] {
                assert!(
                    !code.contains(raw),
                    "{}:{}: `{raw}` prints around cli::out: {line}",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn a_pull_request_title_with_escape_sequences_reaches_sync_and_list_as_plain_text() {
    use crate::support::github::{FakeGitHub, FakePull};
    let gh = FakeGitHub::start();
    let repo = gh.clone_of("octo/widgets", "timeout = 2");
    repo.push_pull_request(8, "refs/heads/main", "a.txt", "v1\n");
    gh.add_pull(FakePull::new("octo/widgets", 8, HOSTILE_TITLE, "widgets"));
    let sync = gh.env(repo.lanes_cmd().arg("sync")).output().unwrap();
    assert!(sync.status.success(), "{}", stderr(&sync));
    assert_printable("sync", &String::from_utf8_lossy(&sync.stdout));
    assert_printable("sync's stderr", &stderr(&sync));
    let list = repo.lanes(&["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_printable("list", &String::from_utf8_lossy(&list.stdout));
    assert!(String::from_utf8_lossy(&list.stdout).contains("Fix login"));
}
