/**
 * The visible parts: the presence list in each notebook's toolbar, and the side panel with the
 * people in the current notebook and its chat.
 *
 * Plain DOM (no React) to keep the bundle small; everything re-renders from the session's
 * state on its `changed` signal.
 */
import { Widget } from '@lumino/widgets';

import { initialsOf } from './colors';
import { CoEditSession } from './session';

/** Coloured initials of everyone in the notebook, plus the connection state. */
export class PresenceToolbarItem extends Widget {
  constructor(private readonly _session: CoEditSession) {
    super();
    this.addClass('cj-presence');
    _session.changed.connect(this._render, this);
    this._render();
  }

  private _render(): void {
    const node = this.node;
    node.textContent = '';
    const status = document.createElement('span');
    status.className = `cj-status cj-status-${this._session.status}`;
    status.title = `Co-editing: ${this._session.status}`;
    node.appendChild(status);
    for (const p of this._session.participants) {
      const badge = document.createElement('span');
      badge.className =
        'cj-presence-user' + (p.local ? ' cj-presence-local' : '') + (p.bot ? ' cj-presence-bot' : '');
      badge.style.backgroundColor = p.color;
      badge.textContent = initialsOf(p.displayName);
      badge.title = p.local ? `${p.displayName} (you)` : p.displayName;
      if (p.bot) {
        // A bot: a gear on its badge, and who it acts for in the tooltip.
        const marker = document.createElement('span');
        marker.className = 'cj-bot-marker';
        marker.textContent = '\u2699';
        marker.style.marginLeft = '1px';
        badge.appendChild(marker);
        badge.style.borderRadius = '3px';
        badge.title = `${p.displayName} (bot of ${p.bot.owner})`;
        badge.dataset.bot = 'true';
      }
      badge.dataset.username = p.username;
      node.appendChild(badge);
    }
  }
}

/** Side panel: who is here (and in which cell), and the notebook's chat. */
export class CollaborationPanel extends Widget {
  constructor() {
    super();
    this.id = 'convergence-collab-panel';
    this.addClass('cj-panel');
    this.title.caption = 'Notebook collaboration';
    this.title.label = 'Collab';
    this.title.closable = true;
    const header = document.createElement('div');
    header.className = 'cj-panel-header';
    this._people = document.createElement('ul');
    this._people.className = 'cj-people';
    this._log = document.createElement('div');
    this._log.className = 'cj-chat-log';
    const form = document.createElement('form');
    form.className = 'cj-chat-form';
    this._input = document.createElement('input');
    this._input.className = 'cj-chat-input';
    this._input.placeholder = 'Message the notebook';
    const button = document.createElement('button');
    button.type = 'submit';
    button.className = 'cj-chat-send jp-mod-styled jp-mod-accept';
    button.textContent = 'Send';
    form.append(this._input, button);
    form.addEventListener('submit', event => {
      event.preventDefault();
      void this._send();
    });
    this._header = header;
    this.node.append(header, this._people, this._log, form);
    this._render();
  }

  /** Shows the given notebook's session (or nothing). */
  set session(session: CoEditSession | null) {
    if (this._session === session) {
      return;
    }
    this._session?.changed.disconnect(this._render, this);
    this._session = session;
    session?.changed.connect(this._render, this);
    this._render();
  }

  private async _send(): Promise<void> {
    const text = this._input.value.trim();
    if (!text || !this._session) {
      return;
    }
    try {
      await this._session.send(text);
      this._input.value = '';
    } catch (error) {
      console.warn('convergence-jupyter: message not sent', error);
    }
  }

  private _render(): void {
    const session = this._session;
    this._header.textContent = session ? `${session.path} — ${session.status}` : 'No co-edited notebook';
    this._people.textContent = '';
    this._log.textContent = '';
    if (!session) {
      return;
    }
    for (const p of session.participants) {
      const li = document.createElement('li');
      li.className = 'cj-person';
      li.dataset.username = p.username;
      const dot = document.createElement('span');
      dot.className = 'cj-person-dot';
      dot.style.backgroundColor = p.color;
      const name = document.createElement('span');
      name.className = 'cj-person-name';
      name.textContent = p.local ? `${p.displayName} (you)` : p.displayName;
      li.append(dot, name);
      if (p.bot) {
        li.classList.add('cj-person-bot');
        li.dataset.bot = 'true';
        const marker = document.createElement('span');
        marker.className = 'cj-bot-marker';
        marker.textContent = ` \u2699 bot of ${p.bot.owner}`;
        marker.style.opacity = '0.7';
        li.appendChild(marker);
      }
      this._people.appendChild(li);
    }
    for (const m of session.messages) {
      const row = document.createElement('div');
      row.className = 'cj-chat-message';
      const who = document.createElement('span');
      who.className = 'cj-chat-user';
      who.style.color = m.color;
      who.textContent = m.displayName;
      const text = document.createElement('span');
      text.className = 'cj-chat-text';
      text.textContent = m.text;
      row.append(who, text);
      this._log.appendChild(row);
    }
    this._log.scrollTop = this._log.scrollHeight;
  }

  private _session: CoEditSession | null = null;
  private _header: HTMLElement;
  private _people: HTMLUListElement;
  private _log: HTMLDivElement;
  private _input: HTMLInputElement;
}
