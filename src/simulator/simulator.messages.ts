import type { CsssLanguage } from '../csss/csss.wire.js';

/**
 * What the simulator says, in the two languages CSSS localizes `message` into. Keys are
 * stable so that code never depends on the wording; `{field}` is replaced by the name
 * of the offending parameter.
 */
const MESSAGES = {
  success: { 'zh-CN': '成功', 'en-US': 'success' },
  unsupportedContentType: {
    'zh-CN': '请求的 Content-Type 必须为 application/json',
    'en-US': 'Content-Type must be application/json',
  },
  bodyTooLarge: { 'zh-CN': '请求体过大', 'en-US': 'Request body is too large' },
  malformedBody: { 'zh-CN': '请求体不是合法的 JSON 对象', 'en-US': 'Request body is not a valid JSON object' },
  parameterMissing: { 'zh-CN': '缺少参数：{field}', 'en-US': 'Missing parameter: {field}' },
  parameterInvalid: { 'zh-CN': '参数格式错误：{field}', 'en-US': 'Invalid parameter: {field}' },
  accessCodeInvalid: { 'zh-CN': 'access_code 无效', 'en-US': 'Invalid access_code' },
  versionUnsupported: { 'zh-CN': '不支持的接口版本', 'en-US': 'Unsupported API version' },
  timestampExpired: { 'zh-CN': '请求时间戳已过期', 'en-US': 'Request timestamp has expired' },
  signInvalid: { 'zh-CN': '签名错误', 'en-US': 'Invalid sign' },
  simNotFound: { 'zh-CN': 'SIM卡不存在', 'en-US': 'SIM card not found' },
  notFound: { 'zh-CN': '接口不存在', 'en-US': 'API not found' },
} as const satisfies Record<string, Record<CsssLanguage, string>>;

export type SimulatorMessageKey = keyof typeof MESSAGES;

/**
 * CSSS matches `Accept-Language` exactly (case-insensitively, since one vendor page
 * writes `EN-US`) rather than negotiating; anything else gets its default, zh-CN.
 */
export function pickSimulatorLanguage(acceptLanguage: string | string[] | undefined): CsssLanguage {
  const value = Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage;
  return value?.trim().toLowerCase() === 'en-us' ? 'en-US' : 'zh-CN';
}

export function simulatorMessage(key: SimulatorMessageKey, language: CsssLanguage, field?: string): string {
  const text: string = MESSAGES[key][language];
  return field === undefined ? text : text.replace('{field}', field);
}
