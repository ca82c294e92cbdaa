import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { classifyAddress, parseIp, UrlGuard } from '../../src/core/url-guard.js';
import { INTERNAL_URLS } from '../support/internal-urls.js';

/** The message `f` throws (fails the test when it does not throw). */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}
const NEVER = ' address, not a public one: URLs that lead into private networks are never fetched.';

describe('url-guard: address policy', () => {
  it('WHATWG URL parsing normalises odd IPv4 spellings to the dotted address the guard checks', () => {
    for (const spelling of ['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '0x7f.1', '127.0.0.1.', '%31%32%37.0.0.1']) {
      expect(new URL(`http://${spelling}:8080/`).hostname, spelling).toBe('127.0.0.1');
    }
    expect(new URL('http://[0:0:0:0:0:ffff:7f00:1]/').hostname).toBe('[::ffff:7f00:1]');
  });

  it('parseIp reads the same spellings where addresses arrive as plain text', () => {
    for (const spelling of ['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '017700000001', '127.0.0.1.']) {
      expect(parseIp(spelling)?.toString(), spelling).toBe('127.0.0.1');
      expect(classifyAddress(spelling), spelling).toEqual({ address: '127.0.0.1', range: 'loopback', public: false });
    }
    expect(parseIp('[::ffff:127.0.0.1]')?.toString()).toBe('::ffff:7f00:1');
    expect(classifyAddress('[::ffff:127.0.0.1]')).toEqual({ address: '::ffff:7f00:1', range: 'ipv4Mapped of loopback', public: false });
    expect(parseIp('files.example.com')).toBeUndefined();
  });

  it('classifies the ranges', () => {
    // [as written, as normalised, range]
    const cases: Array<[string, string, string]> = [
      ['127.0.0.1', '127.0.0.1', 'loopback'],
      ['10.1.2.3', '10.1.2.3', 'private'],
      ['169.254.169.254', '169.254.169.254', 'linkLocal'],
      ['0.0.0.0', '0.0.0.0', 'unspecified'],
      ['::', '::', 'unspecified'],
      ['::1', '::1', 'loopback'],
      ['224.0.0.251', '224.0.0.251', 'multicast'],
      ['fe80::1', 'fe80::1', 'linkLocal'],
      ['fd00::1', 'fd00::1', 'uniqueLocal'],
      ['::ffff:127.0.0.1', '::ffff:7f00:1', 'ipv4Mapped of loopback'],
      ['64:ff9b::7f00:1', '64:ff9b::7f00:1', 'nat64 of loopback'],
      ['2002:a00:1::', '2002:a00:1::', '6to4 of private'],
      ['::7f00:1', '::7f00:1', 'ipv4Compatible'],
      ['2001::1', '2001::1', 'teredo'],
      ['64:ff9b:1::1', '64:ff9b:1::1', 'rfc6052'],
    ];
    for (const [written, address, range] of cases) {
      expect(classifyAddress(written), written).toEqual({ address, range, public: false });
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

  it('refuses a name when any address it resolves to is internal, naming both', () => {
    const guard = new UrlGuard();
    const url = new URL('https://cdn.example.com/a.jpg');
    expect(() => guard.checkAddresses(url, ['93.184.216.34'])).not.toThrow();
    expect(thrown(() => guard.checkAddresses(url, ['93.184.216.34', '10.0.0.7']))).toBe(`10.0.0.7 (cdn.example.com resolves to it) is a private-network${NEVER}`);
  });

  it('names each range in words, with its article', () => {
    const guard = new UrlGuard();
    const said = (host: string) => thrown(() => guard.checkUrl(new URL(`http://${host}/a.jpg`)));
    expect(said('0.0.0.0')).toBe(`0.0.0.0 is an unspecified${NEVER}`);
    expect(said('169.254.169.254')).toBe(`169.254.169.254 is a link-local${NEVER}`);
    expect(said('100.64.0.1')).toBe(`100.64.0.1 is a carrier-NAT${NEVER}`);
    expect(said('[fd00::1]')).toBe(`fd00::1 is a private-network (unique local)${NEVER}`);
    expect(said('[::ffff:10.0.0.1]')).toBe(`::ffff:a00:1 is an IPv4-mapped IPv6 form of a private-network${NEVER}`);
    expect(said('[64:ff9b::7f00:1]')).toBe(`64:ff9b::7f00:1 is a NAT64 form of a loopback${NEVER}`);
    expect(said('[2002:a00:1::]')).toBe(`2002:a00:1:: is a 6to4 form of a private-network${NEVER}`);
    expect(said('[::7f00:1]')).toBe(`::7f00:1 is a reserved${NEVER}`);
  });

  it('the allowlist lets exactly its host:port through, in any spelling of that host', () => {
    const guard = new UrlGuard(['127.0.0.1:8080', 'files.corp:443', '[::1]:9000']);
    expect(guard.checkUrl(new URL('http://127.0.0.1:8080/a.jpg'))).toBe('127.0.0.1');
    expect(guard.checkUrl(new URL('http://2130706433:8080/a.jpg'))).toBe('127.0.0.1');
    expect(guard.checkUrl(new URL('http://[::1]:9000/a.jpg'))).toBe('::1');
    expect(thrown(() => guard.checkUrl(new URL('http://127.0.0.1:8081/a.jpg')))).toBe(`127.0.0.1 is a loopback${NEVER}`);
    expect(thrown(() => guard.checkUrl(new URL('http://127.0.0.2:8080/a.jpg')))).toBe(`127.0.0.2 is a loopback${NEVER}`);
    expect(thrown(() => guard.checkUrl(new URL('https://[::1]:9001/')))).toBe(`::1 is a loopback${NEVER}`);
    expect(() => guard.checkAddresses(new URL('https://files.corp/a.pdf'), ['10.0.0.5'])).not.toThrow();
    expect(thrown(() => guard.checkAddresses(new URL('http://files.corp/a.pdf'), ['10.0.0.5']))).toBe(`10.0.0.5 (files.corp resolves to it) is a private-network${NEVER}`);
    expect(thrown(() => guard.checkAddresses(new URL('https://other.corp/a.pdf'), ['10.0.0.5']))).toBe(`10.0.0.5 (other.corp resolves to it) is a private-network${NEVER}`);
  });

  it('refuses malformed allowlist entries at start-up', () => {
    for (const entry of ['files.corp', 'http://files.corp:80/', 'files.corp:80/x']) {
      expect(thrown(() => new UrlGuard([entry]))).toBe(`FETCH_ALLOW_PRIVATE_HOSTS: "${entry}" must be exactly host:port (for example files.corp.example:443)`);
    }
  });

  it('refuses schemes other than http and https', () => {
    expect(thrown(() => new UrlGuard().checkUrl(new URL('file:///etc/passwd')))).toBe('Only http:// and https:// URLs can be fetched (got file:).');
    expect(thrown(() => new UrlGuard().checkUrl(new URL('gopher://127.0.0.1:25/')))).toBe('Only http:// and https:// URLs can be fetched (got gopher:).');
  });
});
