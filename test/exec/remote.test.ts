// SSH targets, remote command lines and known_hosts matching, without a server (the server-side
// behaviour is in ssh-errors.test.ts and transport.test.ts).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { blobType, entryMatches, fingerprint, hostKeyName, parseKnownHosts, verifyHostKey } from "../../src/exec/knownHosts.js";
import { formatTarget, parseSshTarget, remoteCommandLine } from "../../src/exec/remote.js";
import { TransportError } from "../../src/exec/transport.js";

const work = mkdtempSync(join(tmpdir(), "flowc-remote-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function newKey(name: string, type = "ed25519"): { line: string; blob: Buffer } {
  const f = join(work, name);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", f]);
  const line = readFileSync(`${f}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  return { line, blob: Buffer.from(line.split(" ")[1]!, "base64") };
}

describe("SSH targets", () => {
  it("reads user@host[:port], bracketed IPv6 and ssh:// URLs", () => {
    expect(parseSshTarget("me@login.example.org")).toEqual({ user: "me", host: "login.example.org", port: 22 });
    expect(parseSshTarget("root@127.0.0.1:2222")).toEqual({ user: "root", host: "127.0.0.1", port: 2222 });
    expect(parseSshTarget("ssh://a@[::1]:2200")).toEqual({ user: "a", host: "::1", port: 2200 });
    expect(parseSshTarget("login").user).not.toBe("");
    expect(formatTarget({ user: "a", host: "::1", port: 2200 })).toBe("a@[::1]:2200");
  });

  it.each([
    ["me@host:99999", "the port `99999` is not a number from 1 to 65535"],
    ["me@::1", "an IPv6 address goes in brackets"],
    ["@host", "the user before `@` is empty"],
    ["me@", "the host is empty"],
    ["me@-oProxyCommand=x", "is not a host name or address"],
    ["me@host;rm", "is not a host name or address"],
  ])("refuses %s", (text, why) => {
    expect(() => parseSshTarget(text)).toThrow(TransportError);
    expect(() => parseSshTarget(text)).toThrow(why);
  });
});

describe("remote command lines", () => {
  it("quote the argv, and prefix the directory and environment", () => {
    expect(remoteCommandLine(["sbatch", "--parsable", "/runs/a b/x.sbatch"])).toBe("sbatch --parsable '/runs/a b/x.sbatch'");
    expect(remoteCommandLine(["squeue"], { cwd: "~/runs/it's", env: { SLURM_TIME_FORMAT: "standard" } }))
      .toBe(`cd "$HOME"/'runs/it'\\''s' && SLURM_TIME_FORMAT=standard squeue`);
    expect(() => remoteCommandLine(["x"], { env: { "BAD-NAME": "v" } })).toThrow(/not an environment variable name/);
  });
});

describe("known_hosts", () => {
  const a = newKey("a");
  const b = newKey("b");
  const e = newKey("e", "ecdsa");

  it("names a host as ssh does and fingerprints as ssh-keygen -l does", () => {
    expect(hostKeyName("Login.Example.org", 22)).toBe("login.example.org");
    expect(hostKeyName("127.0.0.1", 2222)).toBe("[127.0.0.1]:2222");
    const printed = execFileSync("ssh-keygen", ["-lf", join(work, "a.pub")], { encoding: "utf8" }).split(" ")[1];
    expect(fingerprint(a.blob)).toBe(printed);
    expect(blobType(e.blob)).toBe("ecdsa-sha2-nistp256");
  });

  it("skips comments and malformed lines, and keeps markers and line numbers", () => {
    const entries = parseKnownHosts(`# c\n\nhost1 ${a.line}\nbroken\n@revoked * ${b.line}\n@cert-authority *.example.org ${e.line}\n`, "kh");
    expect(entries.map((x) => [x.line, x.marker ?? "", x.hosts])).toEqual([[3, "", "host1"], [5, "revoked", "*"], [6, "cert-authority", "*.example.org"]]);
  });

  it("matches patterns case-insensitively, with wildcards and negation", () => {
    const [entry] = parseKnownHosts(`*.Example.org,!bad.example.org,[10.0.0.?]:2222 ${a.line}`, "kh");
    expect(entryMatches(entry!, "login.example.org")).toBe(true);
    expect(entryMatches(entry!, "bad.example.org")).toBe(false);
    expect(entryMatches(entry!, "[10.0.0.7]:2222")).toBe(true);
    expect(entryMatches(entry!, "10.0.0.7")).toBe(false);
  });

  it("decides trusted, changed, other type, revoked and unknown in ssh's order", () => {
    const entries = parseKnownHosts(`h ${a.line}\ng ${e.line}\n@revoked * ${b.line}\n`, "kh");
    expect(verifyHostKey(entries, "h", a.blob).kind).toBe("trusted");
    expect(verifyHostKey(entries, "h", newKey("c").blob).kind).toBe("changed");
    expect(verifyHostKey(entries, "g", a.blob).kind).toBe("other-type");
    expect(verifyHostKey(entries, "h", b.blob).kind).toBe("revoked");
    expect(verifyHostKey(entries, "nobody", a.blob).kind).toBe("unknown");
  });
});
