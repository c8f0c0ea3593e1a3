import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { clip, describeIssues, listSome, thousands } from '../src/one-line.js';

describe('message helpers', () => {
  it('clip keeps short text and cuts long text to its start and length', () => {
    expect(clip('W1')).toBe('W1');
    expect(clip('x'.repeat(40))).toBe('x'.repeat(40));
    expect(clip('x'.repeat(50_000))).toBe(`${'x'.repeat(40)}... (50,000 chars)`);
    expect(clip('abcdef', 3)).toBe('abc... (6 chars)');
  });

  it('clip never ends on half a surrogate pair', () => {
    expect(clip(`${'x'.repeat(39)}😀${'x'.repeat(10)}`)).toBe(`${'x'.repeat(39)}... (51 chars)`);
  });

  it('listSome lists four items, each clipped, and counts the rest', () => {
    expect(listSome([])).toBe('none');
    expect(listSome(['a', 'b', 'c', 'd'])).toBe('a, b, c, d');
    expect(listSome(Array.from({ length: 50_000 }, (_, i) => `k${i}`))).toBe('k0, k1, k2, k3, ... (49,996 more)');
    expect(listSome(['y'.repeat(1000)])).toBe(`${'y'.repeat(40)}... (1,000 chars)`);
  });

  it('thousands separates thousands whatever the locale, for numbers and bigints', () => {
    expect(thousands(1234567)).toBe('1,234,567');
    expect(thousands(2n ** 63n)).toBe('9,223,372,036,854,775,808');
  });

  it('describeIssues shows three issues and counts the rest', () => {
    const result = z.array(z.string()).safeParse(Array.from({ length: 1000 }, (_, i) => i));
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toMatch(/^0: .*; 1: .*; 2: .*; \.\.\. \(997 more\)$/);
  });

  it('describeIssues clips a long path', () => {
    const result = z.record(z.string(), z.string()).safeParse({ ['k'.repeat(1000)]: 1 });
    expect(describeIssues(result.error!)).toMatch(new RegExp(`^k{40}\\.\\.\\. \\(1,000 chars\\): `));
  });

  it('describeIssues quotes the value each issue is about, clipped, when given the input; `root` names the top level', () => {
    const Schema = z.object({ port: z.coerce.number().int().max(65535), name: z.string() });
    const input = { port: '70000', name: 'x'.repeat(100) };
    const result = Schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!, { input })).toMatch(/^port: .*<=65535 \(got "70000"\)$/);
    const many = z.array(z.number()).safeParse(['a', 'b']);
    expect(describeIssues(many.error!, { input: ['a', 'b'], most: 1 })).toMatch(/^0: .* \(got "a"\); \.\.\. \(1 more\)$/);
    const top = z.object({}).safeParse('y'.repeat(100));
    expect(describeIssues(top.error!, { root: 'body', input: 'y'.repeat(100) })).toMatch(/^body: .* \(got "y{39}\.\.\. \(102 chars\)\)$/);
  });
});
