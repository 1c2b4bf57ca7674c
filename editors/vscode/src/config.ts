// Settings: where the binary is, how lanes open, and what the server gets.
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import { findOnPath, serverSettings, withCargoBin } from './format';

/**
 * A setting that runs a program or names one, from the user's own settings only: a cloned
 * repository's `.vscode/settings.json` must not choose what runs (the manifest marks these
 * `"scope": "application"`; this holds wherever a workspace value would still get through).
 */
function userOnly<T>(key: string, fallback: T): T {
  const values = vscode.workspace.getConfiguration('lanes').inspect<T>(key);
  return values?.globalValue ?? values?.defaultValue ?? fallback;
}

/** The `lanes` binary: `lanes.server.path`, else `lanes` on PATH, else undefined. */
export function serverPath(): string | undefined {
  const configured = (userOnly<string>('server.path', '') ?? '').trim();
  if (configured) {
    return configured;
  }
  const exists = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const name = process.platform === 'win32' ? 'lanes.exe' : 'lanes';
  const sep = process.platform === 'win32' ? ';' : ':';
  // `cargo install` puts it in ~/.cargo/bin, which an editor started from a launcher may not
  // have on its PATH.
  const searched = withCargoBin(process.env.PATH ?? '', process.env.CARGO_HOME, os.homedir(), sep);
  return findOnPath(name, searched, exists, sep);
}

/** Settings for the server (the keys of lanes.toml). */
export function settings(): Record<string, unknown> {
  const section = vscode.workspace.getConfiguration('lanes');
  const plain: Record<string, unknown> = {};
  for (const key of ['branch', 'path', 'base', 'fetch', 'copy']) {
    plain[key] = section.get(key);
  }
  plain.setup = userOnly<string[] | null>('setup', null);
  return serverSettings(plain);
}

/** The arguments of `lanes.sync` from the `lanes.sync.*` settings. */
export function syncOptions(): { reviewRequested: boolean; prune: boolean } {
  const section = vscode.workspace.getConfiguration('lanes');
  return {
    reviewRequested: section.get<boolean>('sync.reviewRequested', false),
    prune: section.get<boolean>('sync.prune', false),
  };
}

/** Where Switch Lane opens a folder. */
export function openInNewWindow(): boolean {
  return vscode.workspace.getConfiguration('lanes').get<string>('switch.openIn', 'newWindow') === 'newWindow';
}

/** The command an agent terminal runs (`lanes.agent.command`); empty: none. */
export function agentCommand(): string {
  return (userOnly<string>('agent.command', '') ?? '').trim();
}
