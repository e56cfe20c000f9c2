// A local Ray for `flowc run --target ray` and the tests: `ray start --head --block` as a child
// process (execa), on ports chosen here so that several clusters on one machine do not collide,
// with its own temp dir. `--block` makes Ray's own processes end with it (its reaper kills them
// even when the head is killed), so stopping it is killing our child by its pid, never `ray stop`
// (which stops every Ray on the machine).
//
// Token authentication: Ray turns it on for a new cluster when a token file exists (~/.ray/auth_token,
// which any earlier local `ray.init()` writes), and a driver then needs the same mode. A cluster
// started here is this user's, on this machine, for one run: it is started without it, and its
// drivers and clients get LOCAL_RAY_ENV. A cluster joined with --address keeps the user's settings.
import { execa, type ResultPromise } from "execa";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";

export interface LocalRay {
  /** The GCS address workers and drivers join (`ray.init(address=…)`). */
  readonly address: string;
  /** The dashboard (Ray Jobs API), when started with one. */
  readonly dashboardUrl?: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface StartRayOptions {
  /** The Python whose environment has Ray (and flowrt). */
  readonly python: string;
  readonly numCpus?: number;
  /** Start the dashboard (needed by Ray Jobs submission); default false. */
  readonly dashboard?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The object store's size (default 512 MiB). */
  readonly objectStoreBytes?: number;
  /** How long to wait for the head to come up (ms); default 180 s (a loaded machine is slow). */
  readonly timeoutMs?: number;
}

/** What a driver or client of a cluster started here needs in its environment. */
export const LOCAL_RAY_ENV: Readonly<Record<string, string>> = { RAY_AUTH_MODE: "disabled", RAY_USAGE_STATS_ENABLED: "0" };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The `ray` command beside the Python (a venv's bin/), else Ray's CLI module through that Python. */
export function rayCommand(python: string): [string, string[]] {
  const bin = join(dirname(python), "ray");
  return existsSync(bin) ? [bin, []] : [python, ["-m", "ray.scripts.scripts"]];
}

/**
 * Starts the head, again (up to 3 times) when it gave up waiting for its own raylet: Ray waits a
 * fixed 30 s for it to register, which a heavily loaded machine can miss.
 */
export async function startLocalRay(o: StartRayOptions): Promise<LocalRay | { error: string }> {
  let r = await startOnce(o);
  for (let attempt = 1; attempt < 3 && "error" in r && r.error.includes("timed out during startup"); attempt++) r = await startOnce(o);
  return r;
}

async function startOnce(o: StartRayOptions): Promise<LocalRay | { error: string }> {
  const [gcs, client, agent, dash] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // A short path: Ray's unix sockets live under it (108 bytes at most).
  const temp = mkdtempSync(join(tmpdir(), "flowc-ray-"));
  const [cmd, pre] = rayCommand(o.python);
  const args = [...pre, "start", "--head", "--block", "--disable-usage-stats", `--port=${gcs}`,
    `--ray-client-server-port=${client}`, `--dashboard-agent-listen-port=${agent}`, `--temp-dir=${temp}`,
    ...(o.numCpus !== undefined ? [`--num-cpus=${o.numCpus}`] : []),
    // The plan's memory estimates are reservations: this one-run cluster offers the machine's whole
    // memory for them (Ray's default is a share of what is free when it starts, which a busy machine
    // makes too small for a step that fits). The object store (default 30% of RAM, in /dev/shm)
    // carries only step ids.
    `--memory=${totalmem()}`,
    `--object-store-memory=${o.objectStoreBytes ?? 512 * 1024 * 1024}`,
    ...(o.dashboard ? ["--include-dashboard=true", "--dashboard-host=127.0.0.1", `--dashboard-port=${dash}`] : ["--include-dashboard=false"])];
  let child: ResultPromise;
  try {
    child = execa(cmd, args, { reject: false, all: true, env: { ...o.env, ...LOCAL_RAY_ENV }, extendEnv: true });
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    return { error: `cannot start Ray (${cmd}): ${(e as Error).message}` };
  }
  let output = "";
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), o.timeoutMs ?? 180_000);
    child.all?.on("data", (b: Buffer) => {
      output += b.toString();
      if (output.includes("Ray runtime started")) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void child.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await child;
      clearTimeout(killer);
    }
    rmSync(temp, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    const tail = output.trim().split("\n").slice(-8).join("\n");
    return { error: `\`ray start --head\` did not come up${tail ? `:\n${tail}` : ""}` };
  }
  return {
    address: `127.0.0.1:${gcs}`,
    ...(o.dashboard ? { dashboardUrl: `http://127.0.0.1:${dash}` } : {}),
    pid: child.pid!,
    stop,
  };
}
