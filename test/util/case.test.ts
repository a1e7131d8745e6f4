// The camelCase ↔ snake_case conversion used for every Hugging Face name the library reads or
// writes: the names below are real ones from transformers, tokenizers and evaluate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { camelToSnake, snakeToCamel } from '../../src/util/case.js';

const PAIRS: [string, string][] = [
  ['maxLength', 'max_length'],
  ['learningRate', 'learning_rate'],
  ['perDeviceTrainBatchSize', 'per_device_train_batch_size'],
  ['adamBeta1', 'adam_beta1'],
  ['fp16', 'fp16'],
  ['overflowToSampleMapping', 'overflow_to_sample_mapping'],
  ['numInputTokensSeen', 'num_input_tokens_seen'],
  ['padding', 'padding'],
];

describe('camelToSnake / snakeToCamel', () => {
  it('map Hugging Face names both ways', () => {
    for (const [camel, snake] of PAIRS) {
      assert.equal(camelToSnake(camel), snake, camel);
      assert.equal(snakeToCamel(snake), camel, snake);
    }
  });

  it('leave names already in the target style alone', () => {
    for (const [camel, snake] of PAIRS) {
      assert.equal(camelToSnake(snake), snake);
      assert.equal(snakeToCamel(camel), camel);
    }
  });

  it('read the command line\'s dashes as underscores, and join digits', () => {
    assert.equal(snakeToCamel('learning-rate'), 'learningRate');
    assert.equal(snakeToCamel('no-cuda'), 'noCuda');
    assert.equal(snakeToCamel('label_2_id'), 'label2Id');
  });

  it('do not special-case config.json\'s _name_or_path (PretrainedConfig maps it itself)', () => {
    assert.equal(snakeToCamel('_name_or_path'), 'NameOrPath');
  });
});
