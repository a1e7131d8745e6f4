// GenerationConfig, as transformers' generation/configuration_utils.py: the decoding settings,
// read from generation_config.json (snake_case) or built from the model's config, overridden by
// the options of a generate() call (camelCase or snake_case).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { camelCaseOptions, toCamel } from '../models/configuration_utils.js';
import type { PretrainedConfig } from '../models/configuration_utils.js';

export const GENERATION_CONFIG_NAME = 'generation_config.json';

export interface GenerationOptions {
  maxNewTokens?: number | null;
  /** Prompt + new tokens (20 by default, as transformers, when maxNewTokens is not given). */
  maxLength?: number;
  minNewTokens?: number | null;
  minLength?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number | null;
  topP?: number;
  repetitionPenalty?: number;
  /** One token id or several: a sequence ends at any of them. */
  eosTokenId?: number | number[] | null;
  padTokenId?: number | null;
  bosTokenId?: number | null;
  useCache?: boolean;
}

export class GenerationConfig implements Required<GenerationOptions> {
  maxNewTokens: number | null = null;
  maxLength = 20;
  minNewTokens: number | null = null;
  minLength = 0;
  doSample = false;
  temperature = 1.0;
  topK: number | null = 50;
  topP = 1.0;
  repetitionPenalty = 1.0;
  eosTokenId: number | number[] | null = null;
  padTokenId: number | null = null;
  bosTokenId: number | null = null;
  useCache = true;
  /** Fields of generation_config.json this class does not model, kept as read. */
  extra: Record<string, unknown> = {};

  constructor(options: GenerationOptions = {}) {
    this.update(options);
  }

  /** Sets fields from options (camelCase or snake_case); an unknown option is an error naming it. */
  update(options: GenerationOptions | Record<string, unknown>, where = 'generate'): this {
    for (const [key, value] of Object.entries(camelCaseOptions(options as Record<string, unknown>))) {
      if (value === undefined) continue;
      if (!(key in this) || key === 'extra') throw new TypeError(`${where}: unknown generation option '${key}' (known: ${Object.keys(this).filter((k) => k !== 'extra').join(', ')})`);
      (this as Record<string, unknown>)[key] = value;
    }
    return this;
  }

  /** The generation settings a model config carries (its special tokens), as transformers' from_model_config. */
  static fromModelConfig(config: PretrainedConfig): GenerationConfig {
    return new GenerationConfig({ eosTokenId: config.eosTokenId as number | number[] | null, padTokenId: config.padTokenId, bosTokenId: config.bosTokenId });
  }

  /** Reads generation_config.json from a folder (or the file itself). */
  static fromPretrained(dirOrFile: string): GenerationConfig {
    const file = existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, GENERATION_CONFIG_NAME) : dirOrFile;
    let dict: unknown;
    try {
      dict = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new Error(`${file} must hold a JSON object`);
    const config = new GenerationConfig();
    for (const [jsonKey, value] of Object.entries(dict as Record<string, unknown>)) {
      const key = toCamel(jsonKey);
      if (key in config && key !== 'extra') config.update({ [key]: value }, file);
      else config.extra[jsonKey] = value;
    }
    return config;
  }

  /** The end-of-sequence ids as a list. */
  eosIds(): number[] {
    return this.eosTokenId === null ? [] : Array.isArray(this.eosTokenId) ? this.eosTokenId : [this.eosTokenId];
  }
}
