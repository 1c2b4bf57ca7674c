// The language client: starts `lanes lsp`, forwards settings, hands `lanes/status` on.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { settings } from './config';
import { errorText } from './format';
import type { ErrorData, LaneStatus as LaneStatusMessage } from './protocol';

export function createClient(
  binary: string,
  onStatus: (lane: LaneStatusMessage | null) => void,
  log: vscode.OutputChannel,
  startLane: () => Promise<void>,
): LanguageClient {
  const serverOptions: ServerOptions = {
    command: binary,
    args: ['lsp'],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    // Every file on disk: the guard applies whatever the language.
    documentSelector: [{ scheme: 'file' }],
    initializationOptions: settings(),
    synchronize: { configurationSection: 'lanes' },
    outputChannel: log,
    middleware: {
      // "Start a lane for a ticket…" arrives without a key: ask for it here.
      executeCommand: async (command, args, next) => {
        if (command === 'lanes.start' && (args.length === 0 || !args[0]?.ticket)) {
          return startLane();
        }
        return next(command, args);
      },
    },
  };
  const client = new LanguageClient('lanes', 'Lanes', serverOptions, clientOptions);
  client.onNotification('lanes/status', onStatus);
  return client;
}

/** Runs a server command with one object argument. */
export async function run<T>(client: LanguageClient, command: string, argument: object = {}): Promise<T> {
  return client.sendRequest('workspace/executeCommand', { command, arguments: [argument] }) as Promise<T>;
}

/** The message of a JSON-RPC error, with what to do about it. */
export function errorMessage(error: unknown): string {
  return errorText(error);
}

export function isRefusal(error: unknown): boolean {
  const data = (error as { data?: Partial<ErrorData> } | undefined)?.data;
  return data?.kind === 'refused';
}

export { vscode };
