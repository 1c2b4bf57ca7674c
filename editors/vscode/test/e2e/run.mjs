// End-to-end tests of the extension in a real VS Code (code-server), driven by headless Chromium
// through playwright-core. Run by test/e2e/run.sh, which installs what is needed.
// Env: LANES_BIN, CODE_SERVER (entry.js), NODE24 (node binary for code-server), VSIX, ARTIFACTS.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const LANES_BIN = env('LANES_BIN');
const ARTIFACTS = env('ARTIFACTS');
fs.mkdirSync(ARTIFACTS, { recursive: true });

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lanes-vscode-')));
const home = path.join(scratch, 'home');
fs.mkdirSync(home);
const gitconfig = path.join(scratch, 'gitconfig');
fs.writeFileSync(gitconfig, '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n');
const childEnv = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
  XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
  XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
  GIT_CONFIG_GLOBAL: gitconfig,
  GIT_CONFIG_NOSYSTEM: '1',
};
// The token comes from a `gh` on PATH (`gh auth token`), as for a user who signed in with the
// GitHub CLI: code-server keeps GITHUB_TOKEN for itself and does not pass it to extensions.
const TOKEN = 'ghp_e2eFakeToken';
delete childEnv.GITHUB_TOKEN;
delete childEnv.GH_TOKEN;
const bin = path.join(scratch, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, 'gh'), `#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo ${TOKEN}\n`, { mode: 0o755 });
childEnv.PATH = `${bin}:${process.env.PATH}`;
// VS Code takes the extension host's PATH from a login shell, so put `gh` where a user's profile would.
fs.writeFileSync(path.join(home, '.profile'), `export PATH="${bin}:$PATH"\n`);

const git = (cwd, ...args) => execFileSync('git', args, { cwd, env: childEnv, encoding: 'utf8' });
const lanes = (cwd, ...args) => execFileSync(LANES_BIN, args, { cwd, env: childEnv, encoding: 'utf8' });
const lines = (edited = {}) => Array.from({ length: 20 }, (_, i) => edited[i + 1] ?? `line ${i + 1}`).join('\n') + '\n';

// A repository with lanes A-1 and B-1; A-1 and B-1 both change line 5 (uncommitted).
const repo = path.join(scratch, 'project');
fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
git(repo, 'init', '-q', '-b', 'main');
fs.writeFileSync(path.join(repo, 'README.md'), '# project\n');
fs.writeFileSync(path.join(repo, 'src/app.txt'), lines());
git(repo, 'add', '.');
git(repo, 'commit', '-q', '-m', 'initial');

// "GitHub": origin keeps its real URL and reaches a local bare repository through
// url.<base>.insteadOf, as a user's git config would; pull request 7's head is refs/pull/7/head.
const bare = path.join(scratch, 'widgets.git');
git(scratch, 'init', '-q', '--bare', '-b', 'main', bare);
fs.appendFileSync(gitconfig, `[url "${bare}"]\n\tinsteadOf = https://github.com/octo/widgets.git\n`);
git(repo, 'remote', 'add', 'origin', 'https://github.com/octo/widgets.git');
git(repo, 'push', '-q', '-u', 'origin', 'main');
git(repo, 'remote', 'set-head', 'origin', 'main');
const author = path.join(scratch, 'author');
git(scratch, 'clone', '-q', bare, author);
fs.writeFileSync(path.join(author, 'login.txt'), 'fixed\n');
git(author, 'add', '.');
git(author, 'commit', '-q', '-m', 'Fix login');
git(author, 'push', '-q', 'origin', 'HEAD:refs/pull/7/head');

// The fake GitHub REST API: the searches, the pull request and issue 5, with GitHub's shapes.
const issue = (base) => ({
  url: `${base}/repos/octo/widgets/issues/5`, repository_url: `${base}/repos/octo/widgets`,
  html_url: 'https://github.com/octo/widgets/issues/5', number: 5, title: 'Add export',
  body: 'Export the report as CSV.', state: 'open', user: { login: 'someone' }, assignee: { login: 'me' }, labels: [],
});
const gitHubLog = [];
const posted = [];
const fakeGitHub = http.createServer(async (req, res) => {
  gitHubLog.push(`${req.method} ${req.url}`);
  const url = new URL(req.url, 'http://127.0.0.1');
  const base = `http://127.0.0.1:${fakeGitHub.address().port}`;
  const pull = { number: 7, title: 'PROJ-12: fix login', state: 'open', draft: false };
  let status = 200;
  let body;
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    status = 401;
    body = { message: 'Bad credentials' };
  } else if (url.pathname === '/search/issues') {
    const q = url.searchParams.get('q') ?? '';
    const items = q.includes('repo:octo/widgets') && q.includes('author:@me')
      ? [{ ...pull, repository_url: `${base}/repos/octo/widgets`, pull_request: { url: `${base}/repos/octo/widgets/pulls/7` }, user: { login: 'me' } }]
      : q.includes('is:issue') && q.includes('assignee:@me')
        ? [issue(base)]
        : [];
    body = { total_count: items.length, incomplete_results: false, items };
  } else if (url.pathname === '/repos/octo/widgets/pulls' && req.method === 'GET') {
    body = [];
  } else if (url.pathname === '/repos/octo/widgets/pulls' && req.method === 'POST') {
    const asked = JSON.parse(await new Promise((resolve) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => resolve(text));
    }));
    posted.push(asked);
    status = 201;
    body = {
      number: 8, title: asked.title, state: 'open', draft: asked.draft, body: asked.body,
      html_url: 'https://github.com/octo/widgets/pull/8',
      head: { ref: asked.head, repo: { full_name: 'octo/widgets' } }, base: { ref: asked.base },
    };
  } else if (url.pathname === '/repos/octo/widgets/issues/5') {
    body = issue(base);
  } else if (url.pathname === '/repos/octo/widgets/pulls/7') {
    body = { ...pull, merged: false, head: { ref: 'fix/login', repo: { full_name: 'octo/widgets' } }, base: { ref: 'main' } };
  } else {
    status = 404;
    body = { message: 'Not Found' };
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});
await new Promise((resolve) => fakeGitHub.listen(0, '127.0.0.1', resolve));
childEnv.GITHUB_API_URL = `http://127.0.0.1:${fakeGitHub.address().port}`;
fs.mkdirSync(path.join(childEnv.XDG_CONFIG_HOME, 'lanes'), { recursive: true });
const userConfig = path.join(childEnv.XDG_CONFIG_HOME, 'lanes', 'config.toml');
fs.writeFileSync(userConfig, '[github]\nhost = "github.com"\n');
lanes(repo, 'start', 'A-1');
lanes(repo, 'start', 'B-1');
// C-1 was squash-merged into main (GitHub's default): its work is on origin/main.
lanes(repo, 'start', 'C-1');
const laneC = path.join(scratch, 'project-C-1');
fs.writeFileSync(path.join(laneC, 'c.txt'), 'from C-1\n');
git(laneC, 'add', 'c.txt');
git(laneC, 'commit', '-q', '-m', 'C-1 work');
git(repo, 'merge', '-q', '--squash', 'feature/C-1');
git(repo, 'commit', '-q', '-m', 'C-1 (squashed)');
git(repo, 'push', '-q', 'origin', 'main');
const laneA = path.join(scratch, 'project-A-1');
const laneB = path.join(scratch, 'project-B-1');
fs.writeFileSync(path.join(laneA, 'src/app.txt'), lines({ 5: 'changed by A' }));
fs.writeFileSync(path.join(laneB, 'src/app.txt'), lines({ 5: 'changed by B' }));
// B-1 has a commit of its own to open a pull request with.
fs.writeFileSync(path.join(laneB, 'notes.txt'), 'B-1 notes\n');
git(laneB, 'add', 'notes.txt');
git(laneB, 'commit', '-q', '-m', 'Write the notes');

// code-server with the packaged extension installed, in a fresh user-data dir.
const user = path.join(scratch, 'user');
const extensions = path.join(scratch, 'ext');
fs.mkdirSync(path.join(user, 'User'), { recursive: true });
fs.writeFileSync(
  path.join(user, 'User', 'settings.json'),
  JSON.stringify({
    'lanes.server.path': LANES_BIN,
    'lanes.switch.openIn': 'currentWindow',
    // The agent an agent terminal runs: here, one that leaves its lane's ticket in a file.
    'lanes.agent.command': `echo "$LANES_TICKET" > ${path.join(scratch, 'agent-ran')}`,
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'workbench.tips.enabled': false,
    'extensions.ignoreRecommendations': true,
  }),
);
const codeServer = [env('CODE_SERVER')];
execFileSync(env('NODE24'), [...codeServer, '--user-data-dir', user, '--extensions-dir', extensions, '--install-extension', env('VSIX')], { env: childEnv, stdio: 'inherit' });
const port = 20000 + (process.pid % 20000);
const server = spawn(
  env('NODE24'),
  [...codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened', '--reconnection-grace-time', '5', '--user-data-dir', user, '--extensions-dir', extensions, laneB],
  { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
);
let serverLog = '';
server.stdout.on('data', (d) => (serverLog += d));
server.stderr.on('data', (d) => (serverLog += d));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(30000);

async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await page.waitForTimeout(100);
  }
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

async function quickOpen(name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor();
  await input.press('Enter');
}

/** Waits for a notification with `text`: a toast, or — toasts hide after a while, and a slow
 *  machine may look late — the notification center. */
async function notified(text, ms = 30000) {
  try {
    await page.locator('.notifications-toasts', { hasText: text }).first().waitFor({ timeout: ms });
  } catch (error) {
    await runCommand('Notifications: Show Notifications');
    const center = page.locator('.notifications-center', { hasText: text }).first();
    if (!(await center.isVisible().catch(() => false))) {
      const all = await page.locator('.notifications-center').innerText().catch(() => '');
      throw new Error(`${error.message}; the notifications: ${all}`);
    }
    await runCommand('Notifications: Hide Notifications');
  }
}

/** Puts the cursor of the active editor on `line` (Go to Line). */
async function goToLine(line) {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const goTo = page.locator('.quick-input-widget input');
  await until('the go-to-line box', async () => ((await goTo.inputValue().catch(() => '')) ?? '').startsWith(':'));
  await goTo.fill(`:${line}`);
  await goTo.press('Enter');
}

const results = [];
async function scenario(name, body) {
  try {
    await body();
    results.push([name, null]);
    console.log(`PASS ${name}`);
  } catch (error) {
    results.push([name, error]);
    console.log(`FAIL ${name}\n${error.stack}`);
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`) });
}

try {
  await until('code-server listening', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(laneB)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });

  await scenario('the status bar shows the lane', async () => {
    await page.locator('.statusbar-item', { hasText: 'B-1' }).first().waitFor({ timeout: 60000 });
  });

  await scenario('a file also changed in another lane shows the warning and the quick fix opens the other copy', async () => {
    await quickOpen('app.txt');
    await until('a warning in the Problems count', async () => {
      const label = (await page.locator('#status\\.problems').getAttribute('aria-label')) ?? '';
      return /Warnings: [1-9]/.test(label);
    });
    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'A-1' }).first().waitFor();
    // Quick fix at the warning: go to line 5, then Ctrl+. and pick "Open in lane A-1".
    await goToLine(5);
    await page.keyboard.press('Control+.');
    await page.locator('.action-widget .monaco-list-row, .context-view .action-item', { hasText: 'Open in lane A-1' }).first().click();
    await until("the other lane's copy in the editor", async () => {
      const tab = page.locator('.tabs-container .tab.active');
      const text = `${await tab.getAttribute('title').catch(() => '')} ${await tab.innerText().catch(() => '')}`;
      return text.includes('project-A-1');
    });
    // On the line the quick fix was asked on.
    await until('the cursor on line 5 of the other copy', async () =>
      (await page.locator('.statusbar-item', { hasText: /Ln \d+/ }).first().innerText().catch(() => '')).includes('Ln 5'),
    );
  });

  await scenario('Start Lane for Ticket creates the worktree', async () => {
    await runCommand('Lanes: Start Lane for Ticket…');
    // The command palette closes and the extension's input box opens: wait for the latter.
    await page.locator('.quick-input-widget', { hasText: 'Start Lane for Ticket' }).waitFor();
    await until('focus in the input box', () =>
      page.evaluate(() => document.activeElement?.closest('.quick-input-widget') != null && document.activeElement.tagName === 'INPUT'),
    );
    await page.keyboard.type('NEW-7');
    await until('the key in the input box', () => page.evaluate(() => document.activeElement?.value === 'NEW-7'));
    await page.keyboard.press('Enter');
    await until('the worktree on disk', async () => git(repo, 'worktree', 'list', '--porcelain').includes('branch refs/heads/feature/NEW-7'), 60000);
    await notified('NEW-7');
  });

  await scenario('Sync Pull Requests against the fake GitHub creates the PR lanes', async () => {
    await runCommand('Notifications: Clear All Notifications');
    await runCommand('Lanes: Sync Pull Requests');
    let toasts = '';
    try {
      await until('the pull request lane on disk', async () => {
        toasts = (await page.locator('.notifications-toasts').innerText().catch(() => '')) || toasts;
        return git(repo, 'worktree', 'list', '--porcelain').includes('branch refs/heads/pr/7-fix-login');
      }, 60000);
    } catch (error) {
      throw new Error(`${error.message}; notifications: ${toasts}; GitHub saw: ${gitHubLog.join(', ')}`);
    }
    await notified('Pull requests synced: 1 created');
    if (!fs.existsSync(path.join(scratch, 'project-PROJ-12', 'login.txt'))) throw new Error("the lane lacks the pull request's file");
  });

  await scenario('Check Lanes lists the conflicting pair and opens this lane\'s copy at its line', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Lanes: Check Lanes');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'conflict at line 5' }).first();
    await row.waitFor({ timeout: 60000 });
    const text = await row.innerText();
    if (!text.includes('src/app.txt') || !text.includes('A-1') || !text.includes('B-1')) throw new Error(`the pick: ${text}`);
    await page.keyboard.press('Enter');
    await until("this lane's copy in the editor at line 5", async () => {
      // A file of this window's folder has breadcrumbs relative to it ("src › app.txt"); another
      // lane's copy would show its absolute path.
      const crumbs = await page.locator('.breadcrumbs-control').first().innerText().catch(() => '');
      const status = await page.locator('.statusbar-item', { hasText: /Ln \d+/ }).first().innerText().catch(() => '');
      return crumbs.includes('app.txt') && !crumbs.includes('project-') && status.includes('Ln 5');
    });
  });

  await scenario('Open Pull Request pushes the lane and opens its pull request on GitHub', async () => {
    await runCommand('Notifications: Clear All Notifications');
    await runCommand('Lanes: Open Pull Request');
    await notified('Opened pull request #8', 60000);
    if (posted.length !== 1 || posted[0].title !== 'B-1: Write the notes' || posted[0].head !== 'feature/B-1') {
      throw new Error(`GitHub was asked: ${JSON.stringify(posted)}`);
    }
    if (!git(bare, 'branch', '--list', 'feature/B-1').includes('feature/B-1')) throw new Error('the branch was not pushed');
  });

  await scenario('Prune Merged Lanes asks, then removes the squash-merged lane and keeps the rest', async () => {
    await runCommand('Notifications: Clear All Notifications');
    await runCommand('Lanes: Prune Merged Lanes…');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Remove the merged lanes C-1?' });
    await dialog.waitFor({ timeout: 60000 });
    await dialog.locator('.monaco-button', { hasText: 'Remove' }).first().click();
    await until('the merged lane gone from disk', async () => !fs.existsSync(laneC), 60000);
    await notified('Removed C-1');
    if (!fs.existsSync(laneA) || !fs.existsSync(laneB)) throw new Error('an unmerged lane was removed');
  });

  // The view's row whose label is exactly `label` (descriptions name other lanes too).
  const sidebarRow = (label) => page.locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  /** In the quick pick asking `placeholder`, filters for `text` and takes the row it focuses. */
  const choose = async (placeholder, text) => {
    const input = page.locator('.quick-input-widget input').first();
    await until(`the pick "${placeholder}"`, async () => ((await input.getAttribute('placeholder').catch(() => '')) ?? '').includes(placeholder));
    await input.fill(text);
    await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: text }).first().waitFor();
    await input.press('Enter');
  };
  const rowText = async (text) => (await sidebarRow(text).innerText().catch(() => '')).replace(/\s+/g, ' ');

  await scenario('the Lanes view lists every lane with its state and a badge, and a lane\'s files with their verdicts', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Lanes: Focus on Lanes View');
    await until('A-1 with its branch, dirty count and conflict', async () => {
      const text = await rowText('A-1');
      return text.includes('feature/A-1') && text.includes('1●') && text.includes('conflicts with B-1');
    });
    await until('B-1 marked as this window\'s lane', async () => (await rowText('B-1')).includes('this window'));
    await until('the badge of the two conflicting lanes', async () =>
      (await page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="Lanes"]') }).locator('.badge-content').innerText().catch(() => '')) === '2',
    );
    await sidebarRow('B-1').click();
    await until('B-1\'s changed file with its verdict', async () => {
      const text = await rowText('app.txt');
      return text.includes('src') && text.includes('conflicts with A-1 at line 5');
    });
    await sidebarRow('app.txt').click();
    await until('the file open at its conflicting line', async () => {
      const crumbs = await page.locator('.breadcrumbs-control').first().innerText().catch(() => '');
      const status = await page.locator('.statusbar-item', { hasText: /Ln \d+/ }).first().innerText().catch(() => '');
      return crumbs.includes('app.txt') && status.includes('Ln 5');
    });
  });

  await scenario('the Lanes view follows a change on disk in another lane, without polling', async () => {
    fs.writeFileSync(path.join(laneA, 'extra.txt'), 'new\n');
    await until('A-1 with two changed files', async () => (await rowText('A-1')).includes('2●'));
  });

  await scenario('a lane\'s context menu opens an agent terminal running the agent command in that lane', async () => {
    await sidebarRow('A-1').click({ button: 'right' });
    // VS Code's menus act on Enter at the item the pointer is on.
    await page.locator('.context-view .action-label', { hasText: 'Open Agent Terminal' }).first().hover();
    await page.keyboard.press('Enter');
    const mark = path.join(scratch, 'agent-ran');
    await until('the agent command run with A-1\'s variables', async () => fs.existsSync(mark) && fs.readFileSync(mark, 'utf8').trim() === 'A-1', 60000);
  });

  await scenario('My Tickets lists the provider\'s issues and Enter starts a lane for one', async () => {
    fs.writeFileSync(userConfig, 'provider = "github"\n[github]\nhost = "github.com"\n');
    await runCommand('Notifications: Clear All Notifications');
    await runCommand('Lanes: My Tickets…');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Add export' }).first();
    await row.waitFor({ timeout: 60000 });
    const text = await row.innerText();
    if (!text.includes('#5') || !text.includes('Enter starts a lane')) throw new Error(`the pick: ${text}`);
    await page.keyboard.press('Enter');
    await until('the issue\'s lane on disk', async () => git(repo, 'worktree', 'list', '--porcelain').includes('project-gh-5'), 60000);
    await notified('gh-5');
  });

  await scenario('Move Change to Lane moves the change under the cursor to the lane picked', async () => {
    await runCommand('View: Close All Editors');
    // This window's copy, by its absolute path (A-1's copy was opened before).
    await quickOpen(path.join(laneB, 'src', 'app.txt'));
    await until("B-1's copy in the editor", async () => {
      const crumbs = await page.locator('.breadcrumbs-control').first().innerText().catch(() => '');
      return crumbs.includes('app.txt') && !crumbs.includes('project-');
    });
    await goToLine(5);
    await runCommand('Lanes: Move Change to Lane…');
    await choose('Move the change to lane', 'NEW-7');
    await choose('Move what to lane NEW-7?', 'The change at line 5');
    const newLane = path.join(scratch, 'project-NEW-7');
    await until('the change in NEW-7 and gone from B-1', async () =>
      fs.readFileSync(path.join(newLane, 'src/app.txt'), 'utf8').includes('changed by B')
        && !fs.readFileSync(path.join(laneB, 'src/app.txt'), 'utf8').includes('changed by B'), 60000);
    await notified('to lane NEW-7');
  });

  await scenario('Untangle moves the hunks picked to the lane picked', async () => {
    await runCommand('View: Close All Editors');
    fs.writeFileSync(path.join(laneB, 'README.md'), '# project\nbelongs to NEW-7\n');
    await runCommand('Lanes: Untangle…');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'README.md' }).first();
    await row.waitFor({ timeout: 60000 });
    await row.locator('input[type="checkbox"], .quick-input-list-checkbox, .monaco-checkbox').first().click();
    await page.locator('.quick-input-widget input').first().press('Enter');
    await choose('Move 1 hunk(s) to lane', 'NEW-7');
    const newLane = path.join(scratch, 'project-NEW-7');
    await until('the hunk in NEW-7 and gone from B-1', async () =>
      fs.readFileSync(path.join(newLane, 'README.md'), 'utf8').includes('belongs to NEW-7')
        && !fs.readFileSync(path.join(laneB, 'README.md'), 'utf8').includes('belongs to NEW-7'), 60000);
  });

  await scenario('Remove on a lane of the view asks, then removes it and the view drops it', async () => {
    await runCommand('Lanes: Focus on Lanes View');
    await sidebarRow('PROJ-12').click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Remove' }).first().hover();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Remove lane PROJ-12?' });
    await dialog.waitFor();
    await dialog.locator('.monaco-button', { hasText: 'Remove' }).first().click();
    const lane = path.join(scratch, 'project-PROJ-12');
    await until('the lane gone from disk', async () => !fs.existsSync(lane), 60000);
    await until('the lane gone from the view', async () => (await sidebarRow('PROJ-12').count()) === 0);
  });

  await scenario('the Getting Started walkthrough shows its steps', async () => {
    await runCommand('Welcome: Open Walkthrough...');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .monaco-list-row').first().waitFor();
    await input.fill('Get Started with Lanes');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get Started with Lanes' }).first().waitFor();
    await input.press('Enter');
    for (const step of ['Install the lanes binary', 'Sign in to GitHub', 'Start your first lane', 'See every lane at a glance']) {
      await page.locator('.gettingStartedContainer, .editor-container', { hasText: step }).first().waitFor();
    }
    await runCommand('View: Close All Editors');
  });

  await scenario('a new lanes.server.path restarts the server without a window reload', async () => {
    // A wrapper that leaves a mark when it starts, then is lanes.
    const wrapper = path.join(scratch, 'bin', 'lanes-wrapper');
    const mark = path.join(scratch, 'wrapper-started');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho started >> "${mark}"\nexec "${LANES_BIN}" "$@"\n`, { mode: 0o755 });
    // As a user does it: the Settings editor.
    await runCommand('Preferences: Open User Settings');
    // The search box has the focus when the Settings editor opens.
    await page.locator('.settings-editor .settings-header').first().waitFor();
    await until('focus in the settings search', () =>
      page.evaluate(() => document.activeElement?.closest('.settings-header') != null),
    );
    await page.keyboard.type('lanes.server.path');
    const input = page.locator('.settings-editor .setting-item-contents', { hasText: 'Path of the' }).locator('input').first();
    await input.waitFor();
    await input.fill(wrapper);
    await input.press('Tab');
    await until('the server started through the new path', async () => fs.existsSync(mark), 60000);
    await page.locator('.statusbar-item', { hasText: 'B-1' }).first().waitFor({ timeout: 60000 });
    // Out of the settings editor (its inputs keep F1 to themselves).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+E');
    await runCommand('Lanes: Show Lanes Log');
    await page.locator('.output-view, .panel', { hasText: `Starting ${wrapper} lsp` }).first().waitFor();
  });
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fakeGitHub.close();
  fs.writeFileSync(path.join(ARTIFACTS, 'fake-github.log'), gitHubLog.join('\n') + '\n');
  fs.writeFileSync(path.join(ARTIFACTS, 'code-server.log'), serverLog);
}

const failed = results.filter(([, e]) => e).length;
console.log(`vscode: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
