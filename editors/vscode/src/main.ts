// Activation: find the binary, start the client, register the commands.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client';
import * as commands from './commands';
import { serverPath } from './config';
import type { Lane, LaneStatus as LaneStatusMessage } from './protocol';
import { LaneStatus } from './status';
import { LanesNode, LanesView } from './view';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = new LaneStatus();
  const view = new LanesView();
  // One log for the extension's life, across server restarts: "Show Lanes Log" always has it.
  const log = vscode.window.createOutputChannel('Lanes');
  context.subscriptions.push(status, view, log);
  const shown = { status, view };
  const needClient = (run: (c: LanguageClient) => Promise<void>) => async () => {
    if (!client) {
      missingBinary();
      return;
    }
    await run(client);
  };
  // A lane action from the Lanes view: the node it was run on.
  const onLane = (run: (c: LanguageClient, lane: Lane) => Promise<void>) => async (node?: LanesNode) => {
    if (!client) {
      missingBinary();
      return;
    }
    if (node?.kind === 'lane') {
      await run(client, node.lane);
    }
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('lanes.startLane', needClient(commands.startLane)),
    vscode.commands.registerCommand('lanes.myTickets', needClient(commands.showMyTickets)),
    vscode.commands.registerCommand('lanes.moveChangeToLane', needClient(commands.moveChangeToLane)),
    vscode.commands.registerCommand('lanes.untangleChanges', needClient(commands.untangle)),
    vscode.commands.registerCommand('lanes.view.refresh', () => view.refresh()),
    vscode.commands.registerCommand('lanes.lane.openInNewWindow', onLane((_, lane) => commands.openLaneInNewWindow(lane))),
    vscode.commands.registerCommand('lanes.lane.openAgentTerminal', onLane(async (_, lane) => void commands.openAgentTerminal(lane))),
    vscode.commands.registerCommand('lanes.lane.openPullRequest', onLane(commands.openPullRequest)),
    vscode.commands.registerCommand('lanes.lane.check', onLane(commands.checkLanes)),
    vscode.commands.registerCommand('lanes.lane.remove', onLane(commands.removeLane)),
    vscode.commands.registerCommand('lanes.switchLane', needClient(commands.switchLane)),
    vscode.commands.registerCommand('lanes.syncPullRequests', needClient(commands.syncPullRequests)),
    vscode.commands.registerCommand('lanes.removeLane', needClient((c) => commands.removeLane(c))),
    vscode.commands.registerCommand('lanes.openFileInLane', needClient(commands.openFileInLane)),
    vscode.commands.registerCommand('lanes.startLaneWithAgent', needClient(commands.startLaneWithAgent)),
    vscode.commands.registerCommand('lanes.openPullRequest', needClient((c) => commands.openPullRequest(c))),
    vscode.commands.registerCommand('lanes.pruneMergedLanes', needClient(commands.pruneMergedLanes)),
    vscode.commands.registerCommand('lanes.checkLanes', needClient((c) => commands.checkLanes(c))),
    vscode.commands.registerCommand('lanes.showLog', () => log.show()),
    // A new `lanes.server.path` restarts the server at once, no window reload.
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('lanes.server.path')) {
        await startServer(shown, log);
      }
    }),
  );
  await startServer(shown, log);
}

/** (Re)starts the language server with the binary the settings and PATH name. */
async function startServer({ status, view }: { status: LaneStatus; view: LanesView }, log: vscode.OutputChannel): Promise<void> {
  const old = client;
  client = undefined;
  view.setClient(undefined);
  await old?.stop().catch(() => undefined);
  status.update(null);
  const binary = serverPath();
  if (!binary) {
    log.appendLine('The `lanes` binary was not found on PATH, in ~/.cargo/bin, or at "lanes.server.path".');
    missingBinary();
    return;
  }
  log.appendLine(`Starting ${binary} lsp`);
  const onStatus = (lane: LaneStatusMessage | null) => {
    status.update(lane);
    view.onStatus(lane);
  };
  const started = createClient(binary, onStatus, log, () => (client ? commands.startLane(client) : Promise.resolve()));
  client = started;
  try {
    await started.start();
    view.setClient(started);
  } catch (error) {
    // Let go of what the failed client registered, so a restart can register it again.
    client = undefined;
    view.setClient(undefined);
    await started.dispose().catch(() => undefined);
    log.appendLine(`The language server did not start: ${error}`);
    vscode.window.showErrorMessage(`Lanes: the language server (${binary}) did not start; see "Lanes: Show Lanes Log".`);
  }
}

function missingBinary(): void {
  vscode.window
    .showErrorMessage(
      'Lanes: the `lanes` binary was not found. Install it with `cargo install --path server` (in the lanes repository), or set "lanes.server.path".',
      'Open Settings',
    )
    .then((choice) => {
      if (choice) {
        vscode.commands.executeCommand('workbench.action.openSettings', 'lanes.server.path');
      }
    });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
