// OpenSSH known_hosts, read the way ssh(1) reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host
// patterns with `*`/`?` wildcards and `!` negation, `[host]:port` for ports other than 22, hashed
// names (`|1|salt|hmac-sha1`), and the `@revoked` / `@cert-authority` markers. Fingerprints are
// OpenSSH's `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l` prints.
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface KnownHostsEntry {
  readonly file: string;
  /** 1-based line number, for messages and `ssh-keygen -R`. */
  readonly line: number;
  readonly marker?: "revoked" | "cert-authority";
  /** The comma-separated host patterns as written (possibly hashed). */
  readonly hosts: string;
  readonly type: string;
  /** The key in SSH wire format (the base64 field, decoded). */
  readonly blob: Buffer;
}

/** How a known_hosts file names a host: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** `SHA256:…` as OpenSSH prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named inside a wire-format key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString("latin1") : "unknown";
}

/** The OpenSSH public-key line of a blob: `ssh-ed25519 AAAA…`. */
export function publicKeyLine(blob: Buffer): string {
  return `${blobType(blob)} ${blob.toString("base64")}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") {
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields.shift();
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) return; // a malformed line: ssh(1) skips it too
    const blob = Buffer.from(b64, "base64");
    if (blob.length === 0) return;
    out.push({ file, line: i + 1, ...(marker ? { marker } : {}), hosts, type, blob });
  });
  return out;
}

/** Reads the files that exist (a missing file is an empty one, as for ssh). */
export function readKnownHosts(files: readonly string[]): KnownHostsEntry[] {
  return files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      return [];
    }
    return parseKnownHosts(text, f);
  });
}

/** ssh's defaults: the user's files, then the system's. */
export function defaultKnownHostsFiles(home = homedir()): string[] {
  return [join(home, ".ssh", "known_hosts"), join(home, ".ssh", "known_hosts2"), "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const parts = pattern.split("|"); // ["", "1", salt, hash]
  if (parts.length !== 4 || parts[1] !== "1") return false;
  const mac = createHmac("sha1", Buffer.from(parts[2]!, "base64")).update(name).digest("base64");
  return mac === parts[3];
}

/** Whether an entry's host patterns name `name` (as `hostKeyName` spells it). A matching `!pattern` excludes. */
export function entryMatches(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hosts.startsWith("|")) return hashedMatch(entry.hosts, name);
  let matched = false;
  for (const p of entry.hosts.toLowerCase().split(",")) {
    if (p.startsWith("!")) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { readonly kind: "trusted"; readonly entry: KnownHostsEntry }
  | { readonly kind: "revoked"; readonly entry: KnownHostsEntry }
  /** Keys of the same type are trusted for this name, and this is none of them. */
  | { readonly kind: "changed"; readonly trusted: readonly KnownHostsEntry[] }
  /** Only keys of other types are trusted for this name. */
  | { readonly kind: "other-type"; readonly trusted: readonly KnownHostsEntry[] }
  | { readonly kind: "unknown"; readonly certAuthorities: number };

/** ssh's decision for the key a host offered, in its order: revoked, trusted, changed, unknown. */
export function verifyHostKey(entries: readonly KnownHostsEntry[], name: string, offered: Buffer): HostKeyVerdict {
  const matching = entries.filter((e) => entryMatches(e, name) || (e.marker === "revoked" && e.blob.equals(offered)));
  const revoked = matching.find((e) => e.marker === "revoked" && e.blob.equals(offered));
  if (revoked) return { kind: "revoked", entry: revoked };
  const plain = matching.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.blob.equals(offered));
  if (same) return { kind: "trusted", entry: same };
  const type = blobType(offered);
  const sameType = plain.filter((e) => blobType(e.blob) === type);
  if (sameType.length > 0) return { kind: "changed", trusted: sameType };
  if (plain.length > 0) return { kind: "other-type", trusted: plain };
  return { kind: "unknown", certAuthorities: matching.filter((e) => e.marker === "cert-authority").length };
}

/** Key types trusted for `name`, to ask the server for those first (as ssh orders its host-key algorithms). */
export function trustedKeyTypes(entries: readonly KnownHostsEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => blobType(e.blob)))];
}
