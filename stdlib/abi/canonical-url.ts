// The policy sees URLs in one canonical form, so a glob cannot be dodged by case, default ports,
// dot segments or IDNA spellings of the same host.

/** `host` is the host name; an IPv6 address comes without its brackets. */
export interface CanonicalUrl { href: string; host: string; port: number; path: string }

/** The WHATWG serialization of an http(s) URL without fragment or user info, or null. */
export function canonicalizeUrl(raw: string): CanonicalUrl | null {
  if (typeof raw !== "string") return null;
  let u: URL;
  try { u = new URL(raw); } catch { return null; }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  if (u.username !== "" || u.password !== "") return null;
  u.hash = "";
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  // An IPv6 host without its brackets, as `ip()` parses it: `ip(args.host).inCidr("::1/128")` must
  // see "::1", not "[::1]" (which parses as no address, so no CIDR rule ever matched an IPv6 URL).
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  // A host with an empty DNS label has no canonical form: `evil.example.` (a trailing dot) is the
  // same host as `evil.example` to DNS, yet no glob or `args.host` rule naming it would match.
  if (!u.hostname.startsWith("[") && (host.startsWith(".") || host.endsWith(".") || host.includes(".."))) return null;
  return { href: u.href, host, port, path: u.pathname };
}

/** A target is canonical when it is already its own canonical form. */
export function canonicalUrlTarget(raw: string): CanonicalUrl | null {
  const c = canonicalizeUrl(raw);
  return c && c.href === raw ? c : null;
}
