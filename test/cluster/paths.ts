// Where the local test cluster keeps its state (shared by cluster.ts and globalSetup.ts).
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLUSTER_DIR = process.env.FLOWC_TEST_CLUSTER_DIR ?? join(REPO, ".state", "cluster");
export const SSH_PORT = process.env.FLOWC_TEST_SSH_PORT ?? "2222";
/** Written when a vitest run started the daemons: globalSetup's teardown stops them then. */
export const OWNER_FILE = join(CLUSTER_DIR, "started-by-vitest");
