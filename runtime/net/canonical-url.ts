// The policy sees URLs in one canonical form, so a glob cannot be dodged by case, default ports,
// dot segments or IDNA spellings of the same host.

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
  return { href: u.href, host: u.hostname, port, path: u.pathname };
}

/** A target is canonical when it is already its own canonical form. */
export function canonicalUrlTarget(raw: string): CanonicalUrl | null {
  const c = canonicalizeUrl(raw);
  return c && c.href === raw ? c : null;
}
