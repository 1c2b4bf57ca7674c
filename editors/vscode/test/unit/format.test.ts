import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentEnvironment, checkItems, fileNode, hunkItem, isNoProvider, laneName, laneNode, ticketItems, withCargoBin, errorText, findOnPath, laneItem, pruneQuestion, pruneSummary, serverSettings, statusText, statusTooltip, syncSummary, ticketProblem } from '../../src/format';
import type { CheckReport, Lane, PrAction, PrOutcome, PrunedMerged, RepoSync } from '../../src/protocol';

const lane: Lane = {
  ticket: 'PROJ-1',
  title: 'Fix login',
  branch: 'feature/PROJ-1',
  path: '/src/p-PROJ-1',
  repo: '/src/p',
  dirty: 2,
  ahead: 1,
  behind: 0,
  pr: 42,
  base: 'origin/main',
  primary: false,
  detached: false,
  locked: false,
  missing: false,
};
const pull = (number: number, action: PrAction, reason: string | null = null): PrOutcome => ({
  number,
  action,
  reason,
  ticket: `PR-${number}`,
  branch: `pr-${number}`,
  path: null,
  draft: false,
});
const repoSync = (repo: string, rest: Partial<RepoSync> = {}): RepoSync => ({
  repo,
  path: `/src/${repo}`,
  pulls: [],
  closed: [],
  ...rest,
});

test('the status bar shows ticket, dirty count, ahead/behind and PR', () => {
  assert.equal(statusText(lane), '$(git-branch) PROJ-1 · 2● · ↑1 ↓0 · PR#42');
});

test('the primary checkout shows its branch and a clean lane omits the dirty count', () => {
  assert.equal(statusText({ ...lane, ticket: null, dirty: 0, pr: null }), '$(git-branch) feature/PROJ-1 · ↑1 ↓0');
});

test('a pull request that is not simply open shows its state', () => {
  assert.equal(statusText({ ...lane, pr_state: 'draft' }), '$(git-branch) PROJ-1 · 2● · ↑1 ↓0 · PR#42 draft');
  assert.equal(statusText({ ...lane, pr_state: 'open' }), '$(git-branch) PROJ-1 · 2● · ↑1 ↓0 · PR#42');
});

test('the tooltip has the title and the branch', () => {
  const tip = statusTooltip(lane);
  assert.match(tip, /PROJ-1: Fix login/);
  assert.match(tip, /Branch: feature\/PROJ-1/);
});

test('lane quick-pick items carry the path as detail', () => {
  const item = laneItem(lane);
  assert.equal(item.label, 'PROJ-1');
  assert.equal(item.detail, '/src/p-PROJ-1');
  assert.match(item.description, /2 changed/);
});

test('ticket keys are validated as the user types', () => {
  assert.equal(ticketProblem('PROJ-123'), undefined);
  assert.equal(ticketProblem('#42'), undefined);
  assert.equal(ticketProblem('octo/widgets#7'), undefined);
  for (const bad of ['', 'a b', '../../x', 'a/b', 'PRÖJ-1', '-rf', 'x.lock', 'A'.repeat(65)]) {
    assert.notEqual(ticketProblem(bad), undefined, bad);
  }
});

test('the binary is found on PATH', () => {
  const found = findOnPath('lanes', '/usr/bin:/home/me/.cargo/bin', (p) => p === '/home/me/.cargo/bin/lanes');
  assert.equal(found, '/home/me/.cargo/bin/lanes');
  assert.equal(findOnPath('lanes', '/usr/bin', () => false), undefined);
});

test('only settings that are set reach the server', () => {
  assert.deepEqual(serverSettings({ branch: 'lane/{ticket}', path: null, server: { path: '' } }), { branch: 'lane/{ticket}' });
});

test('the status shows how many sides this lane would conflict with', () => {
  const conflicted = { ...lane, conflicts: ['B-1', 'origin/main'] };
  assert.match(statusText(conflicted), /✗2$/);
  assert.match(statusTooltip(conflicted), /Merging would conflict with: B-1, origin\/main/);
});

test('a sync summary counts outcomes and lists what was skipped or failed', () => {
  const { text, problems } = syncSummary({
    repos: [
      repoSync('widgets', {
        pulls: [
          pull(1, 'created'),
          pull(2, 'created'),
          pull(3, 'up-to-date'),
          pull(4, 'skipped', 'PR 4: local changes, not updated'),
        ],
        closed: [{ number: 5, ticket: 'PR-5', state: 'merged', removed: true }],
      }),
      repoSync('secret', { error: 'GitHub has no repository octo/secret (404)' }),
    ],
    api: { requests: 1, not_modified: 0 },
  });
  assert.equal(text, 'Pull requests synced: 2 created · 1 up to date · 1 skipped · 1 removed');
  assert.deepEqual(problems, ['PR 4: local changes, not updated', 'secret: GitHub has no repository octo/secret (404)']);
});

test('a sync with nothing open says so', () => {
  assert.equal(syncSummary({ repos: [repoSync('w')], api: { requests: 1, not_modified: 0 } }).text, 'No open pull requests to sync');
});

test('an error shows its message and then what to do', () => {
  const error = { message: 'no GitHub token found', data: { kind: 'failed', hints: ['set GITHUB_TOKEN or run `gh auth login`'] } };
  assert.equal(errorText(error), 'no GitHub token found — set GITHUB_TOKEN or run `gh auth login`');
  assert.equal(errorText({ message: 'plain' }), 'plain');
  assert.equal(errorText('text'), 'text');
});

test('an agent terminal gets the lane variables a --exec command gets', () => {
  const env = agentEnvironment({ ...lane, port: 21234 }, '/src/p-PROJ-1/.lanes/ticket.md');
  assert.deepEqual(env, {
    LANES_PATH: '/src/p-PROJ-1',
    LANES_TICKET: 'PROJ-1',
    LANES_BRANCH: 'feature/PROJ-1',
    LANES_BASE: 'origin/main',
    LANES_PORT: '21234',
    LANES_TICKET_FILE: '/src/p-PROJ-1/.lanes/ticket.md',
  });
});

test('prune merged asks naming what goes and what stays, and nothing when nothing is merged', () => {
  const removed = (ticket: string) => ({ ticket, path: `/src/p-${ticket}`, branch: `feature/${ticket}`, branch_deleted: false, branch_tip: null, branch_kept: null, merged: true, trash: null, not_kept: [] });
  const report: PrunedMerged = {
    dry_run: true,
    removed: [removed('A-1'), removed('C-3')],
    kept: [{ ticket: 'B-2', path: '/src/p-B-2', reason: '1 uncommitted or untracked file(s)' }],
  };
  assert.equal(
    pruneQuestion(report),
    'Remove the merged lanes A-1, C-3? Their work is in the base; everything is kept in the trash. Kept: B-2 (1 uncommitted or untracked file(s)).',
  );
  assert.equal(pruneQuestion({ dry_run: true, removed: [], kept: [] }), undefined);
  assert.equal(pruneSummary({ dry_run: false, removed: [], kept: [] }), 'No merged lanes.');
  assert.equal(pruneSummary({ ...report, dry_run: false }), 'Removed A-1, C-3; kept B-2 (1 uncommitted or untracked file(s)).');
});

test('check lanes lists each pair, opening the window lane\'s copy at the first line', () => {
  const side = (name: string) => ({ name, ticket: name, branch: `feature/${name}`, path: `/src/p-${name}`, ref: null });
  const report: CheckReport = {
    files: [{
      path: 'src/app.txt', overlapping: true, conflict: true, lanes: [],
      pairs: [{ a: side('A-1'), b: side('B-1'), kind: 'conflict', lines: [{ start: 5, lines: 1 }], other_lines: [] }],
    }],
  };
  assert.deepEqual(checkItems(report, '/src/p-B-1'), [{
    label: '$(warning) src/app.txt',
    description: 'A-1 × B-1 conflict at line 5',
    file: '/src/p-B-1/src/app.txt',
    line: 5,
  }]);
});

test('the binary is looked for in cargo\'s bin directory too, after PATH', () => {
  assert.equal(withCargoBin('/usr/bin:/bin', undefined, '/home/me'), '/usr/bin:/bin:/home/me/.cargo/bin');
  assert.equal(withCargoBin('/usr/bin', '/opt/cargo/', '/home/me'), '/usr/bin:/opt/cargo/bin');
  assert.equal(withCargoBin('/home/me/.cargo/bin:/usr/bin', undefined, '/home/me'), '/home/me/.cargo/bin:/usr/bin');
});

test('a lane node shows its state first — dirty, ahead/behind, PR, conflicts — then title and branch', () => {
  const node = laneNode({ ...lane, pr_state: 'open', merged: false, conflicts: ['B-1'] }, '/src/p-PROJ-1');
  assert.equal(node.label, 'PROJ-1');
  assert.equal(node.description, 'this window · 2● · ↑1 ↓0 · PR #42 open · ✗ conflicts with B-1 · Fix login · feature/PROJ-1');
  assert.equal(node.icon, 'warning');
  assert.equal(node.warning, true);
  assert.equal(node.context, 'lane removable ticket');
  assert.ok(!node.tooltip.includes('Click to switch'));
});

test('a merged lane and the primary checkout get their own icons and no Remove', () => {
  assert.equal(laneNode({ ...lane, merged: true, conflicts: [] }, undefined).icon, 'git-merge');
  const primary = laneNode({ ...lane, ticket: null, title: null, primary: true, branch: 'main', pr: null, dirty: 0 }, undefined);
  assert.equal(primary.label, '(primary checkout)');
  assert.equal(primary.icon, 'home');
  assert.equal(primary.context, 'lane primary');
  assert.equal(primary.description, 'main');
});

test('the server is asked for a lane by ticket, else branch, else directory', () => {
  assert.equal(laneName(lane), 'PROJ-1');
  assert.equal(laneName({ ...lane, ticket: null }), 'feature/PROJ-1');
  assert.equal(laneName({ ...lane, ticket: null, branch: null }), '/src/p-PROJ-1');
});

test('a changed file node names who else changes it and opens at the first conflicting line', () => {
  const me = { name: 'PROJ-1', ticket: 'PROJ-1', branch: 'feature/PROJ-1', path: '/src/p-PROJ-1', ref: null };
  const b = { name: 'B-1', ticket: 'B-1', branch: 'feature/B-1', path: '/src/p-B-1', ref: null };
  const base = { name: 'origin/main', ticket: null, branch: null, path: null, ref: 'origin/main' };
  const node = fileNode({
    path: 'src/app.txt',
    uncommitted: true,
    pairs: [
      { a: b, b: me, kind: 'conflict', lines: [{ start: 9, lines: 1 }], other_lines: [{ start: 5, lines: 2 }] },
      { a: me, b: base, kind: 'shared', lines: [], other_lines: [] },
    ],
  }, '/src/p-PROJ-1');
  assert.equal(node.label, 'app.txt');
  assert.equal(node.description, 'src · uncommitted · ✗ conflicts with B-1 at lines 5-6 · also changed in origin/main');
  assert.equal(node.conflict, true);
  assert.equal(node.line, 5);
  assert.equal(node.tooltip, 'src/app.txt\nB-1: merging would conflict (lines 5-6)\norigin/main: changed elsewhere in the file: merges cleanly');
  const alone = fileNode({ path: 'notes.txt', uncommitted: false, pairs: [] }, '/src/p-PROJ-1');
  assert.deepEqual([alone.label, alone.description, alone.conflict, alone.line], ['notes.txt', '', false, 1]);
});

test('my tickets say which have a lane and what Enter does', () => {
  const items = ticketItems([
    { key: 'PROJ-1', title: 'Fix login', status: 'In Progress', lane: '/src/p-PROJ-1' },
    { key: 'PROJ-2', title: 'Add export', status: null, lane: null },
  ]);
  assert.deepEqual(items.map((i) => [i.label, i.description, i.lane]), [
    ['$(git-branch) PROJ-1', 'In Progress · has a lane: Enter opens it', '/src/p-PROJ-1'],
    ['$(circle-outline) PROJ-2', 'Enter starts a lane', undefined],
  ]);
});

test('only "no provider configured" is quiet; other provider errors are shown', () => {
  assert.equal(isNoProvider({ message: 'no ticket provider is configured' }), true);
  assert.equal(isNoProvider({ message: 'Jira answered 401 Unauthorized' }), false);
  assert.equal(isNoProvider(undefined), false);
});

test('an untangle entry says where the hunk is and shows its first lines', () => {
  const item = hunkItem({ id: 'src/a.rs@1a2b', path: 'src/a.rs', new_start: 3, new_lines: 2, old_start: 3, old_lines: 1, preview: ['-old', '+new', '+more', '+four'] });
  assert.deepEqual(item, { label: 'src/a.rs', description: 'lines 3-4', detail: '-old  +new  +more', id: 'src/a.rs@1a2b' });
  assert.equal(hunkItem({ id: 'x@whole', path: 'x.bin', preview: [] }).description, 'whole file');
  assert.equal(hunkItem({ id: 'y', path: 'y', new_start: 7, new_lines: 0, preview: [] }).description, 'after line 7');
});
