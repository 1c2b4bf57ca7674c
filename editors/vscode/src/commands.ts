// The "Lanes" commands of the command palette.
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { errorMessage, isRefusal, run } from './client';
import { agentCommand, openInNewWindow, syncOptions } from './config';
import { agentEnvironment, checkItems, hunkItem, isNoProvider, laneItem, laneName, pruneQuestion, pruneSummary, syncSummary, ticketItems, ticketProblem } from './format';
import type {
  CheckReport,
  Lane,
  LaneStatus,
  LaneList,
  Moved,
  OpenedInLane,
  PrunedMerged,
  PullRequestOpened,
  Started,
  SyncReport,
  TicketLaneList,
  TicketLanes,
  TicketList,
  TicketSummary,
  Untangled,
  UntangleList,
} from './protocol';

async function pickLane(client: LanguageClient, placeHolder: string, withPrimary: boolean, except?: string): Promise<Lane | undefined> {
  const { lanes } = await run<LaneList>(client, 'lanes.list');
  const candidates = lanes.filter((l) => (withPrimary || !l.primary) && l.path !== except);
  if (candidates.length === 0) {
    vscode.window.showInformationMessage('No lanes yet: run "Lanes: Start Lane for Ticket…".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((lane) => ({ ...laneItem(lane), lane })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.lane;
}

async function openFolder(folder: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: openInNewWindow() });
}

/** "My tickets" from the provider when one is configured, else undefined; a provider's error
 *  (bad credentials, unreachable) is shown, not swallowed. */
async function myTickets(client: LanguageClient): Promise<TicketSummary[] | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Lanes: asking for your tickets…' },
      async () => (await run<TicketList>(client, 'lanes.tickets')).tickets,
    );
  } catch (error) {
    if (!isNoProvider(error)) {
      vscode.window.showWarningMessage(`Lanes: your tickets could not be listed: ${errorMessage(error)}`);
    }
    return undefined;
  }
}

/** My Tickets…: your open tickets from the provider; Enter opens a ticket's lane, or starts one. */
export async function showMyTickets(client: LanguageClient): Promise<void> {
  const tickets = await myTickets(client);
  if (!tickets) {
    const choice = await vscode.window.showInformationMessage(
      'Lanes: no ticket provider is configured, so there is no list of your tickets. Set provider = "jira" or "github" in lanes.toml (see "lanes doctor"), or start a lane by its key.',
      'Start Lane for Ticket…',
    );
    if (choice) {
      await startLane(client);
    }
    return;
  }
  if (tickets.length === 0) {
    vscode.window.showInformationMessage('Lanes: no open tickets are assigned to you.');
    return;
  }
  const picked = await vscode.window.showQuickPick(ticketItems(tickets), {
    placeHolder: 'Your open tickets: Enter opens the lane, or starts one',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) {
    return;
  }
  if (picked.lane) {
    await openFolder(picked.lane);
  } else {
    await startTicket(client, picked.key);
  }
}

/** Asks for a ticket (one of "my tickets" when a provider is configured, else a typed key). */
async function askTicket(client: LanguageClient, title: string): Promise<string | undefined> {
  const tickets = await myTickets(client);
  if (tickets && tickets.length > 0) {
    const typed = '$(edit) Type a ticket key…';
    const picked = await vscode.window.showQuickPick(
      [
        ...tickets.map((t) => ({ label: t.key, description: [t.status, t.lane ? 'has a lane' : ''].filter(Boolean).join(' · '), detail: t.title })),
        { label: typed, description: '', detail: '' },
      ],
      { placeHolder: 'Start a lane for one of your tickets', matchOnDetail: true },
    );
    if (!picked) {
      return undefined;
    }
    if (picked.label !== typed) {
      return picked.label;
    }
  }
  return vscode.window.showInputBox({
    title,
    prompt: 'Ticket key: a Jira key, a GitHub issue (#42) or a short slug',
    placeHolder: 'PROJ-123',
    validateInput: (value) => ticketProblem(value),
  });
}

/** Start Lane and Open Agent Terminal: the lane, then a terminal in it running the agent
 *  command (`lanes.agent.command`), with the lane's LANES_* variables. */
export async function startLaneWithAgent(client: LanguageClient): Promise<void> {
  const ticket = await askTicket(client, 'Start Lane and Open Agent Terminal');
  if (!ticket) {
    return;
  }
  try {
    const started = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting lane ${ticket.trim()}…` },
      () => run<Started>(client, 'lanes.start', { ticket: ticket.trim() }),
    );
    openAgentTerminal(started.lane, started.context);
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** A terminal in `lane` running the configured agent command (none: just the shell). */
export function openAgentTerminal(lane: Lane, contextFile?: string | null): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: `Lanes: ${lane.ticket ?? lane.branch ?? 'lane'}`,
    cwd: lane.path,
    env: agentEnvironment(lane, contextFile ?? path.join(lane.path, '.lanes', 'ticket.md')),
  });
  terminal.show();
  const command = agentCommand();
  if (command) {
    terminal.sendText(command);
  }
  return terminal;
}

/** Open Pull Request: pushes the lane (default: the window's) and opens (or updates) its pull
 *  request. */
export async function openPullRequest(client: LanguageClient, lane?: Lane): Promise<void> {
  try {
    const opened = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Opening the pull request…' },
      () => run<PullRequestOpened>(client, 'lanes.pr', lane ? { ticket: laneName(lane) } : {}),
    );
    const verb = opened.created ? 'Opened' : 'Updated';
    const choice = await vscode.window.showInformationMessage(
      `${verb} pull request #${opened.number}${opened.draft ? ' (draft)' : ''}: ${opened.branch} → ${opened.base}`,
      'Open on GitHub',
    );
    if (choice) {
      await vscode.env.openExternal(vscode.Uri.parse(opened.url));
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Prune Merged Lanes: lists the merged lanes, asks, removes them (the unmerged and the dirty
 *  stay). */
export async function pruneMergedLanes(client: LanguageClient): Promise<void> {
  try {
    const preview = await run<PrunedMerged>(client, 'lanes.pruneMerged', { dryRun: true });
    const question = pruneQuestion(preview);
    if (!question) {
      vscode.window.showInformationMessage(pruneSummary(preview));
      return;
    }
    const choice = await vscode.window.showWarningMessage(question, { modal: true }, 'Remove');
    if (choice !== 'Remove') {
      return;
    }
    const done = await run<PrunedMerged>(client, 'lanes.pruneMerged', {});
    vscode.window.showInformationMessage(pruneSummary(done));
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

export async function startLane(client: LanguageClient): Promise<void> {
  const ticket = await askTicket(client, 'Start Lane for Ticket');
  if (!ticket) {
    return;
  }
  return startTicket(client, ticket);
}

async function startTicket(client: LanguageClient, ticket: string): Promise<void> {
  try {
    const started = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting lane ${ticket.trim()}…` },
      () => run<Started>(client, 'lanes.start', { ticket: ticket.trim() }),
    );
    const verb = started.created ? 'Started' : 'Already there:';
    const open = await vscode.window.showInformationMessage(
      `${verb} lane ${started.lane.ticket} on ${started.lane.branch} at ${started.lane.path}`,
      'Open Lane',
    );
    if (open) {
      await openFolder(started.lane.path);
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Tickets spanning several configured repositories with a workspace file (none when no
 *  repositories are configured). */
async function multiRepoTickets(client: LanguageClient): Promise<TicketLanes[]> {
  try {
    const { tickets } = await run<TicketLaneList>(client, 'lanes.list', { all: true });
    return tickets.filter((t) => t.workspace && t.lanes.length > 1);
  } catch {
    return [];
  }
}

export async function switchLane(client: LanguageClient): Promise<void> {
  try {
    const [{ lanes }, multi] = await Promise.all([run<LaneList>(client, 'lanes.list'), multiRepoTickets(client)]);
    const items = [
      ...multi.map((t) => ({
        label: `$(multiple-windows) ${t.ticket}`,
        description: `all ${t.lanes.length} repositories: ${t.lanes.map((l) => l.repo).join(', ')}`,
        detail: t.workspace ?? '',
        open: { path: t.workspace as string, workspace: true },
      })),
      ...lanes.map((lane) => ({ ...laneItem(lane), open: { path: lane.path, workspace: false } })),
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Switch to lane', matchOnDescription: true, matchOnDetail: true });
    if (picked) {
      await openFolder(picked.open.path);
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

export async function syncPullRequests(client: LanguageClient): Promise<void> {
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Syncing pull requests…', cancellable: false },
      () => run<SyncReport>(client, 'lanes.sync', syncOptions()),
    );
    const { text, problems } = syncSummary(report);
    if (problems.length > 0) {
      vscode.window.showWarningMessage(`${text}. ${problems.join(' · ')}`);
    } else {
      vscode.window.showInformationMessage(text);
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Remove Lane: the picked lane (or the given one, after asking) goes to the trash; a lane with
 *  work that exists nowhere else is refused, and "Force" is offered. */
export async function removeLane(client: LanguageClient, given?: Lane): Promise<void> {
  try {
    if (given?.ticket) {
      const sure = await vscode.window.showWarningMessage(
        `Remove lane ${given.ticket}? Its worktree goes to the trash ("lanes restore ${given.ticket}" brings it back); a lane with uncommitted or unpushed work is refused.`,
        { modal: true },
        'Remove',
      );
      if (sure !== 'Remove') {
        return;
      }
    }
    const lane = given ?? (await pickLane(client, 'Remove lane', false));
    if (!lane?.ticket) {
      return;
    }
    try {
      await run(client, 'lanes.remove', { ticket: lane.ticket });
      vscode.window.showInformationMessage(`Removed lane ${lane.ticket}.`);
    } catch (error) {
      if (!isRefusal(error)) {
        throw error;
      }
      const choice = await vscode.window.showErrorMessage(errorMessage(error), { modal: true }, 'Force');
      if (choice === 'Force') {
        await run(client, 'lanes.remove', { ticket: lane.ticket, force: true });
        vscode.window.showInformationMessage(`Removed lane ${lane.ticket} (forced).`);
      }
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

export async function openFileInLane(client: LanguageClient): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file') {
    vscode.window.showInformationMessage('Open a file first.');
    return;
  }
  try {
    const lane = await pickLane(client, `Open ${path.basename(editor.document.fileName)} in lane`, true);
    if (!lane?.ticket) {
      return;
    }
    const result = await run<OpenedInLane>(client, 'lanes.openInLane', {
      uri: editor.document.uri.toString(),
      ticket: lane.ticket,
    });
    if (!result.exists) {
      vscode.window.showWarningMessage(`The file does not exist in lane ${lane.ticket}.`);
      return;
    }
    // Same line in the other copy.
    const line = editor.selection.active.line;
    await vscode.window.showTextDocument(vscode.Uri.parse(result.uri), { selection: new vscode.Range(line, 0, line, 0) });
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Check Lanes: every file two sides change, conflicts first; the picked one opens at its line in
 *  this window's lane. */
export async function checkLanes(client: LanguageClient, lane?: Lane): Promise<void> {
  try {
    const [report, status] = await Promise.all([
      run<CheckReport>(client, 'lanes.check', {}),
      run<LaneStatus | null>(client, 'lanes.status', {}),
    ]);
    // For one lane: only the pairs it is part of, opening its copies.
    const mine = lane
      ? { files: report.files.map((f) => ({ ...f, pairs: f.pairs.filter((p) => p.a.path === lane.path || p.b.path === lane.path) })) }
      : report;
    const items = checkItems(mine, lane?.path ?? status?.path);
    if (items.length === 0) {
      vscode.window.showInformationMessage(lane ? `No other lane changes the files of ${laneName(lane)}.` : 'No file is changed in more than one lane.');
      return;
    }
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Files changed in more than one lane', matchOnDescription: true });
    if (picked) {
      const line = picked.line - 1;
      await vscode.window.showTextDocument(vscode.Uri.file(picked.file), { selection: new vscode.Range(line, 0, line, 0) });
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Open in New Window: the lane's folder in a window of its own. */
export async function openLaneInNewWindow(lane: Lane): Promise<void> {
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(lane.path), { forceNewWindow: true });
}

/** Move Change to Lane…: the uncommitted change of the active file — the hunk under the cursor
 *  or selection, or the whole file — moved to the lane picked. */
export async function moveChangeToLane(client: LanguageClient): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file') {
    vscode.window.showInformationMessage('Open the file whose change should move first.');
    return;
  }
  if (editor.document.isDirty) {
    await editor.document.save();
  }
  try {
    const status = await run<LaneStatus | null>(client, 'lanes.status', {});
    const target = await pickLane(client, 'Move the change to lane', false, status?.path);
    if (!target?.ticket) {
      return;
    }
    const { start, end } = editor.selection;
    const lines = start.line === end.line ? `line ${start.line + 1}` : `lines ${start.line + 1}-${end.line + 1}`;
    const scope = await vscode.window.showQuickPick(
      [
        { label: `The change at ${lines}`, description: 'the uncommitted hunks touching these lines', range: true },
        { label: 'The whole file', description: "every uncommitted change of this file", range: false },
      ],
      { placeHolder: `Move what to lane ${target.ticket}?` },
    );
    if (!scope) {
      return;
    }
    const argument = {
      uri: editor.document.uri.toString(),
      ticket: target.ticket,
      ...(scope.range ? { range: { start: { line: start.line, character: 0 }, end: { line: end.line, character: 0 } } } : {}),
    };
    let moved: Moved;
    try {
      moved = await run<Moved>(client, 'lanes.moveChange', argument);
    } catch (error) {
      if ((error as { data?: { kind?: string } }).data?.kind !== 'conflict') {
        throw error;
      }
      const choice = await vscode.window.showWarningMessage(
        `${errorMessage(error)}`,
        { modal: true },
        'Move with Conflict Markers',
      );
      if (!choice) {
        return;
      }
      moved = await run<Moved>(client, 'lanes.moveChange', { ...argument, threeWay: true });
    }
    const markers = moved.conflicts.length > 0 ? ` — conflict markers in ${moved.conflicts.join(', ')}` : '';
    const open = await vscode.window.showInformationMessage(
      `Moved ${moved.hunks} hunk(s) of ${moved.files.join(', ')} to lane ${moved.to}${markers}.`,
      'Open in Lane',
    );
    if (open) {
      const file = moved.files[0];
      await vscode.window.showTextDocument(vscode.Uri.file(`${moved.to_path}/${file}`));
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}

/** Untangle…: the window lane's uncommitted hunks; the ones picked go to the lane picked, and
 *  again while hunks are left. */
export async function untangle(client: LanguageClient): Promise<void> {
  try {
    for (;;) {
      const listed = await run<UntangleList>(client, 'lanes.untangle', {});
      if (listed.entries.length === 0) {
        vscode.window.showInformationMessage(`No uncommitted changes in ${listed.lane}: nothing to untangle.`);
        return;
      }
      const hunks = await vscode.window.showQuickPick(
        listed.entries.map(hunkItem),
        { placeHolder: 'Pick the hunks that belong to another lane', canPickMany: true, matchOnDetail: true },
      );
      if (!hunks || hunks.length === 0) {
        return;
      }
      const target = await pickLane(client, `Move ${hunks.length} hunk(s) to lane`, false, listed.lane);
      if (!target?.ticket) {
        return;
      }
      const assignment = Object.fromEntries(hunks.map((h) => [h.id, target.ticket as string]));
      const done = await run<Untangled>(client, 'lanes.untangle', { assignment });
      const count = done.moved.reduce((n, m) => n + m.hunks, 0);
      const left = listed.entries.length - hunks.length;
      if (left === 0) {
        vscode.window.showInformationMessage(`Moved ${count} hunk(s) to lane ${target.ticket}.`);
        return;
      }
      const more = await vscode.window.showInformationMessage(
        `Moved ${count} hunk(s) to lane ${target.ticket}; ${left} left here.`,
        'Untangle More',
      );
      if (!more) {
        return;
      }
    }
  } catch (error) {
    vscode.window.showErrorMessage(errorMessage(error));
  }
}
