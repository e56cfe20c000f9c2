// Reading the cluster profiles file from disk (`--clusters FILE`, default
// $XDG_CONFIG_HOME/flowc/clusters.yaml or ~/.config/flowc/clusters.yaml) and choosing a profile.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { span } from "../source/span.js";
import { parseProfiles, unknownProfile } from "./parse.js";
import type { ClusterProfile, ProfilesFile } from "./schema.js";

export function defaultProfilesPath(env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith("/") ? env.XDG_CONFIG_HOME : join(home, ".config");
  return join(base, "flowc", "clusters.yaml");
}

export type LoadedProfiles =
  | { readonly ok: true; readonly path: string; readonly file: ProfilesFile; readonly text: string }
  /** The file is not there (or cannot be read): an environment error, with the reason. */
  | { readonly ok: false; readonly path: string; readonly unreadable: string }
  /** The file is there and wrong: diagnostics into its text. */
  | { readonly ok: false; readonly path: string; readonly diagnostics: readonly Diagnostic[]; readonly texts: ReadonlyMap<string, string> };

export function loadProfiles(path: string): LoadedProfiles {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, path, unreadable: err.code === "ENOENT" ? "no such file" : err.message };
  }
  const r = parseProfiles(text, path);
  if (r.value === undefined || r.diagnostics.length > 0) return { ok: false, path, diagnostics: r.diagnostics, texts: new Map([[path, text]]) };
  return { ok: true, path, file: r.value, text };
}

/**
 * The profile called `name`, else the file's `default`, else its only profile. A name the file
 * lacks is E0501 at the `clusters:` key (the list it was looked up in).
 */
export function selectProfile(loaded: Extract<LoadedProfiles, { ok: true }>, name?: string): { name: string; profile: ClusterProfile } | Diagnostic {
  const names = Object.keys(loaded.file.clusters);
  const wanted = name ?? loaded.file.default ?? (names.length === 1 ? names[0] : undefined);
  const at = (() => {
    const i = loaded.text.search(/^clusters\s*:/m);
    return span(loaded.path, Math.max(0, i), Math.max(0, i) + "clusters".length);
  })();
  if (wanted === undefined) {
    return diagnostic("E0501", at, `${loaded.path} has ${names.length === 0 ? "no profiles" : "several profiles"} and no \`default:\`.`, {
      help: names.length === 0 ? "add a profile under `clusters:`" : `name one (${names.map((n) => `\`${n}\``).join(", ")}), or add \`default: ${names[0]}\``,
    });
  }
  const profile = loaded.file.clusters[wanted];
  if (!profile) return unknownProfile(wanted, names, at);
  return { name: wanted, profile };
}
