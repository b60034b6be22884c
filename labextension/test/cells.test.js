// Unit tests of the bridge's pure helpers (node --test; compiled by `npm test`).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { diffText, planKeyedSteps, toModelCell, toSharedCell, jsonEqual } = require('../lib-test/cells.js');

function applySteps(ids, target, steps) {
  const work = ids.slice();
  for (const s of steps) {
    if (s.kind === 'remove') {
      assert.equal(work[s.index], s.id);
      work.splice(s.index, 1);
    } else if (s.kind === 'move') {
      assert.equal(work[s.from], s.id);
      work.splice(s.from, 1);
      work.splice(s.to, 0, s.id);
    } else {
      work.splice(s.index, 0, s.id);
    }
  }
  return work;
}

test('keyed steps turn any id list into the target without duplicates', () => {
  const cases = [
    [[], ['a', 'b']],
    [['a', 'b', 'c'], []],
    [['a', 'b', 'c'], ['c', 'a', 'b']],
    [['a', 'b', 'c'], ['a', 'x', 'c']],
    [['a', 'a', 'b'], ['b', 'a']],
    [['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a']],
    [['a', 'b'], ['a', 'b']]
  ];
  for (const [from, to] of cases) {
    const steps = planKeyedSteps(from, to);
    assert.deepEqual(applySteps(from, to, steps), to, JSON.stringify([from, to, steps]));
  }
  // Random permutations with inserts and deletes.
  let seed = 7;
  const rnd = n => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let round = 0; round < 500; round++) {
    const pool = Array.from({ length: 8 }, (_, i) => 'c' + i);
    const from = pool.filter(() => rnd(2) === 0);
    const to = pool.filter(() => rnd(2) === 0).sort(() => rnd(3) - 1);
    assert.deepEqual(applySteps(from, to, planKeyedSteps(from, to)), to);
  }
});

test('an unchanged list needs no steps; a move is one step', () => {
  assert.deepEqual(planKeyedSteps(['a', 'b', 'c'], ['a', 'b', 'c']), []);
  assert.deepEqual(planKeyedSteps(['a', 'b', 'c'], ['a', 'c', 'b']), [
    { kind: 'move', from: 2, to: 1, id: 'c' }
  ]);
});

test('diffText is one splice in UTF-16 units that never splits a surrogate pair', () => {
  const apply = (s, d) => (d ? s.slice(0, d.start) + d.text + s.slice(d.end) : s);
  const pairs = [
    ['abc', 'abc'],
    ['abc', 'abXc'],
    ['a😀c', 'a😁c'],
    ['😀', '😁'],
    ['x = 1', 'x = 10'],
    ['', 'é漢字🎉'],
    ['🎉🎉', '🎉'],
    ['a\r\nb', 'a\nb']
  ];
  for (const [a, b] of pairs) {
    const d = diffText(a, b);
    assert.equal(apply(a, d), b);
    if (d) {
      const high = c => c >= 0xd800 && c <= 0xdbff;
      assert.ok(!high(a.charCodeAt(d.start - 1)) || d.start === 0, `start splits a pair in ${a}`);
      assert.ok(!(a.charCodeAt(d.end) >= 0xdc00 && a.charCodeAt(d.end) <= 0xdfff), `end splits a pair in ${a}`);
    }
  }
  assert.deepEqual(diffText('a😀c', 'a😁c'), { start: 1, end: 3, text: '😁' });
});

test('cells convert to the contract shape and back', () => {
  const code = toModelCell({
    id: 'x1', cell_type: 'code', source: ['a = 1\n', 'b'], metadata: { tags: ['t'] },
    outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }], execution_count: 3
  });
  assert.deepEqual(code, {
    id: 'x1', cell_type: 'code', source: 'a = 1\nb', metadata: { tags: ['t'] },
    outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }], execution_count: 3
  });
  const md = toModelCell({ id: 'm', cell_type: 'markdown', source: '# t', metadata: {} });
  assert.equal(md.outputs, undefined);
  assert.equal(md.execution_count, undefined);
  assert.deepEqual(toSharedCell(code).execution_count, 3);
  assert.ok(jsonEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
});
