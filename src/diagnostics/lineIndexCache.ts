// Line indexes of the texts being rendered, built once per file per texts map.
import { LineIndex } from "../source/lineIndex.js";

// One cache per texts map, so rendering many diagnostics of a large file indexes its lines once.
const CACHES = new WeakMap<ReadonlyMap<string, string>, IndexCache>();

export function indexCacheFor(texts: ReadonlyMap<string, string>): IndexCache {
  let cache = CACHES.get(texts);
  if (cache === undefined) {
    cache = new IndexCache(texts);
    CACHES.set(texts, cache);
  }
  return cache;
}

export class IndexCache {
  private readonly cache = new Map<string, { text: string; index: LineIndex }>();
  constructor(private readonly texts: ReadonlyMap<string, string>) {}
  get(file: string): LineIndex | undefined {
    const text = this.texts.get(file);
    if (text === undefined) return undefined;
    let entry = this.cache.get(file);
    // A caller may reuse a mutable Map with new text for the same path: index the text it holds now.
    if (entry === undefined || entry.text !== text) {
      entry = { text, index: new LineIndex(text) };
      this.cache.set(file, entry);
    }
    return entry.index;
  }
}
