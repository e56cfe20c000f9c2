// fc.assert of a synchronous property, run as an async one that lets the event loop turn before each
// run. A test worker that computes for a minute without yielding (a few hundred parses on a loaded
// 2-core machine) cannot read vitest's own RPC replies in time and the run fails with "Timeout
// calling onTaskUpdate", though every test passed.
import fc from "fast-check";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function assertYielding<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => boolean | void,
  params?: fc.Parameters<Ts>,
): Promise<void> {
  const run = async (...args: Ts): Promise<boolean | void> => {
    await turn();
    return predicate(...args);
  };
  const property = (fc.asyncProperty as unknown as (...a: unknown[]) => fc.IAsyncPropertyWithHooks<Ts>)(...arbitraries, run);
  await fc.assert(property, params);
}
