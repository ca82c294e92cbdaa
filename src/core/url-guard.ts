/**
 * The address policy for every URL a caller gives us (SSRF guard), runtime-neutral. A URL may be fetched
 * only when its host is a public address, or a name whose every address is public. Loopback, private,
 * link-local (cloud metadata at 169.254.169.254), unspecified (0.0.0.0, ::), multicast, broadcast, carrier
 * NAT, reserved and documentation ranges are refused, and so are IPv6 forms that carry such an IPv4 address
 * (::ffff:127.0.0.1, 64:ff9b::7f00:1, 2002:7f00:1::). Odd IPv4 spellings (127.1, 2130706433, 0x7f.0.0.1,
 * 0177.0.0.1) are the same address: WHATWG URL parsing normalises them in http(s) URLs, and `parseIp` reads
 * them too wherever an address arrives as text. FETCH_ALLOW_PRIVATE_HOSTS names exact host:port pairs that
 * may be private (an intranet file server, a test server); nothing else is let through.
 */
import ipaddr from 'ipaddr.js';
import { AppError } from './errors.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

export interface AddressCheck {
  /** The address in its normal form. */
  address: string;
  /** What kind of address it is: `unicast` for a public one, else loopback, private, linkLocal, … */
  range: string;
  public: boolean;
}

/** Reads an IP address in any spelling ipaddr.js knows (dotted, short, decimal, octal, hex; IPv6 with or without brackets). */
export function parseIp(text: string): IP | undefined {
  const s = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (!ipaddr.isValid(s)) return undefined;
  try {
    return ipaddr.parse(s);
  } catch {
    return undefined;
  }
}

export function classifyAddress(text: string): AddressCheck {
  const ip = parseIp(text);
  return ip ? classify(ip) : { address: text, range: 'invalid', public: false };
}

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR('2002::/16');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

function classify(ip: IP): AddressCheck {
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return { address: ip.toString(), range, public: range === 'unicast' };
  }
  const v6 = ip as ipaddr.IPv6;
  const address = v6.toString();
  const inner = embeddedIPv4(v6);
  if (inner) {
    const v4 = classify(inner.v4);
    return { address, range: v4.public ? inner.form : `${inner.form} of ${v4.range}`, public: v4.public };
  }
  const range = v6.range();
  // IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), local-use NAT64 and Teredo are refused whole.
  if (range === 'unicast' && v6.match(IPV4_COMPATIBLE)) return { address, range: 'ipv4Compatible', public: false };
  if (range === 'unicast' && !v6.match(GLOBAL_UNICAST)) return { address, range: 'reserved', public: false };
  return { address, range, public: range === 'unicast' };
}

/** IPv6 forms that deliver to an IPv4 address: the IPv4 address decides. */
function embeddedIPv4(v6: ipaddr.IPv6): { v4: ipaddr.IPv4; form: string } | undefined {
  const p = v6.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (v6.isIPv4MappedAddress()) return { v4: v6.toIPv4Address(), form: 'ipv4Mapped' };
  if (v6.match(NAT64)) return { v4: fromParts(p[6]!, p[7]!), form: 'nat64' };
  if (v6.match(SIX_TO_FOUR)) return { v4: fromParts(p[1]!, p[2]!), form: '6to4' };
  return undefined;
}

/** The host:port a URL connects to, normalised the way allowlist entries are (`[::1]:8080`, `files.corp:443`). */
export function hostPort(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** Checks URLs and addresses against the policy; one instance, built from config, is shared by every fetch. */
export class UrlGuard {
  private readonly allowed: Set<string>;

  /** `allowPrivateHosts`: FETCH_ALLOW_PRIVATE_HOSTS entries, each `host:port`. A malformed entry throws at start-up. */
  constructor(allowPrivateHosts: readonly string[] = []) {
    this.allowed = new Set(allowPrivateHosts.map(normaliseEntry));
  }

  /** Whether this URL's exact host:port is allowlisted (and so may be private). */
  allowsPrivate(url: URL): boolean {
    return this.allowed.has(hostPort(url));
  }

  /**
   * Checks what can be checked before any lookup: the scheme, and the host when it is an IP literal.
   * Returns the literal (without brackets) when the host is one, or undefined when the name must be resolved.
   */
  checkUrl(url: URL): string | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AppError(400, 'invalid_media_url', `Only http:// and https:// URLs can be fetched (got ${url.protocol}).`);
    }
    const ip = parseIp(url.hostname);
    if (!ip) return undefined;
    this.checkAddresses(url, [ip.toString()]);
    return ip.toString();
  }

  /** Throws `blocked_address` unless every address is public or the URL's host:port is allowlisted. */
  checkAddresses(url: URL, addresses: readonly string[]): void {
    if (this.allowsPrivate(url)) return;
    for (const address of addresses) {
      const check = classifyAddress(address);
      if (check.public) continue;
      const named = parseIp(url.hostname) ? '' : ` (${url.hostname} resolves to it)`;
      throw new AppError(422, 'blocked_address', `${check.address}${named} is ${describe(check.range)} address, not a public one: URLs that lead into private networks are never fetched.`, {
        extra: { address: check.address, range: check.range },
      });
    }
  }
}

function normaliseEntry(entry: string): string {
  let url: URL;
  try {
    url = new URL(`http://${entry.trim()}`);
  } catch {
    throw new Error(`FETCH_ALLOW_PRIVATE_HOSTS: "${entry}" is not a host:port`);
  }
  if (!/:\d+$/.test(entry.trim()) || url.pathname !== '/' || url.username || url.search) {
    throw new Error(`FETCH_ALLOW_PRIVATE_HOSTS: "${entry}" must be exactly host:port (for example files.corp.example:443)`);
  }
  return `${url.hostname.toLowerCase()}:${url.port || '80'}`;
}

const NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private-network',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  carrierGradeNat: 'carrier-NAT',
  uniqueLocal: 'private-network (unique local)',
};

/** The IPv6 forms embeddedIPv4 finds, as a person names them. */
const FORMS: Record<string, string> = { ipv4Mapped: 'IPv4-mapped IPv6', nat64: 'NAT64', '6to4': '6to4' };

/** "a loopback", "an unspecified", "an IPv4-mapped IPv6 form of a loopback": the range, with its article. */
function describe(range: string): string {
  const [form, inner] = range.split(' of ');
  const named = (r: string) => withArticle(NAMES[r] ?? 'reserved');
  return inner ? `${withArticle(FORMS[form!] ?? form!)} form of ${named(inner)}` : named(range);
}

const withArticle = (words: string) => `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;
