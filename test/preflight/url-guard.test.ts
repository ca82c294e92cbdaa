import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { classifyAddress, parseIp, UrlGuard } from '../../src/core/url-guard.js';
import { INTERNAL_URLS } from '../support/internal-urls.js';

describe('url-guard: address policy', () => {
  it('WHATWG URL parsing normalises odd IPv4 spellings to the dotted address the guard checks', () => {
    for (const spelling of ['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '0x7f.1', '127.0.0.1.', '%31%32%37.0.0.1']) {
      expect(new URL(`http://${spelling}:8080/`).hostname, spelling).toBe('127.0.0.1');
    }
    expect(new URL('http://[0:0:0:0:0:ffff:7f00:1]/').hostname).toBe('[::ffff:7f00:1]');
  });

  it('parseIp reads the same spellings where addresses arrive as plain text', () => {
    for (const spelling of ['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '017700000001', '127.0.0.1.', '[::ffff:127.0.0.1]']) {
      const ip = parseIp(spelling);
      expect(ip, spelling).toBeDefined();
      expect(classifyAddress(spelling).public, spelling).toBe(false);
    }
    expect(parseIp('files.example.com')).toBeUndefined();
  });

  it('classifies the ranges', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['224.0.0.251', 'multicast'],
      ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'],
      ['::ffff:127.0.0.1', 'ipv4Mapped of loopback'],
      ['64:ff9b::7f00:1', 'nat64 of loopback'],
      ['2002:a00:1::', '6to4 of private'],
      ['::7f00:1', 'ipv4Compatible'],
      ['2001::1', 'teredo'],
      ['64:ff9b:1::1', 'rfc6052'],
    ];
    for (const [address, range] of cases) {
      expect(classifyAddress(address), address).toMatchObject({ range, public: false });
    }
  });

  it('lets public addresses through, also in their IPv6 forms', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      expect(classifyAddress(address).public, address).toBe(true);
    }
  });

  it('refuses every spelling of an internal address in a URL before any lookup', () => {
    const guard = new UrlGuard();
    for (const raw of INTERNAL_URLS) {
      let code: string | undefined;
      try {
        guard.checkUrl(new URL(raw));
      } catch (err) {
        code = isAppError(err) ? err.code : String(err);
      }
      expect(code, raw).toBe('blocked_address');
    }
    expect(guard.checkUrl(new URL('https://media.example.com/a.jpg'))).toBeUndefined(); // a name: resolved and checked later
    expect(guard.checkUrl(new URL('http://93.184.216.34/a.jpg'))).toBe('93.184.216.34');
  });

  it('refuses a name when any address it resolves to is internal', () => {
    const guard = new UrlGuard();
    const url = new URL('https://cdn.example.com/a.jpg');
    expect(() => guard.checkAddresses(url, ['93.184.216.34'])).not.toThrow();
    expect(() => guard.checkAddresses(url, ['93.184.216.34', '10.0.0.7'])).toThrow(/10\.0\.0\.7.*cdn\.example\.com/);
  });

  it('the allowlist lets exactly its host:port through, in any spelling of that host', () => {
    const guard = new UrlGuard(['127.0.0.1:8080', 'files.corp:443', '[::1]:9000']);
    expect(guard.checkUrl(new URL('http://127.0.0.1:8080/a.jpg'))).toBe('127.0.0.1');
    expect(guard.checkUrl(new URL('http://2130706433:8080/a.jpg'))).toBe('127.0.0.1');
    expect(guard.checkUrl(new URL('http://[::1]:9000/a.jpg'))).toBe('::1');
    expect(() => guard.checkUrl(new URL('http://127.0.0.1:8081/a.jpg'))).toThrow(/loopback/);
    expect(() => guard.checkUrl(new URL('http://127.0.0.2:8080/a.jpg'))).toThrow(/loopback/);
    expect(() => guard.checkUrl(new URL('https://[::1]:9001/'))).toThrow();
    expect(() => guard.checkAddresses(new URL('https://files.corp/a.pdf'), ['10.0.0.5'])).not.toThrow();
    expect(() => guard.checkAddresses(new URL('http://files.corp/a.pdf'), ['10.0.0.5'])).toThrow(/private/);
    expect(() => guard.checkAddresses(new URL('https://other.corp/a.pdf'), ['10.0.0.5'])).toThrow();
  });

  it('refuses malformed allowlist entries at start-up', () => {
    expect(() => new UrlGuard(['files.corp'])).toThrow(/host:port/);
    expect(() => new UrlGuard(['http://files.corp:80/'])).toThrow(/host:port/);
    expect(() => new UrlGuard(['files.corp:80/x'])).toThrow(/host:port/);
  });

  it('refuses schemes other than http and https', () => {
    expect(() => new UrlGuard().checkUrl(new URL('file:///etc/passwd'))).toThrow(/http/);
    expect(() => new UrlGuard().checkUrl(new URL('gopher://127.0.0.1:25/'))).toThrow(/http/);
  });
});
