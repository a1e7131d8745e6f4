// AutoTokenizer.fromPretrained and the class-named loaders, as in Hugging Face transformers.
import { camelToSnake } from '../util/case.js';
import { resolveGgufFile } from '../checkpoints/gguf/locate.js';
import { modelType, readTokenizerFiles } from './files.js';
import { ggufTokenizerFiles } from './gguf.js';
import { PreTrainedTokenizerFast } from './tokenizer.js';

export interface FromPretrainedOptions {
  revision?: string;
  /** Build the tokenizer from this GGUF file's metadata (in the folder or repo, or a path), as transformers' gguf_file. */
  ggufFile?: string;
  modelMaxLength?: number;
  paddingSide?: 'left' | 'right';
  truncationSide?: 'left' | 'right';
  /** Only for a tokenizer built from vocab.txt (tokenizer.json fixes its own normalizer). */
  doLowerCase?: boolean;
  [tokenKey: `${string}Token`]: string | undefined;
}

/** camelCase options → the tokenizer_config.json keys they override. */
function overridesFrom(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'revision' || key === 'ggufFile' || value === undefined) continue;
    out[camelToSnake(key)] = value;
  }
  return out;
}

type TokenizerClass = new (...args: ConstructorParameters<typeof PreTrainedTokenizerFast>) => PreTrainedTokenizerFast;

async function load(cls: TokenizerClass | null, nameOrPath: string, options: FromPretrainedOptions = {}): Promise<PreTrainedTokenizerFast> {
  const overrides = overridesFrom(options as Record<string, unknown>);
  const files = options.ggufFile !== undefined
    ? ggufTokenizerFiles(await resolveGgufFile(nameOrPath, options.ggufFile, options.revision), nameOrPath, overrides)
    : await readTokenizerFiles(nameOrPath, { revision: options.revision, overrides });
  if (!cls) {
    const declared = String(files.config.tokenizer_class ?? '');
    const model = modelType(files.json);
    cls = declared.startsWith('Bert') || (!declared && model === 'WordPiece') ? BertTokenizerFast : PreTrainedTokenizerFast;
  }
  return new cls(files, overrides);
}

export const AutoTokenizer = {
  /**
   * Loads a tokenizer from a directory (tokenizer.json, or vocab.txt for BERT), a file path,
   * or a Hub id. tokenizer_config.json and special_tokens_map.json are read when present.
   */
  fromPretrained(nameOrPath: string, options: FromPretrainedOptions = {}): Promise<PreTrainedTokenizerFast> {
    return load(null, nameOrPath, options);
  },
};

/** BERT's fast tokenizer by its class name; the same files as AutoTokenizer. */
export class BertTokenizerFast extends PreTrainedTokenizerFast {
  static fromPretrained(nameOrPath: string, options: FromPretrainedOptions = {}): Promise<BertTokenizerFast> {
    return load(BertTokenizerFast, nameOrPath, options) as Promise<BertTokenizerFast>;
  }
}

/** The slow-tokenizer class name, for ported code: it loads the fast tokenizer. */
export const BertTokenizer = BertTokenizerFast;
