import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../src/native/addon.ts';

test('the native addon loads', () => {
  assert.type(native, 'object');
});

test.run();
