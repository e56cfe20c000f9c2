// What the two remote transports share: the `user@host[:port]` target, and the command line a
// POSIX login shell runs for an argv with a working directory and environment.
import { userInfo } from "node:os";
import { assignment, joinArgv, quotePath } from "../emit/shell.js";
import { TransportError, type RunOptions } from "./transport.js";

export interface SshTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

/** `user@host`, `user@host:2222`, `host`, `user@[::1]:2222`, `ssh://user@host:2222`. The user defaults to this login's. */
export function parseSshTarget(text: string): SshTarget {
  const bad = (why: string) =>
    new TransportError("usage", `\`${text}\` is not an SSH target: ${why}`, "write it as USER@HOST or USER@HOST:PORT, e.g. `me@login.cluster.org:22`");
  let s = text.trim().replace(/^ssh:\/\//, "").replace(/\/$/, "");
  let user = "";
  const at = s.lastIndexOf("@");
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (user === "") throw bad("the user before `@` is empty");
  }
  let host: string;
  let port = 22;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    if (v6[2] !== undefined) port = parsePort(v6[2], bad);
  } else {
    const parts = s.split(":");
    if (parts.length > 2) throw bad("an IPv6 address goes in brackets: `user@[::1]:22`");
    host = parts[0]!;
    if (parts[1] !== undefined) port = parsePort(parts[1], bad);
  }
  if (host === "") throw bad("the host is empty");
  if (/[\s/\\'"`$;&|<>]/.test(host) || host.startsWith("-")) throw bad(`\`${host}\` is not a host name or address`);
  if (/[\s/'"`$;&|<>:]/.test(user) || user.startsWith("-")) throw bad(`\`${user}\` is not a user name`);
  return { user: user || userInfo().username, host, port };
}

function parsePort(p: string, bad: (why: string) => TransportError): number {
  if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw bad(`the port \`${p}\` is not a number from 1 to 65535`);
  return Number(p);
}

export function formatTarget(t: SshTarget): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${t.user}@${host}${t.port === 22 ? "" : `:${t.port}`}`;
}

/** A path for the remote shell: `~/x` expands to the home directory, anything else is literal. */
export const remotePath = (path: string): string => quotePath(path);

/** The line the remote login shell runs: `cd DIR && NAME=value … argv`. */
export function remoteCommandLine(argv: readonly string[], opts: RunOptions = {}): string {
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => assignment(k, v));
  const cmd = [...env, joinArgv(argv)].join(" ");
  return opts.cwd !== undefined ? `cd ${remotePath(opts.cwd)} && ${cmd}` : cmd;
}
