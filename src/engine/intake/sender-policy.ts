/** The `intake-allow-senders` list: which envelope senders the listener accepts. */

/** Compiled allow-list; `allows` is true for everything when the list is blank. */
export interface SenderPolicy {
  /** Whether any restriction is configured. */
  restricted: boolean;
  allows(sender: string): boolean;
}

/**
 * Compile a comma-separated list of addresses (`alerts@example.com`) and
 * domains (`@example.com`, which matches that domain only, not subdomains).
 * Comparison is case-insensitive. A blank list allows every sender; a
 * restricted list never allows the null sender `<>`.
 */
export function compileSenderPolicy(list: string): SenderPolicy {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const raw of list.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.startsWith('@')) domains.add(entry.slice(1));
    else addresses.add(entry);
  }
  const restricted = addresses.size > 0 || domains.size > 0;
  return {
    restricted,
    allows(sender: string): boolean {
      if (!restricted) return true;
      const s = sender.trim().toLowerCase();
      if (s === '') return false;
      if (addresses.has(s)) return true;
      const at = s.lastIndexOf('@');
      return at > 0 && domains.has(s.slice(at + 1));
    },
  };
}
