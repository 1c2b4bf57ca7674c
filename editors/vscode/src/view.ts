// The Lanes view: one node per lane (ticket, title, branch, dirty, ahead/behind, PR, merged,
// conflicts), its changed files with git's verdicts beneath. It refreshes when `lanes/status`
// reports a new revision (some lane changed), never by polling.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { errorMessage, run } from './client';
import { fileNode, laneName, laneNode } from './format';
import type { Lane, LaneFile, LaneFiles, LaneList, LaneStatus } from './protocol';

/** A node of the view: a lane, one of its changed files, or a line saying why there is nothing. */
export type LanesNode =
  | { kind: 'lane'; lane: Lane }
  | { kind: 'file'; lane: Lane; file: LaneFile }
  | { kind: 'note'; text: string };

export class LanesView implements vscode.TreeDataProvider<LanesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LanesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly tree: vscode.TreeView<LanesNode>;
  private client: LanguageClient | undefined;
  private windowLane: string | undefined;
  private revision: number | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.tree = vscode.window.createTreeView('lanes.lanes', { treeDataProvider: this, showCollapseAll: true });
  }

  /** The client to ask (none: the binary is missing or the server is restarting). */
  setClient(client: LanguageClient | undefined): void {
    this.client = client;
    this.revision = undefined;
    this.refresh();
  }

  /** A `lanes/status` arrived: refresh when some lane changed since the last one. */
  onStatus(status: LaneStatus | null): void {
    const windowLane = status?.path;
    const revision = status?.revision ?? undefined;
    if (windowLane === this.windowLane && revision !== undefined && revision === this.revision) {
      return;
    }
    this.windowLane = windowLane;
    this.revision = revision;
    // Agents saving in many lanes bump the revision often: one refresh per burst.
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.refresh(), 250);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: LanesNode): vscode.TreeItem {
    if (node.kind === 'note') {
      return new vscode.TreeItem(node.text);
    }
    if (node.kind === 'lane') {
      const shown = laneNode(node.lane, this.windowLane);
      const item = new vscode.TreeItem(shown.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `lane:${node.lane.path}`;
      item.description = shown.description;
      item.tooltip = shown.tooltip;
      item.contextValue = shown.context;
      item.iconPath = shown.warning
        ? new vscode.ThemeIcon(shown.icon, new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon(shown.icon);
      return item;
    }
    const shown = fileNode(node.file, node.lane.path);
    const uri = vscode.Uri.file(`${node.lane.path}/${node.file.path}`);
    const item = new vscode.TreeItem(shown.label, vscode.TreeItemCollapsibleState.None);
    item.id = `file:${node.lane.path}/${node.file.path}`;
    item.resourceUri = uri;
    item.description = shown.description;
    item.tooltip = shown.tooltip;
    item.contextValue = 'laneFile';
    if (shown.conflict) {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    }
    const line = shown.line - 1;
    item.command = {
      command: 'vscode.open',
      title: 'Open',
      arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }],
    };
    return item;
  }

  async getChildren(node?: LanesNode): Promise<LanesNode[]> {
    const client = this.client;
    if (!client) {
      return [];
    }
    try {
      if (!node) {
        const { lanes } = await run<LaneList>(client, 'lanes.list');
        this.showBadge(lanes);
        // Only the primary checkout: the welcome text invites to start a lane.
        return lanes.length <= 1 ? [] : lanes.map((lane) => ({ kind: 'lane', lane }));
      }
      if (node.kind !== 'lane') {
        return [];
      }
      const { files } = await run<LaneFiles>(client, 'lanes.laneFiles', { ticket: laneName(node.lane) });
      if (files.length === 0) {
        return [{ kind: 'note', text: 'No changes yet' }];
      }
      // Conflicts first, then by path.
      const rank = (f: LaneFile) => (f.pairs.some((p) => p.kind === 'conflict') ? 0 : 1);
      return [...files]
        .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path))
        .map((file) => ({ kind: 'file', lane: node.lane, file }));
    } catch (error) {
      return [{ kind: 'note', text: errorMessage(error) }];
    }
  }

  /** The view's badge: how many lanes would conflict. */
  private showBadge(lanes: Lane[]): void {
    const conflicting = lanes.filter((l) => (l.conflicts ?? []).length > 0).length;
    this.tree.badge = conflicting > 0
      ? { value: conflicting, tooltip: `${conflicting} lane(s) would conflict when merged` }
      : undefined;
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.tree.dispose();
    this.changed.dispose();
  }
}
