import { describe, expect, it } from 'vitest';
import { negotiateCsssLanguage } from '../../src/csss/csss.language.js';

describe('Accept-Language negotiation', () => {
  it.each([
    ['en-US', 'en-US'],
    ['EN-US', 'en-US'],
    ['en', 'en-US'],
    ['en-GB,en;q=0.9', 'en-US'],
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['en-US;q=0.5, zh-CN;q=0.8', 'zh-CN'],
    ['zh-CN;q=0.2, en-US;q=0.9', 'en-US'],
    ['fr, en;q=0.1', 'en-US'],
  ])('maps %j to %s', (header, expected) => {
    expect(negotiateCsssLanguage(header, 'zh-CN')).toBe(expected);
  });

  it.each([undefined, '', 'fr', 'de-DE, ja;q=0.5', 'en;q=0', '*', ';;;garbage'])(
    'falls back to the configured default for %j',
    (header) => {
      expect(negotiateCsssLanguage(header, 'zh-CN')).toBe('zh-CN');
      expect(negotiateCsssLanguage(header, 'en-US')).toBe('en-US');
    },
  );

  it('answers the same for a header seen before, also after more distinct headers than it remembers', () => {
    for (let i = 0; i < 2_500; i += 1) {
      expect(negotiateCsssLanguage(`fr-${i}, zh;q=0.5`, 'en-US')).toBe('zh-CN');
      expect(negotiateCsssLanguage(`fr-${i}`, 'en-US')).toBe('en-US');
    }
    expect(negotiateCsssLanguage('fr-1, zh;q=0.5', 'en-US')).toBe('zh-CN');
    expect(negotiateCsssLanguage(`en, ${'x'.repeat(300)}`, 'zh-CN')).toBe('en-US');
    expect(negotiateCsssLanguage(`en, ${'x'.repeat(300)}`, 'zh-CN')).toBe('en-US');
  });
});
