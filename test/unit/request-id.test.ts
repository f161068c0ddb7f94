import { describe, expect, it } from 'vitest';
import { resolveRequestId } from '../../src/request/request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request id', () => {
  it.each(['abc', 'req-1', 'a.b_c:d-E9', '0af7651916cd43dd8448eb211c80319c', 'x'.repeat(128)])('keeps the caller id %s', (header) => {
    expect(resolveRequestId(header)).toBe(header);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['longer than 128 characters', 'x'.repeat(129)],
    ['with a space', 'req 1'],
    ['with a line break', 'req-1\nforged log line'],
    ['with a trailing line break', 'req-1\n'],
    ['with a quote', 'req"1'],
    ['with a slash', 'a/b'],
    ['with non-ASCII letters', 'réq'],
  ])('generates a UUID when the caller id is %s', (_case, header) => {
    const id = resolveRequestId(header);
    expect(id).toMatch(UUID);
    expect(id).not.toBe(header);
  });

  it('does not trust a repeated header', () => {
    expect(resolveRequestId(['a', 'b'])).toMatch(UUID);
  });

  it('generates a different id for each request without one', () => {
    expect(resolveRequestId(undefined)).not.toBe(resolveRequestId(undefined));
  });
});
