/**
 * The notebook bridge: keeps JupyterLab's YNotebook and the Convergence model of the notebook
 * equal, at cell granularity (route A of the design notes).
 *
 * - Cells are matched by id, never by index: structure changes on either side are turned into
 *   remove / reorder / insert steps keyed by id, so a replay after a reconnect cannot duplicate
 *   a cell.
 * - Source edits travel as string splices in UTF-16 code units (what Yjs, CodeMirror and the
 *   model all count in).
 * - Remote changes are applied in a Yjs transaction whose origin is not the notebook, so the
 *   notebook's undo manager (which tracks only the notebook origin) never records them; a flag
 *   also stops them from echoing back to the server.
 * - Anything the fast paths cannot explain ends in a full reconcile from the model, which is
 *   idempotent, so divergence heals instead of accumulating.
 * - While the server writes a cell's outputs (an execution handed over, `executions.ts`), the
 *   bridge writes none of that cell's outputs or execution count, so they are written once.
 */
import type {
  ModelChangedEvent,
  RealTimeArray,
  RealTimeModel,
  RealTimeObject,
  RealTimeString
} from '@convergence/convergence';
import type { YNotebook, YBaseCell } from '@jupyter/ydoc';
import { Signal, ISignal } from '@lumino/signaling';

import {
  IModelCell,
  diffText,
  jsonEqual,
  planKeyedSteps,
  planOutputs,
  plain,
  toModelCell,
  toSharedCell
} from './cells';

/** Origin of the Yjs transactions that apply remote changes. */
export const REMOTE_ORIGIN = Symbol('convergence-remote');

type AnyCell = YBaseCell<any>;

export class NotebookBridge {
  constructor(
    readonly notebook: YNotebook,
    readonly model: RealTimeModel,
    private readonly _canWrite: boolean
  ) {
    this._root = model.root();
    this._onRemote = this._onRemote.bind(this);
    this._root.on('model_changed', this._onRemote as any);
    this.notebook.changed.connect(this._onLocalNotebookChange, this);
    this.reconcileFromModel();
    this._bindCells();
  }

  /** Emitted after remote changes were applied (for UI refreshes). */
  get remoteApplied(): ISignal<this, void> {
    return this._remoteApplied;
  }

  /** The model's cell ids, in order (tests and diagnostics). */
  modelCellIds(): string[] {
    return this._modelCells().map(c => String(c.get('id').value()));
  }

  /** Whether the model has a cell with this id. */
  hasCell(id: string): boolean {
    return this._modelCell(id) !== undefined;
  }

  /** Execution `msgId` of cell `id` is the server's to write: stop writing its outputs. */
  holdOutputs(id: string, msgId: string): void {
    this._heldOutputs.set(id, msgId);
  }

  /**
   * Execution `msgId` of cell `id` is over (or the server refused it): write the cell's
   * outputs again. `push` sends the local ones now (the server did not write them); otherwise
   * the cell is made equal to the model, which holds what the server wrote.
   */
  releaseOutputs(id: string, msgId: string, push: boolean): void {
    if (this._disposed || this._heldOutputs.get(id) !== msgId) {
      return;
    }
    this._heldOutputs.delete(id);
    const local = this._localCell(id);
    if (push) {
      if (local && this._canWrite) {
        this._syncFields(local);
      }
    } else {
      this.reconcileFromModel();
      this._bindCells();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._root.off('model_changed', this._onRemote as any);
    this.notebook.changed.disconnect(this._onLocalNotebookChange, this);
    for (const [cell, handler] of this._cellHandlers) {
      cell.changed.disconnect(handler);
      this._unobserve(cell);
    }
    this._cellHandlers.clear();
  }

  // ---------------------------------------------------------------------------------------
  // Model -> local

  /**
   * Makes the local notebook equal to the model, touching only what differs.
   *
   * Each structural step is its own transaction: YNotebook refreshes its `cells` list only when
   * a transaction ends, and the next step needs the fresh list.
   */
  reconcileFromModel(): void {
    const data = this._root.value() as Record<string, any>;
    const modelCells: IModelCell[] = (data.cells ?? []) as IModelCell[];
    const nb = this.notebook;
    const meta = data.metadata ?? {};
    this._applyRemote(() => {
      if (!jsonEqual(plain(nb.getMetadata()), meta)) {
        nb.setMetadata(meta);
      }
    });
    const byId = new Map(modelCells.map(c => [c.id, c]));
    const steps = planKeyedSteps(
      nb.cells.map(c => c.id),
      modelCells.map(c => c.id)
    );
    for (const step of steps) {
      this._applyRemote(() => {
        if (step.kind === 'remove') {
          nb.deleteCell(step.index);
        } else if (step.kind === 'move') {
          nb.moveCell(step.from, step.to);
        } else {
          nb.insertCell(step.index, toSharedCell(byId.get(step.id)!) as any);
        }
      });
    }
    modelCells.forEach((mc, index) => {
      const local = nb.cells[index] as AnyCell | undefined;
      if (local && local.cell_type !== mc.cell_type) {
        this._applyRemote(() => {
          nb.deleteCell(index);
          nb.insertCell(index, toSharedCell(mc) as any);
        });
      }
    });
    this._applyRemote(() => {
      modelCells.forEach((mc, index) => {
        const local = nb.cells[index] as AnyCell | undefined;
        if (local && local.id === mc.id) {
          this._updateCellFields(local, mc);
        }
      });
    });
    const localIds = nb.cells.map(c => c.id);
    if (localIds.join('\n') !== modelCells.map(c => c.id).join('\n')) {
      console.warn('convergence-jupyter: cells differ after reconcile', localIds);
    }
  }

  private _updateCellFields(local: AnyCell, mc: IModelCell): void {
    const splice = diffText(local.getSource(), mc.source ?? '');
    if (splice) {
      local.updateSource(splice.start, splice.end, splice.text);
    }
    if (!jsonEqual(plain(local.getMetadata()), mc.metadata ?? {})) {
      local.setMetadata(mc.metadata ?? {});
    }
    if (local.cell_type === 'code') {
      const code = local as any;
      const outputs = (mc.outputs ?? []) as any[];
      const current = plain(code.toJSON().outputs ?? []) as any[];
      if (!jsonEqual(current, outputs)) {
        replaceOutputs(code, current, outputs);
      }
      const count = mc.execution_count ?? null;
      if (code.execution_count !== count) {
        code.execution_count = count;
      }
    }
  }

  private _onRemote(event: ModelChangedEvent): void {
    if (this._disposed || event.local) {
      return;
    }
    const path = event.relativePath;
    const child: any = event.childEvent;
    // Fast path: a splice in one cell's source.
    if (
      path.length === 3 &&
      path[0] === 'cells' &&
      path[2] === 'source' &&
      (child.name === 'insert' || child.name === 'remove')
    ) {
      const cellIndex = path[1] as number;
      const cellObj = this._modelCells()[cellIndex];
      const id = cellObj ? String(cellObj.get('id').value()) : undefined;
      const local = id ? this._localCell(id) : undefined;
      if (local && cellObj) {
        const target = String(cellObj.get('source').value());
        this._applyRemote(() => {
          const before = local.getSource();
          if (before !== target) {
            if (child.name === 'insert') {
              local.updateSource(child.index, child.index, child.value);
            } else {
              local.updateSource(child.index, child.index + child.value.length, '');
            }
            if (local.getSource() !== target) {
              const splice = diffText(local.getSource(), target);
              if (splice) {
                local.updateSource(splice.start, splice.end, splice.text);
              }
            }
          }
        });
        this._remoteApplied.emit();
        return;
      }
    }
    this.reconcileFromModel();
    this._bindCells();
    this._remoteApplied.emit();
  }

  /**
   * Applies a change that came from the model. The YNotebook marks itself dirty on every
   * structural or source change, but what the model holds is the server's to save (it
   * autosaves it): a remote change, or the first reconcile right after opening, must not
   * show the unsaved marker, so the dirty flag is put back as it was, in the same transaction.
   */
  private _applyRemote(fn: () => void): void {
    const wasApplying = this._applying;
    const wasDirty = this.notebook.dirty;
    this._applying = true;
    try {
      this.notebook.ydoc.transact(() => {
        try {
          fn();
        } finally {
          if (this.notebook.dirty !== wasDirty) {
            this.notebook.dirty = wasDirty;
          }
        }
      }, REMOTE_ORIGIN);
    } finally {
      this._applying = wasApplying;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Local -> model

  private _onLocalNotebookChange(_: YNotebook, change: any): void {
    if (this._disposed) {
      return;
    }
    if (change.cellsChange) {
      // New cell objects (inserts, moves = delete + clone) need their own listeners.
      this._bindCells();
    }
    if (this._applying) {
      return;
    }
    if (!this._canWrite) {
      this._scheduleRevert();
      return;
    }
    if (change.cellsChange) {
      this._pushStructure();
    }
    if (change.metadataChange) {
      this._root.set('metadata', plain(this.notebook.getMetadata()) ?? {});
    }
  }

  private _pushStructure(): void {
    const local = this.notebook.cells as AnyCell[];
    const cells = this._cellsArray();
    const modelIds = this.modelCellIds();
    const localIds = dedupe(local.map(c => c.id));
    const byId = new Map(local.map(c => [c.id, c]));
    const steps = planKeyedSteps(modelIds, localIds);
    {
      for (const step of steps) {
        if (step.kind === 'remove') {
          cells.remove(step.index);
        } else if (step.kind === 'move') {
          cells.reorder(step.from, step.to);
        } else {
          cells.insert(step.index, toModelCell(byId.get(step.id)!.toJSON()));
        }
      }
      // Type changes keep the id: replace the whole cell object (CONTRACT.md §3).
      localIds.forEach((id, index) => {
        const cellObj = cells.get(index) as RealTimeObject;
        const cell = byId.get(id)!;
        if (String(cellObj.get('cell_type').value()) !== cell.cell_type) {
          cells.set(index, toModelCell(cell.toJSON()));
        }
      });
    }
  }

  private _bindCells(): void {
    const live = new Set<AnyCell>(this.notebook.cells as AnyCell[]);
    for (const [cell, handler] of this._cellHandlers) {
      if (!live.has(cell)) {
        cell.changed.disconnect(handler);
        this._unobserve(cell);
        this._cellHandlers.delete(cell);
      }
    }
    for (const cell of live) {
      if (!this._cellHandlers.has(cell)) {
        const handler = (sender: AnyCell, change: any) => this._onLocalCellChange(sender, change);
        cell.changed.connect(handler);
        this._cellHandlers.set(cell, handler);
        // JupyterLab writes outputs (and some metadata) as "silent" changes that never reach
        // `changed`, so watch the cell's Yjs map itself for everything but the source.
        const observer = (events: any[], tr: any) => {
          if (tr.origin === REMOTE_ORIGIN || this._applying) {
            return;
          }
          const source = cell.ymodel.get('source');
          if (!this._canWrite) {
            this._scheduleRevert();
          } else if (events.some(e => e.target !== source)) {
            this._scheduleFieldSync(cell);
          }
        };
        cell.ymodel.observeDeep(observer);
        this._observers.set(cell, observer);
      }
    }
  }

  /** Read-only: the server refuses our writes, so local edits are undone from the model. */
  private _scheduleRevert(): void {
    if (this._revertPending) {
      return;
    }
    this._revertPending = true;
    setTimeout(() => {
      this._revertPending = false;
      if (!this._disposed) {
        this.reconcileFromModel();
        this._bindCells();
      }
    }, 0);
  }

  private _unobserve(cell: AnyCell): void {
    const observer = this._observers.get(cell);
    if (observer) {
      cell.ymodel.unobserveDeep(observer);
      this._observers.delete(cell);
    }
  }

  /** Outputs stream in many small changes: send the cell's fields once per tick. */
  private _scheduleFieldSync(cell: AnyCell): void {
    if (this._pendingFields.has(cell)) {
      return;
    }
    this._pendingFields.add(cell);
    setTimeout(() => {
      this._pendingFields.delete(cell);
      if (!this._disposed && this._canWrite && this._cellHandlers.has(cell)) {
        this._syncFields(cell);
      }
    }, 30);
  }

  /** Sets every non-source field of the model cell that differs from the local cell. */
  private _syncFields(cell: AnyCell): void {
    const cellObj = this._modelCell(cell.id);
    if (!cellObj || String(cellObj.get('cell_type').value()) !== cell.cell_type) {
      return;
    }
    const json = toModelCell(cell.toJSON());
    setIfChanged(cellObj, 'metadata', json.metadata);
    if (json.attachments) {
      setIfChanged(cellObj, 'attachments', json.attachments);
    }
    if (cell.cell_type === 'code' && !this._heldOutputs.has(cell.id)) {
      setIfChanged(cellObj, 'outputs', json.outputs ?? []);
      setIfChanged(cellObj, 'execution_count', json.execution_count ?? null);
    }
  }

  private _onLocalCellChange(cell: AnyCell, change: any): void {
    if (this._disposed || this._applying) {
      return;
    }
    if (!this._canWrite) {
      this._scheduleRevert();
      return;
    }
    const cellObj = this._modelCell(cell.id);
    if (!cellObj) {
      return;
    }
    if (change.sourceChange) {
      const source = cellObj.get('source') as RealTimeString;
      let pos = 0;
      for (const part of change.sourceChange as Array<any>) {
        if (part.retain !== undefined) {
          pos += part.retain;
        } else if (part.delete !== undefined) {
          source.remove(pos, part.delete);
        } else if (part.insert !== undefined) {
          const text = typeof part.insert === 'string' ? part.insert : String(part.insert);
          source.insert(pos, text);
          pos += text.length;
        }
      }
      if (source.value() !== cell.getSource()) {
        // Should not happen; make the model match what the user sees.
        const splice = diffText(source.value(), cell.getSource());
        if (splice) {
          source.splice(splice.start, splice.end - splice.start, splice.text);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Lookups

  private _cellsArray(): RealTimeArray {
    return this._root.get('cells') as RealTimeArray;
  }

  private _modelCells(): RealTimeObject[] {
    const cells = this._cellsArray();
    const out: RealTimeObject[] = [];
    cells.forEach(c => out.push(c as RealTimeObject));
    return out;
  }

  private _modelCell(id: string): RealTimeObject | undefined {
    return this._modelCells().find(c => c.get('id').value() === id);
  }

  private _localCell(id: string): AnyCell | undefined {
    return (this.notebook.cells as AnyCell[]).find(c => c.id === id);
  }

  private _root: RealTimeObject;
  private _applying = false;
  private _disposed = false;
  private _cellHandlers = new Map<AnyCell, (sender: AnyCell, change: any) => void>();
  private _observers = new Map<AnyCell, (events: any[], tr: any) => void>();
  private _pendingFields = new Set<AnyCell>();
  /** Cells whose outputs the server writes: cell id -> the execution's msg id. */
  private _heldOutputs = new Map<string, string>();
  private _revertPending = false;
  private _remoteApplied = new Signal<this, void>(this);
}

function setIfChanged(obj: RealTimeObject, key: string, value: unknown): void {
  const current = obj.hasKey(key) ? obj.get(key).value() : undefined;
  if (!jsonEqual(current, value)) {
    obj.set(key, value);
  }
}

/** Applies `planOutputs` to a code cell (see there for why not a plain `setOutputs`). */
function replaceOutputs(code: any, current: unknown[], target: unknown[]): void {
  const step = planOutputs(current, target);
  if (step.kind === 'append-text') {
    code.appendStreamOutput(step.index, step.text);
  } else if (step.kind === 'append') {
    code.updateOutputs(current.length, current.length, step.outputs);
  } else {
    code.updateOutputs(current.length, current.length, step.outputs);
    code.updateOutputs(0, current.length, []);
  }
}

function dedupe(ids: string[]): string[] {
  return Array.from(new Set(ids));
}
