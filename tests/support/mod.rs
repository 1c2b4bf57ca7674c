//! Test fixtures shared by the end-to-end suites: real repositories in temp dirs, built and checked
//! with the git CLI, and the real `lanes` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub mod github;
pub mod http;
pub mod lsp;

/// The `lanes` binary under test.
pub fn lanes_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lanes"))
}

/// A repository `project` cloned from a local bare remote `remote.git`, with `main` pushed and
/// `origin/HEAD` set — what a user's clone of a hosted repository looks like.
pub struct TestRepo {
    pub root: TempDir,
    /// The primary checkout.
    pub dir: PathBuf,
    /// The bare remote.
    pub remote: PathBuf,
}

impl TestRepo {
    /// A repository ([`TestRepo::new`]) with a lane started for each of `tickets`.
    pub fn started(tickets: &[&str]) -> TestRepo {
        let repo = TestRepo::new();
        for t in tickets {
            repo.lanes_ok(&["start", t]);
        }
        repo
    }

    /// A repository with a remote and two files on `main`.
    pub fn new() -> TestRepo {
        let repo = TestRepo::without_remote();
        let remote = repo.root.path().join("remote.git");
        repo.git_in(
            repo.root.path(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        repo.git(&["push", "-q", "-u", "origin", "main"]);
        repo.git(&["remote", "set-head", "origin", "main"]);
        TestRepo { remote, ..repo }
    }

    /// A repository with no remote, on `main`, with two files.
    pub fn without_remote() -> TestRepo {
        let root = tempfile::Builder::new()
            .prefix("lanes-test")
            .tempdir()
            .unwrap();
        // Canonical, so paths compare equal with what lanes prints (macOS /private/tmp and such).
        let base = root.path().canonicalize().unwrap();
        std::fs::write(
            base.join("gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        let dir = base.join("project");
        std::fs::create_dir(&dir).unwrap();
        let repo = TestRepo {
            root,
            dir,
            remote: PathBuf::new(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write(&repo.dir, "README.md", "# project\n");
        repo.write(&repo.dir, "src/app.txt", &numbered_lines(20));
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "initial"]);
        repo
    }

    /// The temp directory everything lives in (canonical).
    pub fn base(&self) -> PathBuf {
        self.root.path().canonicalize().unwrap()
    }

    /// Points `origin` at `https://github.com/<full>.git`, reached through a `url.<base>.insteadOf`
    /// rewrite to the local bare remote in the user's git config: what a user's clone of a GitHub
    /// repository looks like, with the network replaced by a directory.
    pub fn on_github(&self, full: &str) {
        let url = format!("https://github.com/{full}.git");
        self.git(&["remote", "set-url", "origin", &url]);
        self.rewrite_url(&url, &self.remote);
    }

    /// Adds `url.<to>.insteadOf = <from>` to the user's git config of this fixture.
    pub fn rewrite_url(&self, from: &str, to: &Path) {
        let config = self.base().join("gitconfig");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "[url \"{}\"]\n\tinsteadOf = {from}\n",
            to.display()
        ));
        std::fs::write(config, text).unwrap();
    }

    /// Pushes a commit changing `file` on top of `base` (a ref of the remote) as the head of pull
    /// request `number` (`refs/pull/N/head` on the bare remote); returns the commit id.
    pub fn push_pull_request(&self, number: u64, base: &str, file: &str, text: &str) -> String {
        let work = self.base().join(format!("author-{number}"));
        if !work.exists() {
            self.git_in(
                &self.base(),
                &[
                    "clone",
                    "-q",
                    self.remote.to_str().unwrap(),
                    work.to_str().unwrap(),
                ],
            );
        }
        self.git_in(&work, &["fetch", "-q", "origin", base]);
        self.git_in(
            &work,
            &["checkout", "-q", "--force", "--detach", "FETCH_HEAD"],
        );
        self.commit(&work, file, text, &format!("PR {number}: {text}"));
        self.git_in(
            &work,
            &[
                "push",
                "-q",
                "--force",
                "origin",
                &format!("HEAD:refs/pull/{number}/head"),
            ],
        );
        self.git_in(&work, &["rev-parse", "HEAD"])
            .trim()
            .to_string()
    }

    /// Commits `src/app.txt` (20 numbered lines) in lane `ticket` with lines `at` replaced by
    /// `tag N`, with the message `tag`.
    pub fn commit_lines(&self, ticket: &str, at: &[usize], tag: &str) {
        self.commit(
            &self.lane_dir(ticket),
            "src/app.txt",
            &edited_lines(20, at, tag),
            tag,
        );
    }

    /// Where the default template puts the lane of `ticket`.
    pub fn lane_dir(&self, ticket: &str) -> PathBuf {
        self.base().join(format!("project-{ticket}"))
    }

    /// Environment isolating git and lanes from the machine's user configuration.
    fn isolate(&self, cmd: &mut Command) {
        let base = self.base();
        cmd.env("GIT_CONFIG_GLOBAL", base.join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &base)
            .env("XDG_CONFIG_HOME", base.join("xdg"))
            .env_remove("LANES_CONFIG")
            .env_remove("XDG_STATE_HOME")
            .env_remove("LANES_LOG")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
    }

    /// Runs git in `dir`; panics with git's message when it fails.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        self.isolate(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs git in the primary checkout.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.dir, args)
    }

    /// The `lanes` binary, isolated, started in the primary checkout.
    pub fn lanes_cmd(&self) -> Command {
        let mut cmd = Command::new(lanes_bin());
        cmd.current_dir(&self.dir);
        self.isolate(&mut cmd);
        cmd
    }

    /// `shell -c script` in the primary checkout, isolated like lanes, with the `lanes` under
    /// test first on PATH.
    pub fn shell_cmd(&self, shell: &str, script: &str) -> Command {
        let bin_dir = lanes_bin().parent().unwrap().to_path_buf();
        let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let mut cmd = Command::new(shell);
        cmd.arg("-c")
            .arg(script)
            .current_dir(&self.dir)
            .env("PATH", path);
        self.isolate(&mut cmd);
        cmd
    }

    /// A language server started in the primary checkout.
    pub fn lsp(&self) -> lsp::LspClient {
        lsp::LspClient::spawn(self.lanes_cmd())
    }

    /// Runs `lanes args…` in `dir`.
    pub fn lanes_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.lanes_cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs `lanes args…` in the primary checkout with failpoints armed (`LANES_FAILPOINTS`).
    pub fn lanes_with_failpoint(&self, point: &str, args: &[&str]) -> Output {
        self.lanes_with_failpoint_in(&self.dir, point, "", args)
    }

    /// Runs `lanes args…` in `dir` with failpoints armed and, for a `run` point, `command` the
    /// shell command it runs (`LANES_FAILPOINT_CMD`; empty is the same as unset).
    pub fn lanes_with_failpoint_in(
        &self,
        dir: &Path,
        point: &str,
        command: &str,
        args: &[&str],
    ) -> Output {
        self.lanes_cmd()
            .current_dir(dir)
            .env("LANES_FAILPOINTS", point)
            .env("LANES_FAILPOINT_CMD", command)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs `lanes args…` in the primary checkout.
    pub fn lanes(&self, args: &[&str]) -> Output {
        self.lanes_in(&self.dir, args)
    }

    /// Runs `lanes args…` and insists that it succeeds; returns stdout.
    pub fn lanes_ok(&self, args: &[&str]) -> String {
        let out = self.lanes(args);
        assert!(
            out.status.success(),
            "lanes {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `lanes args… --json` and parses stdout.
    pub fn lanes_json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.lanes_ok(&args)).unwrap()
    }

    /// Writes a file (creating directories).
    pub fn write(&self, dir: &Path, file: &str, content: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Writes, stages and commits a file in `dir`.
    pub fn commit(&self, dir: &Path, file: &str, content: &str, message: &str) {
        self.write(dir, file, content);
        self.git_in(dir, &["add", file]);
        self.git_in(dir, &["commit", "-q", "-m", message]);
    }

    /// `git worktree list --porcelain` of the repository.
    pub fn worktrees(&self) -> String {
        self.git(&["worktree", "list", "--porcelain"])
    }

    /// Number of worktrees, the primary included.
    pub fn worktree_count(&self) -> usize {
        self.worktrees()
            .lines()
            .filter(|l| l.starts_with("worktree "))
            .count()
    }

    /// Local branch names.
    pub fn branches(&self) -> Vec<String> {
        self.git(&["branch", "--format=%(refname:short)"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Commit id of a revision.
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// A snapshot of everything `lanes` could change: worktrees, branches, lane records.
    pub fn snapshot(&self) -> String {
        let records = std::fs::read_dir(self.dir.join(".git/lanes"))
            .map(|d| {
                let mut names: Vec<String> = d
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".json"))
                    .collect();
                names.sort();
                names.join(",")
            })
            .unwrap_or_default();
        format!(
            "{}\n{}\n{records}",
            self.worktrees(),
            self.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
        )
    }
}

/// "line 1\n…line n\n".
pub fn numbered_lines(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

/// `numbered_lines(n)` with lines `at` replaced by `text`.
pub fn edited_lines(n: usize, at: &[usize], text: &str) -> String {
    (1..=n)
        .map(|i| {
            if at.contains(&i) {
                format!("{text} {i}\n")
            } else {
                format!("line {i}\n")
            }
        })
        .collect()
}

/// The lane of `ticket` in the JSON of `lanes list`.
pub fn lane<'a>(list: &'a serde_json::Value, ticket: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == ticket)
        .unwrap_or_else(|| panic!("no lane {ticket} in {list}"))
}

/// The text of the file at `path`; empty when it cannot be read (e.g. it is not there).
pub fn read_or_empty(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fixtures on the fake GitHub (here rather than in `github.rs`, which the benchmarks share
/// without `TestRepo`).
impl github::FakeGitHub {
    /// A clone of `full` on this GitHub (visible to the token), with a user config holding
    /// `settings` and `[github] host = "github.com"` (the fake's own host differs).
    pub fn clone_of(&self, full: &str, settings: &str) -> TestRepo {
        let repo = TestRepo::new();
        repo.on_github(full);
        self.add_repo(full);
        self.configure(&repo, settings);
        repo
    }

    /// (Re)writes the user config of `repo` with `settings` and the GitHub host.
    pub fn configure(&self, repo: &TestRepo, settings: &str) {
        repo.write(
            &repo.base(),
            "xdg/lanes/config.toml",
            &format!("{settings}\n[github]\nhost = \"github.com\"\n"),
        );
    }
}

/// A clone of octo/widgets configured with `settings`, whose lane A-1 commits line 5 of
/// src/app.txt, and alice's open pull request #42 (not a lane here) changing the same line.
pub fn lane_and_teammates_pull(settings: &str) -> (github::FakeGitHub, TestRepo) {
    let gh = github::FakeGitHub::start();
    let repo = gh.clone_of("octo/widgets", settings);
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit_lines("A-1", &[5], "mine");
    repo.push_pull_request(
        42,
        "refs/heads/main",
        "src/app.txt",
        &edited_lines(20, &[5], "alice"),
    );
    gh.add_pull(github::FakePull {
        author: "alice".into(),
        ..github::FakePull::new("octo/widgets", 42, "Alice's fix", "alice-fix")
    });
    (gh, repo)
}

/// A repository whose `main` has the submodule `lib`, and lane S-1 with it checked out.
pub fn lane_with_a_submodule() -> TestRepo {
    let repo = TestRepo::new();
    let lib = repo.base().join("lib.git");
    repo.git_in(
        &repo.base(),
        &["init", "-q", "--bare", "-b", "main", "lib.git"],
    );
    let seed = repo.base().join("lib-seed");
    repo.git_in(
        &repo.base(),
        &["clone", "-q", lib.to_str().unwrap(), "lib-seed"],
    );
    repo.commit(&seed, "lib.txt", "lib\n", "lib");
    repo.git_in(&seed, &["push", "-q", "origin", "HEAD:main"]);
    let allow = ["-c", "protocol.file.allow=always"];
    repo.git(&[
        allow[0],
        allow[1],
        "submodule",
        "add",
        "-q",
        lib.to_str().unwrap(),
        "lib",
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.lanes_ok(&["start", "S-1"]);
    let lane = repo.lane_dir("S-1");
    repo.git_in(
        &lane,
        &[allow[0], allow[1], "submodule", "update", "-q", "--init"],
    );
    repo
}
