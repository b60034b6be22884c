/**
 * A co-editing session of one open notebook: the connection, the model bridge, the activity
 * (who is here and where their cursor is) and the chat room.
 */
import type { Activity, Chat, ConvergenceDomain, RealTimeModel } from '@convergence/convergence';
import { CodeMirrorEditor } from '@jupyterlab/codemirror';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { INotebookSession, requestSession } from './api';
import { NotebookBridge } from './bridge';
import { colorFor, isBot } from './colors';
import { connect } from './connection';
import { ServerOutputs } from './executions';
import { IRemoteCursor, remoteCursorsExtension, setRemoteCursors } from './cursors';

/** A person in the notebook, as shown in the presence list. */
export interface IParticipant {
  sessionId: string;
  username: string;
  displayName: string;
  color: string;
  cellId: string | null;
  local: boolean;
  /** Set for kernel bots: the Jupyter user the bot acts for. */
  bot: { owner: string } | null;
}

export interface IChatEntry {
  user: string;
  displayName: string;
  color: string;
  text: string;
  time: Date;
}

export type Status = 'connecting' | 'online' | 'offline' | 'error';

export class CoEditSession {
  constructor(
    readonly panel: NotebookPanel,
    private readonly _settings: ServerConnection.ISettings
  ) {}

  get status(): Status {
    return this._status;
  }
  get participants(): IParticipant[] {
    return this._participants;
  }
  get messages(): IChatEntry[] {
    return this._messages;
  }
  get bridge(): NotebookBridge | null {
    return this._bridge;
  }
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get path(): string {
    return this.panel.context.path;
  }

  /** Connects and binds; resolves false when the server does not co-edit this notebook. */
  async start(): Promise<boolean> {
    let info: INotebookSession;
    try {
      info = await requestSession(this._settings, this.path);
    } catch (error) {
      console.warn('convergence-jupyter: no co-editing for', this.path, error);
      this._setStatus('error');
      return false;
    }
    let domain: ConvergenceDomain;
    try {
      domain = await connect(this._settings, info.realtimeUrl, info.jwt);
    } catch (error) {
      console.warn('convergence-jupyter: cannot connect', error);
      this._setStatus('error');
      return false;
    }
    this._domain = domain;
    this._username = domain.session().user().username;
    this._displayName = domain.session().user().displayName || this._username;
    domain.on('disconnected', this._onOffline);
    domain.on('interrupted', this._onOffline);
    domain.on('reconnected', this._onOnline);
    domain.on('connected', this._onOnline);
    if (!(await this._bind(domain, info))) {
      return false;
    }
    new ServerOutputs(this.panel, this._settings, () => (this._disposed ? null : this._bridge));
    // Bound: the notebook now shows exactly the server's model (see 'committed' in _bind).
    this.panel.context.model.dirty = false;
    if (!info.canWrite) {
      // The server refuses our writes (and the bridge undoes them): make editors read-only.
      const lock = () => this.panel.content.widgets.forEach(cell => (cell.readOnly = true));
      this.panel.content.model!.cells.changed.connect(() => requestAnimationFrame(lock));
      lock();
    }
    this._setStatus('online');
    await this._joinActivity(domain, info);
    void this._joinChat(domain, info);
    this.panel.content.activeCellChanged.connect(this._onActiveCell, this);
    this.panel.content.model!.cells.changed.connect(() => this._renderCursors());
    this._onActiveCell();
    return true;
  }

  /** Opens the model and binds it to the notebook (server state wins over local state). */
  private async _bind(domain: ConvergenceDomain, info: INotebookSession): Promise<boolean> {
    let model: RealTimeModel;
    try {
      model = await domain.models().open(info.modelId);
    } catch (error) {
      console.warn('convergence-jupyter: cannot open the notebook model', error);
      this._setStatus('error');
      return false;
    }
    if (this._disposed) {
      void model.close().catch(() => undefined);
      return false;
    }
    this._model = model;
    this._bridge = new NotebookBridge(
      this.panel.content.model!.sharedModel as any,
      model,
      info.canWrite
    );
    this._bridge.remoteApplied.connect(() => this._renderCursors());
    // While co-editing, "unsaved" means "not yet confirmed by the server": once every local
    // change is acknowledged it is durably stored there, and the server writes the file
    // itself (autosave), so the tab's unsaved marker goes away then, not at a manual save.
    model.on('committed', () => {
      if (!this._disposed && this._model === model) {
        this.panel.context.model.dirty = false;
      }
    });
    // The client closes a model it cannot resynchronise (e.g. the server lost it): open it
    // again instead of leaving the notebook silently unbound.
    model.on('closed', () => {
      if (!this._disposed && this._model === model) {
        void this._reopen();
      }
    });
    return true;
  }

  private async _reopen(): Promise<void> {
    this._bridge?.dispose();
    this._bridge = null;
    this._model = null;
    this._setStatus('connecting');
    for (let attempt = 0; !this._disposed; attempt++) {
      try {
        const info = await requestSession(this._settings, this.path);
        if (this._domain && (await this._bind(this._domain, info))) {
          this._setStatus('online');
          return;
        }
      } catch (error) {
        console.warn('convergence-jupyter: reopening the notebook model failed', error);
      }
      await new Promise(resolve => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 10000)));
    }
  }

  async send(text: string): Promise<void> {
    if (!this._chat) {
      throw new Error('chat is not available');
    }
    await this._chat.send(text);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._bridge?.dispose();
    this._domain?.off('disconnected', this._onOffline);
    this._domain?.off('interrupted', this._onOffline);
    this._domain?.off('reconnected', this._onOnline);
    this._domain?.off('connected', this._onOnline);
    this._participantsSub?.unsubscribe();
    void this._activity?.leave().catch(() => undefined);
    void (this._chat as any)?.leave?.()?.catch(() => undefined);
    void this._model?.close().catch(() => undefined);
    Signal.clearData(this);
  }

  // ---------------------------------------------------------------------------------------
  // Presence and cursors

  private async _joinActivity(domain: ConvergenceDomain, info: INotebookSession): Promise<void> {
    const user = {
      name: this._username,
      displayName: this._displayName,
      color: colorFor(this._username)
    };
    try {
      this._activity = await domain
        .activities()
        .join(info.activityType, info.activityId, { state: { user, cellId: null, cursor: null } });
    } catch (error) {
      console.warn('convergence-jupyter: cannot join the activity', error);
      return;
    }
    this._participantsSub = this._activity.participantsAsObservable().subscribe(list => {
      this._participants = list.map(p => {
        const u = p.state.get('user') ?? {};
        const username = u.name ?? p.user.username;
        return {
          sessionId: p.sessionId,
          username,
          displayName: u.displayName ?? p.user.displayName ?? username,
          color: u.color ?? colorFor(username),
          cellId: p.state.get('cellId') ?? null,
          local: p.local,
          bot: isBot(p.user.username)
            ? { owner: String(u.bot?.owner ?? p.user.username.split(':').slice(3).join(':')) }
            : null
        };
      });
      this._renderCursors();
      this._changed.emit();
    });
  }

  private _onActiveCell(): void {
    const cell = this.panel.content.activeCell;
    if (!cell) {
      return;
    }
    this._ensureEditorHooks();
    this._publish({ cellId: cell.model.id });
  }

  private _publish(state: Record<string, unknown>): void {
    if (!this._activity || !this._activity.isJoined()) {
      return;
    }
    try {
      this._activity.setState(state as any);
    } catch (error) {
      console.warn('convergence-jupyter: cannot publish presence', error);
    }
  }

  /** Injects the cursor extension into every rendered cell editor that lacks it. */
  private _ensureEditorHooks(): void {
    for (const cell of this.panel.content.widgets) {
      const editor = cell.editor;
      if (!(editor instanceof CodeMirrorEditor) || this._hooked.has(editor)) {
        continue;
      }
      this._hooked.add(editor);
      const cellModel = cell.model;
      editor.injectExtension(
        remoteCursorsExtension((anchor, head) => {
          this._publish({ cellId: cellModel.id, cursor: { cellId: cellModel.id, anchor, head } });
        })
      );
    }
  }

  private _renderCursors(): void {
    if (this._disposed) {
      return;
    }
    this._ensureEditorHooks();
    const byCell = new Map<string, IRemoteCursor[]>();
    for (const p of this._activity?.participants() ?? []) {
      if (p.local) {
        continue;
      }
      const cursor = p.state.get('cursor');
      if (!cursor || typeof cursor.cellId !== 'string') {
        continue;
      }
      const u = p.state.get('user') ?? {};
      const name = u.displayName ?? p.user.displayName ?? p.user.username;
      const list = byCell.get(cursor.cellId) ?? [];
      list.push({
        sessionId: p.sessionId,
        name,
        color: u.color ?? colorFor(p.user.username),
        anchor: Number(cursor.anchor),
        head: Number(cursor.head)
      });
      byCell.set(cursor.cellId, list);
    }
    for (const cell of this.panel.content.widgets) {
      const editor = cell.editor;
      if (!(editor instanceof CodeMirrorEditor)) {
        continue;
      }
      const cursors = byCell.get(cell.model.id) ?? [];
      const had = this._shown.get(editor) ?? 0;
      if (cursors.length === 0 && had === 0) {
        continue;
      }
      this._shown.set(editor, cursors.length);
      editor.editor.dispatch({ effects: setRemoteCursors.of(cursors) });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Chat

  private async _joinChat(domain: ConvergenceDomain, info: INotebookSession): Promise<void> {
    try {
      const chat = await domain.chat().join(info.chatId);
      this._chat = chat;
      chat.on('message', (event: any) => {
        this._messages.push(this._entry(event.user, event.message, event.timestamp));
        this._changed.emit();
      });
      try {
        const history = await chat.getHistory({ limit: 50, eventTypes: ['message'] } as any);
        const earlier = (history.data as any[])
          .filter(e => e.type === 'message' || e.message !== undefined)
          .map(e => this._entry(e.user, e.message, e.timestamp))
          .sort((a, b) => a.time.getTime() - b.time.getTime());
        this._messages = [...earlier, ...this._messages];
      } catch (error) {
        console.warn('convergence-jupyter: no chat history', error);
      }
      this._changed.emit();
    } catch (error) {
      console.warn('convergence-jupyter: cannot join the chat', error);
    }
  }

  private _entry(user: any, text: string, time: Date): IChatEntry {
    const username = user?.username ?? '?';
    return {
      user: username,
      displayName: user?.displayName || username,
      color: colorFor(username),
      text,
      time: time instanceof Date ? time : new Date()
    };
  }

  // ---------------------------------------------------------------------------------------

  private _onOffline = (): void => this._setStatus('offline');
  private _onOnline = (): void => {
    this._setStatus('online');
  };

  private _setStatus(status: Status): void {
    if (this._status !== status) {
      this._status = status;
      this._changed.emit();
    }
  }

  private _status: Status = 'connecting';
  private _domain: ConvergenceDomain | null = null;
  private _model: RealTimeModel | null = null;
  private _bridge: NotebookBridge | null = null;
  private _activity: Activity | null = null;
  private _chat: Chat | null = null;
  private _participantsSub: { unsubscribe(): void } | null = null;
  private _participants: IParticipant[] = [];
  private _messages: IChatEntry[] = [];
  private _username = '';
  private _displayName = '';
  private _disposed = false;
  private _hooked = new WeakSet<CodeMirrorEditor>();
  private _shown = new WeakMap<CodeMirrorEditor, number>();
  private _changed = new Signal<this, void>(this);
}
