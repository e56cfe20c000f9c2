// The three transports against the real thing: this machine, the loopback sshd through ssh2, and
// the same sshd through an OpenSSH ControlMaster socket. Same checks for each.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlMasterTransport, liveControlSocket } from "../../src/exec/controlMaster.js";
import { openTransport } from "../../src/exec/connect.js";
import { LocalTransport } from "../../src/exec/localTransport.js";
import { parseSshTarget } from "../../src/exec/remote.js";
import { SshTransport } from "../../src/exec/ssh.js";
import { TransportError, type Transport } from "../../src/exec/transport.js";
import { useCluster } from "../cluster/cluster.js";

const cluster = useCluster();
const work = mkdtempSync(join(tmpdir(), "flowc-transport-"));
const emptyHome = join(work, "home");
mkdirSync(emptyHome);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ADVERSARIAL = ["plain", "", "it's", 'say "hi"', "$(touch PWNED)", "`id`", "a\nb", "*", "~", "日本語 🚀", "-n", "%1", "a=b"];

function sshOptions() {
  const c = cluster.get();
  return { identity: c.sshKey, knownHosts: c.knownHosts, home: emptyHome };
}

function acceptedConnections(): number {
  const log = readFileSync(join(cluster.get().dir, "log", "sshd.log"), "utf8");
  return (log.match(/Accepted publickey for root/g) ?? []).length;
}

let master: { socket: string } | undefined;

async function startMaster(): Promise<string> {
  const c = cluster.get();
  const socket = join(work, "cm.sock");
  execFileSync("ssh", [
    "-M", "-S", socket, "-fN", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${c.knownHosts}`,
    "-o", "IdentitiesOnly=yes", "-i", c.sshKey, "-p", String(c.sshPort), "root@127.0.0.1",
  ], { stdio: "pipe", timeout: 20_000 });
  master = { socket };
  return socket;
}

afterAll(() => {
  if (master) execFileSync("ssh", ["-S", master.socket, "-O", "exit", "-p", String(cluster.get().sshPort), "root@127.0.0.1"], { stdio: "pipe" });
});

type Maker = () => Promise<Transport>;
const makers: [string, Maker][] = [
  ["local", async () => new LocalTransport()],
  ["ssh2", async () => SshTransport.connect(parseSshTarget(cluster.get().sshHost), sshOptions())],
  ["controlmaster", async () => new ControlMasterTransport(parseSshTarget(cluster.get().sshHost), master?.socket ?? (await startMaster()))],
];

describe.skipIf(cluster.skip).each(makers)("%s transport", (name, make) => {
  let t: Transport;
  const dir = join(work, `files-${name}`);
  beforeAll(async () => {
    t = await make();
  });
  afterAll(async () => t?.close());

  it("runs an argv exactly, with stdin, cwd and environment", async () => {
    const r = await t.run(["printf", "%s\\0", ...ADVERSARIAL]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(ADVERSARIAL);
    const w = await t.run(["sh", "-c", 'pwd; printf "%s|" "$FLOWC_X"; cat'], { cwd: "/tmp", env: { FLOWC_X: "x y'$z" }, input: "from stdin" });
    expect(w.stdout).toBe("/tmp\nx y'$z|from stdin");
    expect(statSync(work).isDirectory()).toBe(true);
  });

  it("reports exit codes, stderr and a missing program (127)", async () => {
    const r = await t.run(["sh", "-c", "echo oops >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, stderr: "oops\n" });
    expect((await t.run(["flowc-no-such-program"])).exitCode).toBe(127);
  });

  it("writes files atomically and reads them back byte for byte", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 0x27]);
    await t.writeFile(join(dir, "sub", "b.bin"), bytes, { mode: 0o600 });
    expect((await t.readFile(join(dir, "sub", "b.bin"))).equals(bytes)).toBe(true);
    expect(statSync(join(dir, "sub", "b.bin")).mode & 0o777).toBe(0o600);
    await t.writeFile(join(dir, "sub", "b.bin"), "second");
    expect((await t.readFile(join(dir, "sub", "b.bin"))).toString()).toBe("second");
    const err = await t.readFile(join(dir, "nope")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe("missing");
  });

  it("uploads a directory keeping modes, then sends only what changed", async () => {
    const src = join(work, `src-${name}`);
    mkdirSync(join(src, "slurm", "deep"), { recursive: true });
    writeFileSync(join(src, "plan.json"), "{}\n");
    writeFileSync(join(src, "slurm", "run.sbatch"), "#!/bin/bash\necho hi\n");
    chmodSync(join(src, "slurm", "run.sbatch"), 0o755);
    writeFileSync(join(src, "slurm", "deep", "it's here.txt"), "x".repeat(70_000));
    const dst = join(work, `dst-${name}`);
    expect(await t.uploadDir(src, dst)).toEqual({ uploaded: 3, unchanged: 0, bytes: 3 + 20 + 70_000 });
    expect(readFileSync(join(dst, "slurm", "deep", "it's here.txt"), "utf8")).toHaveLength(70_000);
    expect(statSync(join(dst, "slurm", "run.sbatch")).mode & 0o777).toBe(0o755);
    expect(await t.uploadDir(src, dst)).toMatchObject({ uploaded: 0, unchanged: 3 });
    writeFileSync(join(src, "plan.json"), "{\"changed\": true}\n");
    utimesSync(join(src, "plan.json"), new Date(), new Date(Date.now() + 5000));
    expect(await t.uploadDir(src, dst)).toMatchObject({ uploaded: 1, unchanged: 2 });
    expect(readFileSync(join(dst, "plan.json"), "utf8")).toContain("changed");
  });
});

describe.skipIf(cluster.skip)("one SSH connection per command", () => {
  it("serves every command, read, write and upload of a session", async () => {
    const before = acceptedConnections();
    const t = await SshTransport.connect(parseSshTarget(cluster.get().sshHost), sshOptions());
    try {
      await Promise.all(Array.from({ length: 12 }, (_, i) => t.run(["echo", String(i)])));
      await t.writeFile(join(work, "one", "f"), "x");
      await t.readFile(join(work, "one", "f"));
      await t.uploadDir(join(work, "one"), join(work, "one-copy"));
    } finally {
      await t.close();
    }
    expect(acceptedConnections() - before).toBe(1);
  });

  it("expands ~/ to the login's home for files and working directories", async () => {
    const t = await SshTransport.connect(parseSshTarget(cluster.get().sshHost), sshOptions());
    try {
      const rel = `~/.cache/flowc-test-${process.pid}/f`;
      await t.writeFile(rel, "home");
      const home = (await t.run(["sh", "-c", "echo $HOME"])).stdout.trim();
      expect(readFileSync(join(home, `.cache/flowc-test-${process.pid}/f`), "utf8")).toBe("home");
      expect((await t.run(["pwd"], { cwd: `~/.cache/flowc-test-${process.pid}` })).stdout.trim()).toBe(join(home, `.cache/flowc-test-${process.pid}`));
      rmSync(join(home, `.cache/flowc-test-${process.pid}`), { recursive: true, force: true });
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(cluster.skip)("choosing a transport", () => {
  it("uses a live ControlMaster when one is given, and says how to open one when it is dead", async () => {
    const socket = master?.socket ?? (await startMaster());
    const c = cluster.get();
    const t = await openTransport({ host: c.sshHost, controlPath: socket });
    expect(t.kind).toBe("controlmaster");
    expect((await t.run(["echo", "via master"])).stdout).toBe("via master\n");
    const dead = join(work, "dead.sock");
    const err = (await openTransport({ host: c.sshHost, controlPath: dead }).catch((e: unknown) => e)) as TransportError;
    expect(err.kind).toBe("unreachable");
    expect(err.help).toContain(`ssh -M -S ${dead} -fN -p ${c.sshPort} root@127.0.0.1`);
    expect(await liveControlSocket(parseSshTarget(c.sshHost), { socket })).toBe(socket);
  });

  it("finds the master through the user's ssh configuration (ControlPath)", async () => {
    const socket = master?.socket ?? (await startMaster());
    const c = cluster.get();
    const config = join(work, "ssh_config");
    writeFileSync(config, `Host 127.0.0.1\n  ControlPath ${socket}\n`);
    expect(await liveControlSocket(parseSshTarget(c.sshHost), { sshConfig: config })).toBe(socket);
    writeFileSync(config, `Host 127.0.0.1\n  ControlPath ${join(work, "nobody-listens.sock")}\n`);
    expect(await liveControlSocket(parseSshTarget(c.sshHost), { sshConfig: config })).toBeUndefined();
  });

  it("runs locally without --host, and over ssh2 with controlPath never", async () => {
    expect((await openTransport({})).kind).toBe("local");
    const t = await openTransport({ host: cluster.get().sshHost, controlPath: "never", ...sshOptions() });
    expect(t.kind).toBe("ssh");
    await t.close();
  });
});
