// Where the loader gets files from. The loader itself is pure over a SourceHost; `nodeHost` reads the
// real file system, `memoryHost` serves texts held in memory (tests, an editor's unsaved buffers).
// Reading is done on an open descriptor (open, fstat, read): a FIFO, a device or a directory is
// refused by what the descriptor is, never waited on or read without end, and a file that grows past
// the limit while being read is still refused.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from "node:fs";
import { getSystemErrorMap } from "node:util";

/** Why a file cannot be used as a source, in words that follow "cannot read `x.flow`: ". */
export interface FileProblem {
  /** `unreadable`: any system error (missing, permission, symlink loop…); the others are refusals. */
  readonly kind: "unreadable" | "not-regular" | "too-large" | "not-utf8";
  readonly message: string;
}

export type HostResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: FileProblem };

export interface SourceHost {
  /** The canonical form of an absolute path: every symbolic link resolved. */
  realpath(path: string): HostResult<string>;
  /** The UTF-8 text of a canonical path, when it is a regular file of at most `maxBytes` bytes. */
  read(path: string, maxBytes: number): HostResult<string>;
}

/** A system error as a short phrase: "no such file or directory", "too many levels of symbolic links". */
export function errnoWords(err: unknown): string {
  const e = typeof err === "object" && err !== null ? (err as { code?: unknown; errno?: unknown }) : {};
  switch (e.code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "ELOOP":
      return "too many levels of symbolic links (a symbolic link that leads back to itself?)";
    case "ENAMETOOLONG":
      return "the path is too long";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    case "EIO":
      return "input/output error";
  }
  // Any other errno: the system's own words for it, without Node's "ECODE: …, open 'path'" wrapping.
  if (typeof e.errno === "number") {
    const known = getSystemErrorMap().get(e.errno);
    if (known) return known[1];
  }
  return err instanceof Error ? err.message : String(err);
}

const unreadable = (err: unknown): { ok: false; problem: FileProblem } => ({ ok: false, problem: { kind: "unreadable", message: errnoWords(err) } });

function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

export function notRegular(what: string): FileProblem {
  return { kind: "not-regular", message: what === "a directory" ? "is a directory" : `is ${what}, not a regular file` };
}

export function tooLarge(bytes: number | undefined, maxBytes: number): FileProblem {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(n % 2 ** 20 === 0 ? 0 : 1)} MiB`;
  const size = bytes === undefined ? "larger than" : `${mib(bytes)} (${bytes.toLocaleString("en-US")} bytes), over`;
  return { kind: "too-large", message: `is ${size} the limit of ${mib(maxBytes)} for a source file` };
}

// O_NONBLOCK: opening a FIFO for reading must not wait for a writer (the descriptor is refused right
// after by fstat). It changes nothing for regular files. Absent on Windows, where FIFOs are not files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export const nodeHost: SourceHost = {
  realpath(path) {
    try {
      return { ok: true, value: realpathSync.native(path) };
    } catch (err) {
      return unreadable(err);
    }
  },
  read(path, maxBytes) {
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (err) {
      return unreadable(err);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return { ok: false, problem: notRegular(kindOf(st)) };
      if (st.size > maxBytes) return { ok: false, problem: tooLarge(st.size, maxBytes) };
      // Read to the end, but never past maxBytes + 1: the file may have grown since fstat.
      const chunk = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
      const chunks: Buffer[] = [];
      let total = 0;
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) {
        total += n;
        if (total > maxBytes) return { ok: false, problem: tooLarge(undefined, maxBytes) };
        chunks.push(Buffer.from(chunk.subarray(0, n)));
      }
      return decodeUtf8(Buffer.concat(chunks, total));
    } catch (err) {
      return unreadable(err);
    } finally {
      closeSync(fd);
    }
  },
};

/**
 * The text of a file's bytes, refused when they are not UTF-8: decoding would replace a bad byte by
 * U+FFFD, and `flowc fmt --write` would then write the replacement over the user's byte.
 */
export function decodeUtf8(bytes: Buffer): HostResult<string> {
  const text = bytes.toString("utf8");
  if (!text.includes("\ufffd")) return { ok: true, value: text };
  // Walk the decoded text with its byte offset; the first U+FFFD that is not the bytes EF BF BD
  // marks the first invalid byte.
  let off = 0, line = 1, col = 1;
  for (const ch of text) {
    if (ch === "\ufffd" && !(bytes[off] === 0xef && bytes[off + 1] === 0xbf && bytes[off + 2] === 0xbd)) {
      const hex = bytes[off]!.toString(16).toUpperCase().padStart(2, "0");
      return { ok: false, problem: { kind: "not-utf8", message: `is not valid UTF-8 (byte 0x${hex} at line ${line}, column ${col}, byte offset ${off})` } };
    }
    off += Buffer.byteLength(ch, "utf8");
    if (ch === "\n") { line++; col = 1; } else col++;
  }
  return { ok: true, value: text };
}

/**
 * Files held in memory, keyed by absolute path (already canonical: there are no links). A path that
 * is not there reads as missing; `fallback` (e.g. nodeHost) serves the rest when given, so an editor
 * can check unsaved buffers together with the files on disk.
 */
export function memoryHost(files: ReadonlyMap<string, string> | Readonly<Record<string, string>>, fallback?: SourceHost): SourceHost {
  const texts = files instanceof Map ? files : new Map(Object.entries(files));
  const missing = { ok: false, problem: { kind: "unreadable", message: "no such file or directory" } } as const;
  return {
    realpath: (path) => (texts.has(path) ? { ok: true, value: path } : fallback ? fallback.realpath(path) : missing),
    read(path, maxBytes) {
      const text = texts.get(path);
      if (text === undefined) return fallback ? fallback.read(path, maxBytes) : missing;
      const bytes = Buffer.byteLength(text, "utf8");
      return bytes > maxBytes ? { ok: false, problem: tooLarge(bytes, maxBytes) } : { ok: true, value: text };
    },
  };
}
