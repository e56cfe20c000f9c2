// The real local Slurm + sshd for the tests that need one (test/cluster/start.sh), started on demand
// by the first test file that asks, shared by all of them, and stopped at the end of the vitest run
// by globalSetup.ts if this run started it (a cluster that was already up is left up).
//
//   const cluster = useCluster();                  // at the top of a test file
//   describe.skipIf(cluster.skip)("…", () => { it("…", () => cluster.get().sshHost …) });
//
// Without the Slurm binaries (or without root) the tests are skipped with a loud reason, except
// on CI (`CI` set), where the cluster is part of the test environment and its absence fails them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, inject } from "vitest";
import { CLUSTER_DIR, OWNER_FILE, REPO, SSH_PORT } from "./paths.js";

export { CLUSTER_DIR, REPO };

export interface TestCluster {
  readonly dir: string;
  /** The environment the cluster's commands need (SLURM_CONF, FLOWC_TEST_*). */
  readonly env: Readonly<Record<string, string>>;
  readonly slurmConf: string;
  /** `root@127.0.0.1:PORT` */
  readonly sshHost: string;
  readonly sshPort: number;
  readonly sshKey: string;
  readonly knownHosts: string;
  /** The sshd's public host key (OpenSSH one-line form). */
  readonly hostPub: string;
  readonly jobcomp: string;
}

const NEEDED = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/sbin/munged", "/usr/sbin/sshd"];

function missingReason(): string | undefined {
  const missing = NEEDED.filter((p) => !existsSync(p));
  if (missing.length > 0) return `${missing.join(", ")} not installed (apt-get install -y slurm-wlm munge openssh-server)`;
  if (process.getuid?.() !== 0) return "the local cluster is started as root (munged, slurmd, sshd)";
  return undefined;
}

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

let starting: Promise<TestCluster> | undefined;

/** Starts the cluster (idempotent across test files: start.sh takes a lock and skips what runs). */
export function startCluster(): Promise<TestCluster> {
  starting ??= (async () => {
    const r = await execa("bash", [join(REPO, "test", "cluster", "start.sh"), CLUSTER_DIR, SSH_PORT], { reject: false, all: true, timeout: 120_000 });
    if (r.exitCode !== 0) throw new Error(`test/cluster/start.sh failed (exit ${r.exitCode}):\n${r.all}`);
    if (/^started: .*slurmctld/m.test(String(r.all))) {
      let owner: number | undefined;
      try {
        owner = inject("flowcVitestPid");
      } catch {
        owner = undefined; // run outside vitest's globalSetup: leave the cluster up
      }
      if (owner !== undefined) writeFileSync(OWNER_FILE, `${owner}\n`);
    }
    const env = parseEnvFile(readFileSync(join(CLUSTER_DIR, "env"), "utf8"));
    const host = env.FLOWC_TEST_SSH_HOST!;
    return {
      dir: CLUSTER_DIR,
      env,
      slurmConf: env.SLURM_CONF!,
      sshHost: host,
      sshPort: Number(host.split(":").pop()),
      sshKey: env.FLOWC_TEST_SSH_KEY!,
      knownHosts: env.FLOWC_TEST_SSH_KNOWN_HOSTS!,
      hostPub: readFileSync(env.FLOWC_TEST_SSH_HOST_PUB!, "utf8").trim(),
      jobcomp: env.FLOWC_TEST_JOBCOMP!,
    };
  })();
  return starting;
}

export interface ClusterHandle {
  /** Why these tests cannot run here; undefined when they run. */
  readonly skip: string | undefined;
  /** The running cluster (inside tests, after the file's beforeAll). */
  get(): TestCluster;
}

/**
 * Registers a beforeAll that starts the cluster and sets SLURM_CONF for this test file's process
 * (so local `sbatch`/`squeue` reach it). Call once at the top of a test file.
 */
export function useCluster(): ClusterHandle {
  const reason = missingReason();
  const skip = reason !== undefined && !process.env.CI ? reason : undefined;
  if (skip) {
    console.warn(`\n*** SKIPPING the tests on the real Slurm + sshd: ${skip}. On CI (CI set) they run and must pass. ***\n`);
  }
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (skip) return;
    if (reason) throw new Error(`CI is set, so the tests on the real Slurm + sshd must run, but ${reason}`);
    cluster = await startCluster();
    process.env.SLURM_CONF = cluster.slurmConf;
  }, 180_000);
  return {
    skip,
    get() {
      if (!cluster) throw new Error("the local cluster is not started (use it inside a test, after beforeAll)");
      return cluster;
    },
  };
}
