/**
 * Outputs that outlive the tab, the tab's side (server side: notebooks/executions.py).
 *
 * The server cannot tell from the kernel's iopub which cell an execution is for, so the tab
 * that sends an execute_request for a cell of this notebook hands it over: it reports its
 * kernel when it connects (`notebooks/kernel`, so the server listens before the first output)
 * and claims every execute_request it sends (`notebooks/execution {msgId, cellId}`). From the
 * moment the request is sent, the bridge stops writing that cell's outputs and execution count
 * (the server writes them, once, for every tab, and keeps writing after this tab closes); if
 * the server answers that it cannot (a kernel it does not run, an older server), the bridge
 * writes them itself, as before. When the execution is over the cell is made equal to the
 * model again.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage, ServerConnection } from '@jupyterlab/services';

import type { NotebookBridge } from './bridge';

/** After the kernel went idle, how long the server may still be committing its last write. */
const SETTLE_MS = 1000;

async function post(
  settings: ServerConnection.ISettings,
  endpoint: string,
  body: unknown
): Promise<boolean> {
  const url = URLExt.join(settings.baseUrl, 'convergence/api/v1/notebooks', endpoint);
  try {
    const response = await ServerConnection.makeRequest(
      url,
      { method: 'POST', body: JSON.stringify(body) },
      settings
    );
    if (!response.ok) {
      return false;
    }
    const reply = await response.json();
    return reply.serverOutputs === true;
  } catch {
    return false;
  }
}

export class ServerOutputs {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _settings: ServerConnection.ISettings,
    private readonly _bridge: () => NotebookBridge | null
  ) {
    const context = this._panel.sessionContext;
    context.kernelChanged.connect(this._onKernelChanged, this);
    this._connect(context.session?.kernel ?? null);
    this._panel.disposed.connect(() => this.dispose());
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._panel.sessionContext.kernelChanged.disconnect(this._onKernelChanged, this);
    this._connect(null);
  }

  private get _path(): string {
    return this._panel.context.path;
  }

  private _onKernelChanged(
    _: ISessionContext,
    change: { newValue: Kernel.IKernelConnection | null }
  ): void {
    this._connect(change.newValue);
  }

  private _connect(kernel: Kernel.IKernelConnection | null): void {
    if (this._kernel) {
      this._kernel.anyMessage.disconnect(this._onMessage, this);
      this._kernel.statusChanged.disconnect(this._onStatus, this);
    }
    this._releaseAll();
    this._kernel = this._disposed ? null : kernel;
    if (this._kernel) {
      this._kernel.anyMessage.connect(this._onMessage, this);
      this._kernel.statusChanged.connect(this._onStatus, this);
      void this._watch(this._kernel.id);
    }
  }

  /** A restarted or dead kernel says nothing more about what was running. */
  private _onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this._releaseAll();
    }
  }

  private _releaseAll(): void {
    const running = [...this._running];
    this._running.clear();
    for (const [msgId, cellId] of running) {
      this._bridge()?.releaseOutputs(cellId, msgId, false);
    }
  }

  /** Whether the server writes this kernel's outputs (asked once per kernel). */
  private _watch(kernelId: string): Promise<boolean> {
    let answer = this._managed.get(kernelId);
    if (!answer) {
      answer = post(this._settings, 'kernel', { path: this._path, kernelId });
      this._managed.set(kernelId, answer);
      void answer.then(on => {
        if (this._kernel?.id === kernelId) {
          this._panel.node.dataset.serverOutputs = on ? 'on' : 'off';
        }
        if (!on) {
          this._managed.delete(kernelId); // ask again next time (e.g. the server restarted)
        }
      });
    }
    return answer;
  }

  private _onMessage(kernel: Kernel.IKernelConnection, args: Kernel.IAnyMessageArgs): void {
    const msg = args.msg;
    if (args.direction === 'send' && msg.header.msg_type === 'execute_request') {
      this._onExecute(kernel.id, msg as KernelMessage.IExecuteRequestMsg);
    } else if (
      args.direction === 'recv' &&
      msg.header.msg_type === 'status' &&
      (msg as KernelMessage.IStatusMsg).content.execution_state === 'idle'
    ) {
      const msgId = (msg.parent_header as any)?.msg_id;
      const cellId = msgId ? this._running.get(msgId) : undefined;
      if (cellId) {
        this._running.delete(msgId);
        setTimeout(() => this._bridge()?.releaseOutputs(cellId, msgId, false), SETTLE_MS);
      }
    }
  }

  private _onExecute(kernelId: string, msg: KernelMessage.IExecuteRequestMsg): void {
    const cellId = (msg.metadata as any)?.cellId;
    const bridge = this._bridge();
    if (typeof cellId !== 'string' || !bridge || !bridge.hasCell(cellId)) {
      return;
    }
    const msgId = msg.header.msg_id;
    // Synchronously, before the bridge's next field sync could send the cleared outputs.
    bridge.holdOutputs(cellId, msgId);
    this._running.set(msgId, cellId);
    void (async () => {
      const claimed =
        (await this._watch(kernelId)) &&
        (await post(this._settings, 'execution', {
          path: this._path,
          kernelId,
          msgId,
          cellId
        }));
      if (!claimed) {
        this._running.delete(msgId);
        this._bridge()?.releaseOutputs(cellId, msgId, true);
      }
    })();
  }

  private _kernel: Kernel.IKernelConnection | null = null;
  private _managed = new Map<string, Promise<boolean>>();
  /** Claimed executions still running: msg id -> cell id. */
  private _running = new Map<string, string>();
  private _disposed = false;
}
