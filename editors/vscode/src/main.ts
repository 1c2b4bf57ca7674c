// Activation: find the binary, start the client, register the commands.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client';
import * as commands from './commands';
import { serverPath } from './config';
import { LaneStatus } from './status';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = new LaneStatus();
  // One log for the extension's life, across server restarts: "Show Lanes Log" always has it.
  const log = vscode.window.createOutputChannel('Lanes');
  context.subscriptions.push(status, log);
  const needClient = (run: (c: LanguageClient) => Promise<void>) => async () => {
    if (!client) {
      missingBinary();
      return;
    }
    await run(client);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('lanes.startLane', needClient(commands.startLane)),
    vscode.commands.registerCommand('lanes.switchLane', needClient(commands.switchLane)),
    vscode.commands.registerCommand('lanes.syncPullRequests', needClient(commands.syncPullRequests)),
    vscode.commands.registerCommand('lanes.removeLane', needClient(commands.removeLane)),
    vscode.commands.registerCommand('lanes.openFileInLane', needClient(commands.openFileInLane)),
    vscode.commands.registerCommand('lanes.startLaneWithAgent', needClient(commands.startLaneWithAgent)),
    vscode.commands.registerCommand('lanes.openPullRequest', needClient(commands.openPullRequest)),
    vscode.commands.registerCommand('lanes.pruneMergedLanes', needClient(commands.pruneMergedLanes)),
    vscode.commands.registerCommand('lanes.checkLanes', needClient(commands.checkLanes)),
    vscode.commands.registerCommand('lanes.showLog', () => log.show()),
    // A new `lanes.server.path` restarts the server at once, no window reload.
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('lanes.server.path')) {
        await startServer(status, log);
      }
    }),
  );
  await startServer(status, log);
}

/** (Re)starts the language server with the binary the settings and PATH name. */
async function startServer(status: LaneStatus, log: vscode.OutputChannel): Promise<void> {
  const old = client;
  client = undefined;
  await old?.stop().catch(() => undefined);
  status.update(null);
  const binary = serverPath();
  if (!binary) {
    log.appendLine('The `lanes` binary was not found on PATH, in ~/.cargo/bin, or at "lanes.server.path".');
    missingBinary();
    return;
  }
  log.appendLine(`Starting ${binary} lsp`);
  const started = createClient(binary, status, log, () => (client ? commands.startLane(client) : Promise.resolve()));
  client = started;
  try {
    await started.start();
  } catch (error) {
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
