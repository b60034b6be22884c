// Unit tests of planOutputs (how remote outputs are applied to a cell; compiled by `npm test`).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { planOutputs } = require('../lib-test/cells.js');

const out = (name, text) => ({ output_type: 'stream', name, text });
const display = v => ({ output_type: 'display_data', data: { 'text/plain': v }, metadata: {} });

test('a grown stream gets only the new text', () => {
  assert.deepEqual(planOutputs([out('stdout', 'a\n')], [out('stdout', 'a\nb\n')]), {
    kind: 'append-text',
    index: 0,
    text: 'b\n'
  });
  assert.deepEqual(
    planOutputs([display('x'), out('stdout', 'a')], [display('x'), out('stdout', 'ab')]),
    { kind: 'append-text', index: 1, text: 'b' }
  );
});

test('new outputs are appended', () => {
  assert.deepEqual(planOutputs([], [out('stdout', 'a')]), {
    kind: 'append',
    outputs: [out('stdout', 'a')]
  });
  assert.deepEqual(planOutputs([out('stdout', 'a')], [out('stdout', 'a'), display('x')]), {
    kind: 'append',
    outputs: [display('x')]
  });
});

test('anything else replaces every output', () => {
  // Overwritten text (\r), another stream name, a cleared or shortened list, a changed display.
  for (const [current, target] of [
    [[out('stdout', 'ab')], [out('stdout', 'b')]],
    [[out('stdout', 'a')], [out('stderr', 'ab')]],
    [[out('stdout', 'a')], []],
    [[display('x'), out('stdout', 'a')], [display('y'), out('stdout', 'a')]],
    [[out('stdout', 'a'), display('x')], [out('stdout', 'a')]]
  ]) {
    assert.deepEqual(planOutputs(current, target), { kind: 'replace', outputs: target });
  }
});
