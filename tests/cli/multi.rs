//! One ticket across several repositories.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{stderr, TestRepo};

const REPOS: [&str; 3] = ["api", "web", "worker"];

/// Three repositories in `services/`, named in the user config with a `backend` group.
fn services() -> (TestRepo, PathBuf) {
    let repo = TestRepo::without_remote();
    let services = repo.base().join("services");
    for name in REPOS {
        let dir = services.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        repo.git_in(&dir, &["init", "-q", "-b", "main"]);
        repo.commit(&dir, "README.md", &format!("# {name}\n"), "initial");
    }
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        &format!(
            "[[repos]]\nparent = \"{}\"\n\n[groups]\nbackend = [\"api\", \"worker\"]\n",
            services.display()
        ),
    );
    (repo, services)
}

fn lane_dir(services: &std::path::Path, repo: &str, ticket: &str) -> PathBuf {
    services.join(format!("{repo}-{ticket}"))
}

#[test]
fn start_all_creates_the_lane_in_every_repository_and_a_workspace_file() {
    let (repo, services) = services();
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in REPOS {
        let dir = services.join(name);
        let worktrees = repo.git_in(&dir, &["worktree", "list", "--porcelain"]);
        assert!(
            worktrees.contains("branch refs/heads/feature/PROJ-9"),
            "{name}: {worktrees}"
        );
    }
    let workspace = PathBuf::from(result["workspace"].as_str().unwrap());
    assert_eq!(workspace, services.join("PROJ-9.code-workspace"));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&workspace).unwrap()).unwrap();
    let paths: Vec<&str> = file["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = REPOS
        .iter()
        .map(|r| lane_dir(&services, r, "PROJ-9").display().to_string())
        .collect();
    assert_eq!(paths, expected);
    assert_eq!(file["folders"][0]["name"], "api · PROJ-9");
}

#[test]
fn a_group_selects_its_repositories_only() {
    let (repo, services) = services();
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--group", "backend"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(lane_dir(&services, "api", "PROJ-9").is_dir());
    assert!(lane_dir(&services, "worker", "PROJ-9").is_dir());
    assert!(!lane_dir(&services, "web", "PROJ-9").exists());
}

#[test]
fn an_unknown_repository_or_group_is_refused_naming_the_known_ones() {
    let (repo, _) = services();
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--repo", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("api, web, worker"),
        "{}",
        stderr(&out)
    );
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--group", "nope"]);
    assert!(stderr(&out).contains("backend"), "{}", stderr(&out));
}

#[test]
fn when_one_repository_fails_the_untouched_new_lanes_are_rolled_back() {
    let (repo, services) = services();
    // web's lane directory is taken: web will fail after api succeeded.
    repo.write(&lane_dir(&services, "web", "PROJ-9"), "mine.txt", "keep\n");
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("web:"),
        "the error names the repository: {err}"
    );
    assert!(err.contains("rolled back the new lanes in: api"), "{err}");
    assert!(!lane_dir(&services, "api", "PROJ-9").exists());
    let branches = repo.git_in(
        &services.join("api"),
        &["branch", "--list", "feature/PROJ-9"],
    );
    assert_eq!(branches, "", "the new branch is gone too");
    assert!(
        !lane_dir(&services, "worker", "PROJ-9").exists(),
        "later repositories were not started"
    );
    assert!(lane_dir(&services, "web", "PROJ-9")
        .join("mine.txt")
        .is_file());
}

#[test]
fn a_new_lane_changed_before_the_failure_is_kept_and_reported() {
    let (repo, services) = services();
    // api's setup command leaves a new file in the lane: it is no longer untouched.
    repo.commit(
        &services.join("api"),
        "lanes.toml",
        "setup = [\"echo generated > notes.txt\"]\n",
        "setup",
    );
    repo.write(&lane_dir(&services, "web", "PROJ-9"), "mine.txt", "keep\n");
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("kept, since they changed meanwhile: api"),
        "{}",
        stderr(&out)
    );
    assert!(lane_dir(&services, "api", "PROJ-9")
        .join("notes.txt")
        .is_file());
}

#[test]
fn list_all_groups_lanes_by_ticket() {
    let (repo, services) = services();
    repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all"]);
    repo.lanes_in(&services.join("web"), &["start", "PROJ-2"]);
    let out = repo.lanes_in(&repo.base(), &["list", "--all", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let groups: Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["ticket"], "PROJ-2");
    assert_eq!(groups[0]["lanes"].as_array().unwrap().len(), 1);
    assert_eq!(groups[0]["lanes"][0]["repo"], "web");
    let repos: Vec<&str> = groups[1]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["repo"].as_str().unwrap())
        .collect();
    assert_eq!(repos, REPOS);
    let text = String::from_utf8(repo.lanes_in(&repo.base(), &["list", "--all"]).stdout).unwrap();
    assert!(text.contains("PROJ-9") && text.contains("worker"), "{text}");
}

/// PROJ-9 in every repository, with unsaved work in web's lane.
fn lanes_with_work_in_web() -> (TestRepo, PathBuf) {
    let (repo, services) = services();
    repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all"]);
    repo.write(
        &lane_dir(&services, "web", "PROJ-9"),
        "README.md",
        "unsaved work\n",
    );
    (repo, services)
}

#[test]
fn remove_all_keeps_the_dirty_lane_and_removes_the_others() {
    let (repo, services) = lanes_with_work_in_web();
    let out = repo.lanes_in(&repo.base(), &["remove", "PROJ-9", "--all"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("web") && text.contains("kept:"), "{text}");
    assert!(!lane_dir(&services, "api", "PROJ-9").exists());
    assert!(!lane_dir(&services, "worker", "PROJ-9").exists());
    assert_eq!(
        std::fs::read_to_string(lane_dir(&services, "web", "PROJ-9").join("README.md")).unwrap(),
        "unsaved work\n"
    );
}

#[test]
fn check_all_compares_lanes_only_within_each_repository() {
    let (repo, services) = services();
    repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all"]);
    // Same path changed in two different repositories: not an overlap.
    repo.write(
        &lane_dir(&services, "api", "PROJ-9"),
        "README.md",
        "api change\n",
    );
    repo.write(
        &lane_dir(&services, "web", "PROJ-9"),
        "README.md",
        "web change\n",
    );
    let out = repo.lanes_in(&repo.base(), &["check", "--all", "--json", "--exit-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for repo_report in report.as_array().unwrap() {
        assert_eq!(repo_report["ok"], Value::Array(vec![]), "{repo_report}");
    }
}

#[test]
fn repositories_cannot_be_configured_in_a_repository_lanes_toml() {
    let repo = TestRepo::new();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "[[repos]]\npath = \"/elsewhere\"\n",
    );
    let out = repo.lanes(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("belong in your user config"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refusal_in_one_repository_keeps_its_exit_code_across_repositories() {
    let (repo, services) = services();
    // web asks for setup commands nobody approved: a refusal (3), not a plain failure.
    repo.commit(
        &services.join("web"),
        "lanes.toml",
        "setup = [\"touch ran\"]\n",
        "setup",
    );
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-9", "--all"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("web: refusing to run"), "{err}");
    assert!(err.contains("rolled back the new lanes in: api"), "{err}");
    assert!(err.contains("hint: review and approve"), "{err}");
    assert!(!lane_dir(&services, "api", "PROJ-9").exists());
}

#[test]
fn remove_all_json_reports_a_refusal_with_its_kind_exit_code_and_hints_apart() {
    let (repo, _) = lanes_with_work_in_web();
    let out = repo.lanes_in(&repo.base(), &["remove", "PROJ-9", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let web = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "web")
        .unwrap();
    assert_eq!(web["kind"], "refused", "{web}");
    assert_eq!(web["exit_code"], 3);
    assert!(!web["hints"].as_array().unwrap().is_empty(), "{web}");
    assert!(!web["error"].as_str().unwrap().contains("hint:"), "{web}");
    let api = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "api")
        .unwrap();
    assert!(
        api["ok"]["path"].is_string() && api.get("kind").is_none(),
        "{api}"
    );
}
