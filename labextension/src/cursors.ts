/**
 * Remote cursors and selections in a cell editor (CodeMirror 6 decorations), and the report of
 * the local selection.
 *
 * Positions are UTF-16 offsets in the cell source, which are CodeMirror document positions too.
 */
import { Extension, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView, WidgetType } from '@codemirror/view';

/** One remote participant's caret and selection in this editor. */
export interface IRemoteCursor {
  sessionId: string;
  name: string;
  color: string;
  anchor: number;
  head: number;
}

/** Replaces the set of remote cursors shown in an editor. */
export const setRemoteCursors = StateEffect.define<IRemoteCursor[]>();

class CaretWidget extends WidgetType {
  constructor(readonly cursor: IRemoteCursor) {
    super();
  }

  eq(other: CaretWidget): boolean {
    return (
      other.cursor.name === this.cursor.name &&
      other.cursor.color === this.cursor.color &&
      other.cursor.sessionId === this.cursor.sessionId
    );
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.className = 'cj-remote-caret';
    caret.style.borderLeftColor = this.cursor.color;
    caret.dataset.session = this.cursor.sessionId;
    const label = document.createElement('span');
    label.className = 'cj-remote-caret-label';
    label.style.backgroundColor = this.cursor.color;
    label.textContent = this.cursor.name;
    caret.appendChild(label);
    return caret;
  }

  ignoreEvent(): boolean {
    return true;
  }
}

function build(cursors: IRemoteCursor[], length: number): DecorationSet {
  const ranges: { from: number; to: number; deco: Decoration }[] = [];
  for (const c of cursors) {
    const anchor = clamp(c.anchor, length);
    const head = clamp(c.head, length);
    const from = Math.min(anchor, head);
    const to = Math.max(anchor, head);
    if (from < to) {
      ranges.push({
        from,
        to,
        deco: Decoration.mark({
          class: 'cj-remote-selection',
          attributes: { style: `background-color: ${c.color}33` }
        })
      });
    }
    ranges.push({
      from: head,
      to: head,
      deco: Decoration.widget({ widget: new CaretWidget(c), side: 1 })
    });
  }
  ranges.sort((a, b) => a.from - b.from || a.to - b.to);
  const builder = new RangeSetBuilder<Decoration>();
  for (const r of ranges) {
    builder.add(r.from, r.to, r.deco);
  }
  return builder.finish();
}

function clamp(pos: number, length: number): number {
  return Math.max(0, Math.min(Number.isFinite(pos) ? pos : 0, length));
}

const cursorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let next = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setRemoteCursors)) {
        next = build(effect.value, tr.state.doc.length);
      }
    }
    return next;
  },
  provide: field => EditorView.decorations.from(field)
});

/**
 * The extension to inject into a cell editor: draws remote cursors and calls `onSelection`
 * whenever the local selection moves or the editor gains focus.
 */
export function remoteCursorsExtension(
  onSelection: (anchor: number, head: number) => void
): Extension {
  return [
    cursorField,
    EditorView.updateListener.of(update => {
      if (update.selectionSet || (update.focusChanged && update.view.hasFocus)) {
        const main = update.state.selection.main;
        onSelection(main.anchor, main.head);
      }
    })
  ];
}
