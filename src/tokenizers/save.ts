// savePretrained: the files Hugging Face writes for a fast tokenizer, so that Python's
// AutoTokenizer.from_pretrained and ours both load the directory.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replaceAtomically, writeFileAtomic } from '../util/atomic.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';

export function saveTokenizer(tok: PreTrainedTokenizerFast, dir: string): string[] {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileAtomic(join(out, name), text);
    written.push(join(out, name));
  };
  // The caller has switched truncation and padding off, so they are not saved as defaults.
  replaceAtomically(join(out, 'tokenizer.json'), (temporary) => tok.backendTokenizer.save(temporary, true));
  written.push(join(out, 'tokenizer.json'));
  const config: Record<string, unknown> = {
    tokenizer_class: tok.tokenizerClass,
    model_max_length: tok.modelMaxLength,
    padding_side: tok.paddingSide,
    truncation_side: tok.truncationSide,
    clean_up_tokenization_spaces: tok.cleanUpTokenizationSpaces,
    model_input_names: tok.modelInputNames,
    ...tok.specialTokensMap,
  };
  if (tok.tokenizerClass.startsWith('Bert')) config.do_lower_case = tok.doLowerCase;
  write('tokenizer_config.json', `${JSON.stringify(config, null, 2)}\n`);
  write('special_tokens_map.json', `${JSON.stringify(tok.specialTokensMap, null, 2)}\n`);
  const vocab = tok.backendTokenizer.getVocab(false);
  const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
  // vocab.txt maps line number to id, so it can only be written when ids have no gaps.
  const contiguous = entries.every(([, id], i) => id === i);
  if (tok.tokenizerClass.startsWith('Bert') && contiguous && entries.length > 0) {
    write('vocab.txt', `${entries.map(([t]) => t).join('\n')}\n`);
  }
  return written;
}
