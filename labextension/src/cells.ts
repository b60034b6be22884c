/**
 * Pure helpers shared by the bridge: the model's cell shape (CONTRACT.md §3), conversions from
 * JupyterLab's cells, JSON equality and UTF-16-safe text splices.
 *
 * Nothing here touches Yjs or the Convergence client, so it is easy to reason about and test.
 */

/** A cell as stored in the Convergence model. */
export interface IModelCell {
  id: string;
  cell_type: string;
  source: string;
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

/** Turns an nbformat cell (JupyterLab's `toJSON()`) into the model's cell shape. */
export function toModelCell(cell: Record<string, any>): IModelCell {
  const source = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
  const out: IModelCell = {
    id: String(cell.id),
    cell_type: String(cell.cell_type),
    source,
    metadata: plain(cell.metadata ?? {})
  };
  if (cell.cell_type === 'code') {
    out.outputs = plain(cell.outputs ?? []);
    out.execution_count = typeof cell.execution_count === 'number' ? cell.execution_count : null;
  }
  if (cell.attachments && Object.keys(cell.attachments).length > 0) {
    out.attachments = plain(cell.attachments);
  }
  return out;
}

/** Turns a model cell into what `YNotebook.insertCell` takes. */
export function toSharedCell(cell: IModelCell): Record<string, any> {
  const out: Record<string, any> = {
    id: cell.id,
    cell_type: cell.cell_type,
    source: cell.source ?? '',
    metadata: cell.metadata ?? {}
  };
  if (cell.cell_type === 'code') {
    out.outputs = cell.outputs ?? [];
    out.execution_count = cell.execution_count ?? null;
  }
  if (cell.attachments) {
    out.attachments = cell.attachments;
  }
  return out;
}

/** A deep copy without `undefined` values (the model refuses them). */
export function plain<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** Structural JSON equality that ignores key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        sorted[k] = v[k];
      }
      return sorted;
    }
    return v;
  });
}

/** The smallest single splice turning `from` into `to`, never splitting a surrogate pair. */
export interface ISplice {
  start: number;
  end: number;
  text: string;
}

export function diffText(from: string, to: string): ISplice | null {
  if (from === to) {
    return null;
  }
  let start = 0;
  const max = Math.min(from.length, to.length);
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) {
    start++;
  }
  if (start > 0 && isHighSurrogate(from.charCodeAt(start - 1))) {
    start--;
  }
  let endFrom = from.length;
  let endTo = to.length;
  while (endFrom > start && endTo > start && from.charCodeAt(endFrom - 1) === to.charCodeAt(endTo - 1)) {
    endFrom--;
    endTo--;
  }
  if (endFrom < from.length && isLowSurrogate(from.charCodeAt(endFrom))) {
    endFrom++;
    endTo++;
  }
  return { start, end: endFrom, text: to.slice(start, endTo) };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The array operations that turn the id sequence `current` into `target`, keyed by id.
 *
 * Removals first (of ids absent from `target`, and of duplicate ids), then, walking `target`,
 * a reorder when the id exists further on, else an insert. Applying them in order to a list
 * equal to `current` yields `target`.
 */
export type ArrayStep =
  | { kind: 'remove'; index: number; id: string }
  | { kind: 'move'; from: number; to: number; id: string }
  | { kind: 'insert'; index: number; id: string };

export function planKeyedSteps(current: string[], target: string[]): ArrayStep[] {
  const steps: ArrayStep[] = [];
  const wanted = new Set(target);
  const work = current.slice();
  const seen = new Set<string>();
  for (let i = 0; i < work.length; ) {
    const id = work[i];
    if (!wanted.has(id) || seen.has(id)) {
      steps.push({ kind: 'remove', index: i, id });
      work.splice(i, 1);
    } else {
      seen.add(id);
      i++;
    }
  }
  for (let i = 0; i < target.length; i++) {
    const id = target[i];
    if (work[i] === id) {
      continue;
    }
    const j = work.indexOf(id, i + 1);
    if (j >= 0) {
      steps.push({ kind: 'move', from: j, to: i, id });
      work.splice(j, 1);
      work.splice(i, 0, id);
    } else {
      steps.push({ kind: 'insert', index: i, id });
      work.splice(i, 0, id);
    }
  }
  return steps;
}

function streamText(output: any): string {
  return Array.isArray(output.text) ? output.text.join('') : String(output.text ?? '');
}

/**
 * How to turn a code cell's outputs `current` into `target` in steps JupyterLab's output area
 * follows correctly: a stream that grew gets the new text appended (`append-text`), new
 * outputs are appended (`append`); anything else (`replace`) is inserted after the old
 * outputs, which are then deleted, so the output area sees the delete first and adds to an
 * empty list. (Inserting first, as a plain `setOutputs` does, makes it merge the new stream
 * into the old one and write the merged text back into the cell: the text shows twice.)
 */
export type OutputStep =
  | { kind: 'append-text'; index: number; text: string }
  | { kind: 'append'; outputs: unknown[] }
  | { kind: 'replace'; outputs: unknown[] };

export function planOutputs(current: unknown[], target: unknown[]): OutputStep {
  let k = 0;
  while (k < current.length && k < target.length && jsonEqual(current[k], target[k])) {
    k++;
  }
  const last = current.length - 1;
  if (current.length === target.length && k === last) {
    const [a, b] = [current[last] as any, target[last] as any];
    const [textA, textB] = [streamText(a), streamText(b)];
    if (
      a.output_type === 'stream' &&
      b.output_type === 'stream' &&
      a.name === b.name &&
      textB.startsWith(textA)
    ) {
      return { kind: 'append-text', index: last, text: textB.slice(textA.length) };
    }
  }
  if (k === current.length) {
    return { kind: 'append', outputs: target.slice(k) };
  }
  return { kind: 'replace', outputs: target };
}
