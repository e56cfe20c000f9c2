// Parameters of a Llama-style decoder (RMSNorm, SwiGLU, GQA, no biases), exact.
// docs/estimators.md: N = L·[2h·q + 2h·k + 3h·F + 2h] + h + V·h·(2 untied | 1 tied), q = a·d_h, k = g·d_h.
// Golden: LLaMA-2-7B = 6,738,415,616; SmolLM2-1.7B = 1,711,376,384.
export interface ModelShape {
  readonly layers: number;
  readonly dModel: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffn: number;
  readonly vocab: number;
  readonly tieEmbeddings: boolean;
}

export interface ParamBreakdown {
  readonly embedding: bigint;
  readonly perLayer: bigint;
  readonly blocks: bigint;
  readonly finalNorm: bigint;
  readonly lmHead: bigint;
  readonly total: bigint;
}

export function paramBreakdown(m: ModelShape): ParamBreakdown {
  const h = BigInt(m.dModel);
  const headDim = h / BigInt(m.heads);
  const q = BigInt(m.heads) * headDim;
  const k = BigInt(m.kvHeads) * headDim;
  // wq, wo (h·q each); wk, wv (h·k each); w1, w2, w3 (h·F each); two RMSNorm weights.
  const perLayer = 2n * h * q + 2n * h * k + 3n * h * BigInt(m.ffn) + 2n * h;
  const blocks = perLayer * BigInt(m.layers);
  const embedding = BigInt(m.vocab) * h;
  const lmHead = m.tieEmbeddings ? 0n : embedding;
  const finalNorm = h;
  return { embedding, perLayer, blocks, finalNorm, lmHead, total: blocks + embedding + lmHead + finalNorm };
}

export function countParams(m: ModelShape): bigint {
  return paramBreakdown(m).total;
}
