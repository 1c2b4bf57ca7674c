// The status bar item: the window's lane from `lanes/status`; hidden outside git.
import * as vscode from 'vscode';
import { statusText, statusTooltip } from './format';
import type { LaneStatus as LaneStatusMessage } from './protocol';

export class LaneStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  current: LaneStatusMessage | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('lanes.status', vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Lanes';
    this.item.command = 'lanes.switchLane';
  }

  update(lane: LaneStatusMessage | null | undefined): void {
    this.current = lane ?? undefined;
    if (!lane) {
      this.item.hide();
      return;
    }
    this.item.text = statusText(lane);
    this.item.tooltip = statusTooltip(lane);
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
