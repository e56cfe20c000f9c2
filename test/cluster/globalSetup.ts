// Stops the local Slurm + sshd at the end of a vitest run if this run started them (cluster.ts
// writes the owner file then). FLOWC_KEEP_CLUSTER=1 keeps them up for the next run.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import type { TestProject } from "vitest/node";
import { CLUSTER_DIR, OWNER_FILE, REPO } from "./paths.js";

declare module "vitest" {
  export interface ProvidedContext {
    flowcVitestPid: number;
  }
}

export default function setup(project: TestProject) {
  project.provide("flowcVitestPid", process.pid);
  return async () => {
    if (!existsSync(OWNER_FILE) || Number(readFileSync(OWNER_FILE, "utf8")) !== process.pid) return;
    rmSync(OWNER_FILE, { force: true });
    if (process.env.FLOWC_KEEP_CLUSTER === "1") return;
    await execa("bash", [join(REPO, "test", "cluster", "stop.sh"), CLUSTER_DIR], { reject: false });
  };
}
