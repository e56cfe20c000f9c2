// What the SSH transport says when it must not or cannot connect, against the real loopback sshd:
// unknown, changed and revoked host keys, hashed known_hosts, a closed port, a silent port, a
// refused key, a passphrase-protected key, and ssh-agent authentication.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSshTarget } from "../../src/exec/remote.js";
import { SshTransport, type SshOptions } from "../../src/exec/ssh.js";
import { TransportError } from "../../src/exec/transport.js";
import { useCluster } from "../cluster/cluster.js";

const cluster = useCluster();
const work = mkdtempSync(join(tmpdir(), "flowc-ssh-errors-"));
const home = join(work, "home");
mkdirSync(home);
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
  rmSync(work, { recursive: true, force: true });
});

async function refusal(host: string, o: SshOptions): Promise<TransportError> {
  const r = await SshTransport.connect(parseSshTarget(host), { home, ...o }).then(
    async (t) => {
      await t.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(r, "the connection should have been refused").toBeInstanceOf(TransportError);
  return r as TransportError;
}

function keygen(name: string, passphrase = ""): string {
  const f = join(work, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", f]);
  return f;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(cluster.skip)("host keys", () => {
  it("an unknown host is refused with its SHA256 fingerprint and the line that trusts it, which works", async () => {
    const c = cluster.get();
    const known = join(work, "known_empty");
    writeFileSync(known, "");
    const e = await refusal(c.sshHost, { identity: c.sshKey, knownHosts: known });
    expect(e.kind).toBe("unknown-host");
    // The fingerprint as OpenSSH computes it from the host's public key file.
    const fp = execFileSync("ssh-keygen", ["-lf", join(c.dir, "ssh", "host_ed25519.pub")], { encoding: "utf8" }).split(" ")[1]!;
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(e.details).toContain(`offered: ssh-ed25519 ${fp}`);
    expect(e.message).toBe(`the host key of [127.0.0.1]:${c.sshPort} is not known, so flowc cannot tell that it is really 127.0.0.1`);
    expect(e.render()).toContain("help: compare the fingerprint");
    // The printed command trusts exactly that key: run it, and the same connection is accepted.
    const command = /trust it with: (.*)$/.exec(e.help)![1]!;
    execFileSync("bash", ["-c", command]);
    expect(readFileSync(known, "utf8")).toBe(`[127.0.0.1]:${c.sshPort} ${c.hostPub.split(" ").slice(0, 2).join(" ")}\n`);
    const t = await SshTransport.connect(parseSshTarget(c.sshHost), { home, identity: c.sshKey, knownHosts: known });
    expect((await t.run(["echo", "trusted"])).stdout).toBe("trusted\n");
    await t.close();
  });

  it("a changed host key is refused louder, naming both keys and the line to remove", async () => {
    const c = cluster.get();
    const other = readFileSync(`${keygen("impostor")}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    const known = join(work, "known_changed");
    writeFileSync(known, `# earlier\n[127.0.0.1]:${c.sshPort} ${other}\n`);
    const e = await refusal(c.sshHost, { identity: c.sshKey, knownHosts: known });
    expect(e.kind).toBe("changed-host-key");
    expect(e.message).toMatch(/^WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for \[127\.0\.0\.1\]:\d+! .*man-in-the-middle/);
    expect(e.details.some((d) => d.startsWith("trusted: ssh-ed25519 SHA256:") && d.endsWith(`(${known}:2)`))).toBe(true);
    expect(e.help).toContain(`ssh-keygen -R '[127.0.0.1]:${c.sshPort}' -f ${known}`);
  });

  it("a revoked key is refused even where another line trusts it", async () => {
    const c = cluster.get();
    const key = c.hostPub.split(" ").slice(0, 2).join(" ");
    const known = join(work, "known_revoked");
    writeFileSync(known, `[127.0.0.1]:${c.sshPort} ${key}\n@revoked * ${key}\n`);
    expect((await refusal(c.sshHost, { identity: c.sshKey, knownHosts: known })).kind).toBe("revoked-host-key");
  });

  it("hashed and wildcard known_hosts lines are honoured as ssh honours them", async () => {
    const c = cluster.get();
    const hashed = join(work, "known_hashed");
    copyFileSync(c.knownHosts, hashed);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", hashed], { stdio: "pipe" });
    expect(readFileSync(hashed, "utf8")).toMatch(/^\|1\|/);
    const key = c.hostPub.split(" ").slice(0, 2).join(" ");
    const wild = join(work, "known_wild");
    writeFileSync(wild, `[127.0.0.?]:${c.sshPort},!other ${key}\n`);
    for (const knownHosts of [hashed, wild]) {
      const t = await SshTransport.connect(parseSshTarget(c.sshHost), { home, identity: c.sshKey, knownHosts });
      await t.close();
    }
    const negated = join(work, "known_negated");
    writeFileSync(negated, `[127.0.0.?]:${c.sshPort},![127.0.0.1]:${c.sshPort} ${key}\n`);
    expect((await refusal(c.sshHost, { identity: c.sshKey, knownHosts: negated })).kind).toBe("unknown-host");
  });
});

describe.skipIf(cluster.skip)("unreachable hosts and refused keys", () => {
  it("a closed port says nothing accepts connections there", async () => {
    const port = await closedPort();
    const e = await refusal(`root@127.0.0.1:${port}`, { identity: cluster.get().sshKey });
    expect(e.kind).toBe("unreachable");
    expect(e.message).toBe(`nothing accepts SSH connections at 127.0.0.1:${port} (connection refused)`);
    expect(e.help).toContain("--host USER@HOST:PORT");
  });

  it("a port that never answers times out with the limit in the message", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(() => silent.close());
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const e = await refusal(`root@127.0.0.1:${port}`, { identity: cluster.get().sshKey, connectTimeoutMs: 1500 });
    expect(e.kind).toBe("timeout");
    expect(e.message).toBe(`no SSH answer from 127.0.0.1:${port} within 1.5 s`);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("a key the server does not know is refused, naming the key", async () => {
    const c = cluster.get();
    const stranger = keygen("stranger");
    const e = await refusal(c.sshHost, { identity: stranger, knownHosts: c.knownHosts });
    expect(e.kind).toBe("auth");
    expect(e.message).toBe(`root@127.0.0.1:${c.sshPort} refused every key offered (${stranger})`);
    expect(e.help).toContain("authorized_keys");
  });

  it("a passphrase-protected key points at ssh-agent; no key at all says how to give one", async () => {
    const c = cluster.get();
    const locked = keygen("locked", "secret phrase");
    const e = await refusal(c.sshHost, { identity: locked, knownHosts: c.knownHosts });
    expect(e.message).toBe(`the SSH key ${locked} is protected by a passphrase`);
    expect(e.help).toContain(`ssh-add ${locked}`);
    const none = await refusal(c.sshHost, { knownHosts: c.knownHosts, agent: join(work, "no-agent.sock") });
    expect(none.kind).toBe("auth");
    expect(none.help).toContain("--identity KEY");
  });

  it("authenticates with ssh-agent when no identity is given", async () => {
    const c = cluster.get();
    const sock = join(work, "agent.sock");
    const out = execFileSync("ssh-agent", ["-a", sock, "-s"], { encoding: "utf8" });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]);
    cleanups.push(() => process.kill(pid));
    execFileSync("ssh-add", ["-q", c.sshKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: "pipe" });
    const t = await SshTransport.connect(parseSshTarget(c.sshHost), { home, agent: sock, knownHosts: c.knownHosts });
    expect((await t.run(["echo", "agent"])).stdout).toBe("agent\n");
    await t.close();
  });
});
