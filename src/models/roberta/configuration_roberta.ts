// RobertaConfig and XLMRobertaConfig: BERT's fields with RoBERTa's special-token defaults, as
// transformers' configuration_roberta.py / configuration_xlm_roberta.py.
import { BertConfig } from '../bert/configuration_bert.js';
import type { ConfigOptions } from '../configuration_utils.js';

export class RobertaConfig extends BertConfig {
  static override modelType = 'roberta';

  constructor(init: ConfigOptions = {}) {
    super({ padTokenId: 1, bosTokenId: 0, eosTokenId: 2, ...init });
  }
}

export class XLMRobertaConfig extends RobertaConfig {
  static override modelType = 'xlm-roberta';
}
