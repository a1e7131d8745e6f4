// from_pretrained(pathOrDir, gguf_file=...)'s weights: the GGUF resolved as transformers resolves it,
// its tensors dequantized and renamed (weights.ts). The permutation is undone with the head counts
// the file itself states, as transformers' TensorProcessor does (whatever config the caller passes).
import type { Tensor } from '../../engine/tensor.js';
import { ggufArchitecture, ggufConfigDict, ggufHeader, resolveGgufFile } from './config.js';
import { loadGgufStateDict } from './weights.js';

export async function loadGgufCheckpoint(pathOrId: string, ggufFile: string, revision?: string): Promise<{ stateDict: Record<string, Tensor>; file: string }> {
  const path = await resolveGgufFile(pathOrId, ggufFile, revision);
  const file = ggufHeader(path);
  ggufArchitecture(file);
  const dict = ggufConfigDict(file);
  const heads = dict.num_attention_heads as number;
  const stateDict = loadGgufStateDict(file, {
    numAttentionHeads: heads,
    numKeyValueHeads: (dict.num_key_value_heads as number | undefined) ?? heads,
    numHiddenLayers: dict.num_hidden_layers as number,
  });
  return { stateDict, file: path };
}
