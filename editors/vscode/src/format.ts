// Pure helpers (no `vscode` import), unit-tested with node's test runner.

import type { CheckReport, ErrorData, Lane, LaneFile, LaneStatus, LineRange, Pair, PrunedMerged, SyncReport, TicketSummary, UntangleEntry } from './protocol';

export type { Lane, LaneStatus, SyncReport };

/** Status bar text: `$(git-branch) PROJ-1 · 2● · ↑1 ↓0 · PR#42`. */
export function statusText(lane: Lane): string {
  const parts = [lane.ticket ?? lane.branch ?? '(detached)'];
  if (typeof lane.dirty === 'number' && lane.dirty > 0) {
    parts.push(`${lane.dirty}●`);
  }
  if (typeof lane.ahead === 'number' && typeof lane.behind === 'number') {
    parts.push(`↑${lane.ahead} ↓${lane.behind}`);
  }
  if (typeof lane.pr === 'number') {
    const state = lane.pr_state && lane.pr_state !== 'open' ? ` ${lane.pr_state}` : '';
    parts.push(`PR#${lane.pr}${state}`);
  }
  if (lane.conflicts && lane.conflicts.length > 0) {
    parts.push(`✗${lane.conflicts.length}`);
  }
  return `$(git-branch) ${parts.join(' · ')}`;
}

/** Status bar tooltip: title, branch, path (and, for the status bar item, what a click does). */
export function statusTooltip(lane: Lane & Partial<Pick<LaneStatus, 'others'>>, clickHint = true): string {
  const lines = [];
  if (lane.ticket) {
    lines.push(lane.title ? `${lane.ticket}: ${lane.title}` : `Lane ${lane.ticket}`);
  } else {
    lines.push('Primary checkout');
  }
  lines.push(`Branch: ${lane.branch ?? '(detached HEAD)'}`);
  if (lane.base) {
    lines.push(`Base: ${lane.base}`);
  }
  lines.push(lane.path);
  if (lane.conflicts && lane.conflicts.length > 0) {
    lines.push(`Merging would conflict with: ${lane.conflicts.join(', ')}`);
  }
  for (const other of lane.others ?? []) {
    lines.push(`Also in ${other.repo}: ${other.path}`);
  }
  if (clickHint) {
    lines.push('Click to switch lanes');
  }
  return lines.join('\n');
}

/** A quick-pick entry for a lane. */
export function laneItem(lane: Lane): { label: string; description: string; detail: string } {
  const bits = [lane.branch ?? '(detached)'];
  if (typeof lane.dirty === 'number' && lane.dirty > 0) {
    bits.push(`${lane.dirty} changed`);
  }
  if (typeof lane.ahead === 'number') {
    bits.push(`↑${lane.ahead} ↓${lane.behind ?? 0}`);
  }
  if (typeof lane.pr === 'number') {
    bits.push(`PR #${lane.pr}`);
  }
  return {
    label: lane.ticket ?? (lane.primary ? '(primary checkout)' : lane.branch ?? '-'),
    description: [lane.title, ...bits].filter(Boolean).join(' · '),
    detail: lane.path,
  };
}

/**
 * Checks a ticket key as the user types (mirrors the server's rules, which stay authoritative):
 * returns a message, or undefined when the key looks valid.
 */
export function ticketProblem(key: string): string | undefined {
  const value = key.trim();
  if (value === '') {
    return 'Enter a ticket key, e.g. PROJ-123 or #42';
  }
  if (/^(?:[\w.-]+\/[\w.-]+)?#\d+$/.test(value)) {
    return undefined;
  }
  if (value.length > 64) {
    return 'At most 64 characters';
  }
  if (/[\s]/.test(value)) {
    return 'No spaces';
  }
  if (/[/\\]/.test(value) || value.includes('..')) {
    return 'No path separators or ".."';
  }
  if (!/^[A-Za-z0-9._-]+$/.test(value)) {
    return 'Use letters, digits, "-", "_" and "."';
  }
  if (/^[-.]/.test(value) || /(\.|\.lock)$/.test(value)) {
    return 'Cannot start with "-" or "." or end with "." or ".lock"';
  }
  return undefined;
}

/** The first executable named `name` on a PATH string, given a file-exists check. */
export function findOnPath(name: string, pathVar: string, exists: (p: string) => boolean, sep = ':'): string | undefined {
  for (const dir of pathVar.split(sep)) {
    if (!dir) {
      continue;
    }
    const candidate = `${dir.replace(/\/$/, '')}/${name}`;
    if (exists(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/** PATH with cargo's bin directory (`$CARGO_HOME/bin`, else `~/.cargo/bin`) last, once. */
export function withCargoBin(pathVar: string, cargoHome: string | undefined, home: string, sep = ':'): string {
  const bin = `${(cargoHome || `${home}/.cargo`).replace(/\/$/, '')}/bin`;
  const dirs = pathVar.split(sep).filter(Boolean);
  return dirs.includes(bin) ? dirs.join(sep) : [...dirs, bin].join(sep);
}

/** The server settings from the `lanes` configuration section (only keys that are set). */
export function serverSettings(section: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['branch', 'path', 'base', 'fetch', 'copy', 'setup']) {
    const value = section[key];
    if (value !== null && value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

/**
 * One line for a finished sync: counts per outcome ("2 created · 1 updated · 1 skipped"), then the
 * reasons for skipped pull requests and the repositories that failed.
 */
export function syncSummary(report: SyncReport): { text: string; problems: string[] } {
  const counts = new Map<string, number>();
  const problems: string[] = [];
  for (const repo of report.repos) {
    for (const pull of repo.pulls) {
      const action = pull.action.replace(/-/g, ' ');
      counts.set(action, (counts.get(action) ?? 0) + 1);
      if (pull.reason) {
        problems.push(pull.reason);
      }
    }
    const removed = repo.closed.filter((c) => c.removed).length;
    if (removed > 0) {
      counts.set('removed', (counts.get('removed') ?? 0) + removed);
    }
    if (repo.error) {
      problems.push(`${repo.repo}: ${repo.error}`);
    }
  }
  const parts = ['created', 'updated', 'up to date', 'skipped', 'removed']
    .filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k}`);
  const text = parts.length > 0 ? `Pull requests synced: ${parts.join(' · ')}` : 'No open pull requests to sync';
  return { text, problems };
}

/** A server error as one line for a notification: the message, then what to do (`data.hints`). */
export function errorText(error: unknown): string {
  if (!error || typeof error !== 'object' || !('message' in error)) {
    return String(error);
  }
  const message = String((error as { message: unknown }).message);
  const hints = (error as { data?: Partial<ErrorData> }).data?.hints;
  const extra = Array.isArray(hints) ? hints.filter((h) => typeof h === 'string' && h.length > 0) : [];
  return extra.length > 0 ? `${message} — ${extra.join('; ')}` : message;
}

/** The environment of an agent terminal in `lane`: what `lanes start --exec` gives a command. */
export function agentEnvironment(lane: Lane, contextFile?: string | null): Record<string, string> {
  const env: Record<string, string> = { LANES_PATH: lane.path };
  if (lane.ticket) {
    env.LANES_TICKET = lane.ticket;
  }
  if (lane.branch) {
    env.LANES_BRANCH = lane.branch;
  }
  if (lane.base) {
    env.LANES_BASE = lane.base;
  }
  if (typeof lane.port === 'number') {
    env.LANES_PORT = String(lane.port);
  }
  if (contextFile) {
    env.LANES_TICKET_FILE = contextFile;
  }
  return env;
}

/** What Prune Merged Lanes asks before removing: which lanes go, which stay and why. */
export function pruneQuestion(report: PrunedMerged): string | undefined {
  if (report.removed.length === 0) {
    return undefined;
  }
  const going = report.removed.map((l) => l.ticket).join(', ');
  const kept = report.kept.map((k) => `${k.ticket} (${k.reason})`).join('; ');
  return `Remove the merged lanes ${going}? Their work is in the base; everything is kept in the trash.` + (kept ? ` Kept: ${kept}.` : '');
}

/** What Prune Merged Lanes says when it is done. */
export function pruneSummary(report: PrunedMerged): string {
  if (report.removed.length === 0 && report.kept.length === 0) {
    return 'No merged lanes.';
  }
  const parts = [];
  if (report.removed.length > 0) {
    parts.push(`Removed ${report.removed.map((l) => l.ticket).join(', ')}`);
  }
  if (report.kept.length > 0) {
    parts.push(`kept ${report.kept.map((k) => `${k.ticket} (${k.reason})`).join('; ')}`);
  }
  return `${parts.join('; ')}.`;
}

/** "line 5", "lines 3-5, 9"; empty for none. */
export function describeLines(lines: LineRange[]): string {
  const parts = lines.map((r) => {
    const a = r.lines === 0 ? Math.max(r.start, 1) : r.start;
    const b = r.lines === 0 ? a : r.start + r.lines - 1;
    return a === b ? `${a}` : `${a}-${b}`;
  });
  if (parts.length === 0) {
    return '';
  }
  return parts.length === 1 && !parts[0].includes('-') ? `line ${parts[0]}` : `lines ${parts.join(', ')}`;
}

/** One quick-pick entry per pair of Check Lanes, conflicts first: where to open (the window
 *  lane's copy when it is a side, else the first side's) and what to say. */
export function checkItems(report: CheckReport, windowLane: string | undefined): { label: string; description: string; file: string; line: number }[] {
  const items = [];
  for (const file of report.files) {
    for (const pair of file.pairs) {
      const mine = [pair.a, pair.b].find((side) => side.path && side.path === windowLane) ?? pair.a;
      const dir = mine.path ?? windowLane ?? '';
      const line = pair.lines[0]?.start ?? 1;
      const where = describeLines(pair.lines);
      items.push({
        label: `${pair.kind === 'conflict' ? '$(warning)' : '$(info)'} ${file.path}`,
        description: `${pair.a.name} × ${pair.b.name} ${pair.kind}${where ? ` at ${where}` : ''}`,
        file: `${dir}/${file.path}`,
        line: Math.max(line, 1),
      });
    }
  }
  return items;
}

/** The name the server knows a lane by: its ticket, else its branch, else its directory. */
export function laneName(lane: Lane): string {
  return lane.ticket ?? lane.branch ?? lane.path;
}

/** A lane's node in the Lanes view: label, description (dirty, ahead/behind, PR, merged,
 *  conflicts, then title and branch), icon and the context flags its actions are shown for. */
export function laneNode(lane: Lane, windowLane: string | undefined): { label: string; description: string; tooltip: string; icon: string; warning: boolean; context: string } {
  const conflicts = lane.conflicts ?? [];
  const bits: string[] = [];
  if (lane.path === windowLane) {
    bits.push('this window');
  }
  if (typeof lane.dirty === 'number' && lane.dirty > 0) {
    bits.push(`${lane.dirty}●`);
  }
  if (typeof lane.ahead === 'number' && typeof lane.behind === 'number' && !lane.primary) {
    bits.push(`↑${lane.ahead} ↓${lane.behind}`);
  }
  if (typeof lane.pr === 'number') {
    bits.push(`PR #${lane.pr}${lane.pr_state ? ` ${lane.pr_state}` : ''}`);
  }
  if (lane.merged) {
    bits.push('merged');
  }
  if (lane.missing) {
    bits.push('directory missing');
  }
  if (lane.locked) {
    bits.push('locked');
  }
  if (conflicts.length > 0) {
    bits.push(`✗ conflicts with ${conflicts.join(', ')}`);
  }
  // The state first, where a narrow sidebar still shows it; then what the lane is.
  if (lane.title) {
    bits.push(lane.title);
  }
  bits.push(lane.branch ?? '(detached)');
  const icon = conflicts.length > 0 ? 'warning' : lane.merged ? 'git-merge' : lane.primary ? 'home' : 'git-branch';
  const context = ['lane', lane.primary ? 'primary' : 'removable', lane.ticket ? 'ticket' : ''].filter(Boolean).join(' ');
  return {
    label: lane.ticket ?? (lane.primary ? '(primary checkout)' : lane.branch ?? lane.path),
    description: bits.join(' · '),
    tooltip: statusTooltip(lane, false),
    icon,
    warning: conflicts.length > 0,
    context,
  };
}

/** The side of `pair` that is not the lane at `lanePath`. */
function otherSide(pair: Pair, lanePath: string): Pair['a'] {
  return pair.a.path === lanePath ? pair.b : pair.a;
}

/** The lines of `pair` in the lane at `lanePath`'s version. */
function ownLines(pair: Pair, lanePath: string): LineRange[] {
  return pair.a.path === lanePath ? pair.lines : pair.other_lines;
}

/** A changed file's node under its lane: what it is (uncommitted), who else changes it with git's
 *  verdict, and the line to open it at (the first conflicting one). */
export function fileNode(file: LaneFile, lanePath: string): { label: string; description: string; tooltip: string; conflict: boolean; line: number } {
  const slash = file.path.lastIndexOf('/');
  const label = file.path.slice(slash + 1);
  const dir = slash >= 0 ? file.path.slice(0, slash) : '';
  const conflicts = file.pairs.filter((p) => p.kind === 'conflict');
  const others = file.pairs.filter((p) => p.kind !== 'conflict');
  const bits: string[] = [];
  if (dir) {
    bits.push(dir);
  }
  if (file.uncommitted) {
    bits.push('uncommitted');
  }
  if (conflicts.length > 0) {
    const where = describeLines(ownLines(conflicts[0], lanePath));
    bits.push(`✗ conflicts with ${conflicts.map((p) => otherSide(p, lanePath).name).join(', ')}${where ? ` at ${where}` : ''}`);
  }
  if (others.length > 0) {
    bits.push(`also changed in ${others.map((p) => otherSide(p, lanePath).name).join(', ')}`);
  }
  const tooltip = [
    file.path,
    ...file.pairs.map((p) => {
      const where = describeLines(ownLines(p, lanePath));
      const verdict = p.kind === 'conflict' ? 'merging would conflict' : p.kind === 'overlap' ? 'the same change: merges cleanly' : 'changed elsewhere in the file: merges cleanly';
      return `${otherSide(p, lanePath).name}: ${verdict}${where ? ` (${where})` : ''}`;
    }),
  ].join('\n');
  const opening = conflicts[0] ?? file.pairs[0];
  const first = opening ? ownLines(opening, lanePath)[0] : undefined;
  return { label, description: bits.join(' · '), tooltip, conflict: conflicts.length > 0, line: Math.max(first?.start ?? 1, 1) };
}

/** My Tickets: one entry per ticket, saying which have a lane. */
export function ticketItems(tickets: TicketSummary[]): { label: string; description: string; detail: string; key: string; lane: string | undefined }[] {
  return tickets.map((t) => ({
    label: `${t.lane ? '$(git-branch)' : '$(circle-outline)'} ${t.key}`,
    description: [t.status ?? '', t.lane ? 'has a lane: Enter opens it' : 'Enter starts a lane'].filter(Boolean).join(' · '),
    detail: t.title,
    key: t.key,
    lane: t.lane ?? undefined,
  }));
}

/** True when the error says no ticket provider is configured (the quiet case: ask for a key);
 *  every other provider error is shown. */
export function isNoProvider(error: unknown): boolean {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.includes('no ticket provider is configured');
}

/** An Untangle… entry for a hunk: where it is, and its first changed lines. */
export function hunkItem(entry: UntangleEntry): { label: string; description: string; detail: string; id: string } {
  let where = 'whole file';
  if (typeof entry.new_start === 'number') {
    const n = entry.new_lines ?? 0;
    where = n === 0 ? `after line ${entry.new_start}` : n === 1 ? `line ${entry.new_start}` : `lines ${entry.new_start}-${entry.new_start + n - 1}`;
  }
  return { label: entry.path, description: where, detail: entry.preview.slice(0, 3).join('  '), id: entry.id };
}
