import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/http/problem.js';

describe('the problem catalogue', () => {
  it('is documented in docs/API.md, code by code with its status', async () => {
    const doc = await readFile(new URL('../../docs/API.md', import.meta.url), 'utf8');
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status}`));
    }
  });
});
