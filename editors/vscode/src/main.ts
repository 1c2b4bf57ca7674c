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
  context.subscriptions.push(status);
  const binary = serverPath();
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
    vscode.commands.registerCommand('lanes.showLog', () => client?.outputChannel.show()),
  );
  if (!binary) {
    missingBinary();
    return;
  }
  client = createClient(binary, status, () => (client ? commands.startLane(client) : Promise.resolve()));
  await client.start();
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
