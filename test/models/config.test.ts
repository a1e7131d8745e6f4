// Configs: Hugging Face's config.json read and written back (unknown fields kept, what
// save_pretrained writes), the num_labels / id2label / label2id / problem_type rules, the
// auto class, and errors that name the file and the field.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { AutoConfig, BertConfig, DistilBertConfig, PretrainedConfig, RobertaConfig, TRANSFORMERS_VERSION, logging } from '../../src/models/index.js';

logging.setVerbosity('error');
const fixtures = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const SKIP_SHARED = existsSync(SHARED) ? false : `../shared is absent (looked in ${SHARED})`;
const dirs: string[] = [];
const scratch = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'finetune-config-'))) - 1];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

function writeConfig(dict: unknown): string {
  const dir = scratch();
  writeFileSync(join(dir, 'config.json'), typeof dict === 'string' ? dict : JSON.stringify(dict));
  return dir;
}

describe('PretrainedConfig', () => {
  it('reads config.json into camelCase fields of the class its model_type names', async () => {
    const config = await AutoConfig.fromPretrained(join(fixtures, 'bert'));
    assert.ok(config instanceof BertConfig);
    const bert = config as BertConfig;
    assert.equal(bert.hiddenSize, 16);
    assert.equal(bert.numAttentionHeads, 4);
    assert.equal(bert.layerNormEps, 1e-12);
    assert.equal(bert.numLabels, 3);
    assert.deepEqual(bert.id2label, { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
    assert.equal(bert.configFile, join(fixtures, 'bert', 'config.json'));
  });

  it('writes back what it read, unknown fields included (a DistilBERT config with attribute names of its own)', async () => {
    const source = join(fixtures, 'distilbert');
    const config = await AutoConfig.fromPretrained(source);
    assert.ok(config instanceof DistilBertConfig);
    assert.equal((config as DistilBertConfig).hiddenSize, 16, 'hidden_size is an alias of dim');
    assert.equal(config.extra.tie_weights_, true, 'a field the class does not model is kept');
    const dir = scratch();
    await config.savePretrained(dir);
    const written = readJson(join(dir, 'config.json'));
    const original = readJson(join(source, 'config.json'));
    assert.deepEqual(written, { ...original, _name_or_path: source, transformers_version: TRANSFORMERS_VERSION });
    assert.deepEqual(readdirSync(dir), ['config.json'], 'no temporary file is left behind');
  });

  it('stamps transformers_version as save_pretrained does: the transformers release the peers pin', async () => {
    const pinned = /^transformers==(\S+)$/m.exec(readFileSync(fileURLToPath(new URL('../../scripts/peers/requirements.txt', import.meta.url)), 'utf8'));
    assert.equal(TRANSFORMERS_VERSION, pinned?.[1], 'the version written is the one the interop tests load the files with');
    const dir = scratch();
    await new BertConfig({ hiddenSize: 16 }).savePretrained(dir);
    assert.equal(readJson(join(dir, 'config.json')).transformers_version, TRANSFORMERS_VERSION);
    const old = writeConfig({ model_type: 'bert', transformers_version: '4.30.2' });
    const resaved = scratch();
    await (await AutoConfig.fromPretrained(old)).savePretrained(resaved);
    assert.equal(readJson(join(resaved, 'config.json')).transformers_version, TRANSFORMERS_VERSION, 'the writer\'s version replaces the one read, as in transformers');
  });

  it('a transformers 4.30 save_pretrained config.json round-trips to the same dictionary', { skip: SKIP_SHARED }, async () => {
    const file = join(SHARED, 'checkpoints/tiny-bert-seqcls-hf4.30/config.json');
    const original = readJson(file);
    const config = await AutoConfig.fromPretrained(file);
    assert.deepEqual(config.toDiffDict(), { ...original, _name_or_path: file, transformers_version: TRANSFORMERS_VERSION },
      'to_diff_dict: the fields transformers wrote, no more, no fewer (the path is where it was loaded from, the version the writer\'s, as there)');
    assert.equal(config.toJsonString().endsWith('}\n'), true);
    assert.deepEqual(Object.keys(JSON.parse(config.toJsonString())), Object.keys(original).sort(), 'sorted keys, as json.dumps(sort_keys=True)');
  });

  it('num_labels, id2label and label2id follow transformers (JSON keys are strings; numLabels regenerates LABEL_i)', async () => {
    const dir = writeConfig({ model_type: 'bert', id2label: { 0: 'neg', 1: 'neu', 2: 'pos' }, label2id: { neg: 0, neu: 1, pos: 2 } });
    const config = await AutoConfig.fromPretrained(dir);
    assert.equal(config.numLabels, 3);
    assert.equal(config.id2label[2], 'pos');
    const relabelled = await AutoConfig.fromPretrained(dir, { numLabels: 5 });
    assert.deepEqual(relabelled.id2label, { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2', 3: 'LABEL_3', 4: 'LABEL_4' });
    assert.deepEqual(relabelled.label2id, { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2, LABEL_3: 3, LABEL_4: 4 });
    const same = await AutoConfig.fromPretrained(dir, { numLabels: 3 });
    assert.equal(same.id2label[0], 'neg', 'an unchanged number of labels keeps the names');
    const named = await AutoConfig.fromPretrained(dir, { id2label: { 0: 'bad', 1: 'good' } });
    assert.equal(named.numLabels, 2);
    assert.deepEqual(named.label2id, { bad: 0, good: 1 });
    const legacy = await AutoConfig.fromPretrained(writeConfig({ model_type: 'bert', num_labels: 4 }));
    assert.equal(legacy.numLabels, 4, 'an old config with num_labels and no id2label');
    assert.equal(new BertConfig().numLabels, 2, 'two labels by default');
    await assert.rejects(AutoConfig.fromPretrained(dir, { numLabels: 3, id2label: { 0: 'a', 1: 'b' } }), /numLabels is 3 but id2label has 2 entries/);
  });

  it('problem_type must be one of the three transformers knows', async () => {
    const config = new BertConfig({ problemType: 'multi_label_classification' });
    assert.equal(config.problemType, 'multi_label_classification');
    assert.throws(() => new BertConfig({ problemType: 'ranking' as never }), /problem_type must be one of regression, single_label_classification, multi_label_classification/);
    await assert.rejects(AutoConfig.fromPretrained(writeConfig({ model_type: 'bert', problem_type: 'multi' })), /config\.json.*problem_type/);
  });

  it('save_pretrained writes only the common fields that differ from the defaults', () => {
    const dict = JSON.parse(new BertConfig({ hiddenSize: 32, numLabels: 3 }).toJsonString()) as Record<string, unknown>;
    assert.equal(dict.hidden_size, 32);
    assert.equal(dict.model_type, 'bert');
    assert.equal(dict.pad_token_id, 0, "BERT's pad_token_id differs from PretrainedConfig's None");
    assert.ok('id2label' in dict, 'three labels differ from the default two');
    assert.ok(!('output_hidden_states' in dict) && !('problem_type' in dict) && !('return_dict' in dict));
    const two = JSON.parse(new BertConfig().toJsonString()) as Record<string, unknown>;
    assert.ok(!('id2label' in two), 'the default two labels are not written');
    const roberta = JSON.parse(new RobertaConfig().toJsonString()) as Record<string, unknown>;
    assert.deepEqual([roberta.pad_token_id, roberta.bos_token_id, roberta.eos_token_id, roberta.model_type], [1, 0, 2, 'roberta']);
  });

  it('a config without model_type is recognised by its name, as transformers does', async () => {
    const dir = join(scratch(), 'my-bert-2019');
    await new PretrainedConfig().savePretrained(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ hidden_size: 16, num_attention_heads: 2, vocab_size: 50 }));
    const config = await AutoConfig.fromPretrained(dir);
    assert.ok(config instanceof BertConfig);
    const anonymous = writeConfig({ hidden_size: 16 });
    await assert.rejects(AutoConfig.fromPretrained(anonymous), /Unrecognized model in .*Should have a `model_type` key/);
  });

  it('errors name the file and the field', async () => {
    await assert.rejects(AutoConfig.fromPretrained(scratch()), /does not appear to have a file named config\.json/);
    const broken = writeConfig('{"model_type": "bert", "hidden_size": 16,');
    await assert.rejects(AutoConfig.fromPretrained(broken), (e: Error) => e.message.includes(join(broken, 'config.json')) && /not valid JSON/.test(e.message));
    const wrongType = writeConfig({ model_type: 'bert', hidden_size: '768' });
    await assert.rejects(AutoConfig.fromPretrained(wrongType), (e: Error) => e.message.includes(join(wrongType, 'config.json')) && /'hidden_size' must be a number, got "768"/.test(e.message));
    await assert.rejects(AutoConfig.fromPretrained(writeConfig({ model_type: 't5' })), /model_type 't5' is not supported/);
    await assert.rejects(AutoConfig.fromPretrained(writeConfig([1, 2])), /must hold a JSON object, got an array/);
    assert.throws(() => new BertConfig({ hiddenSise: 3 }), /unknown option 'hiddenSise'/);
  });

  it('a model refuses a config it cannot be built from, naming the file', async () => {
    const { BertModel } = await import('../../src/models/index.js');
    const dir = writeConfig({ model_type: 'bert', hidden_size: 30, num_attention_heads: 4 });
    const config = await AutoConfig.fromPretrained(dir);
    assert.throws(() => BertModel.fromConfig(config), (e: Error) => e.message.includes(join(dir, 'config.json')) && /hidden size \(30\) is not a multiple of the number of attention heads \(4\)/.test(e.message));
    const bad = await AutoConfig.fromPretrained(writeConfig({ model_type: 'bert', hidden_act: 'gelu_fancy' }));
    assert.throws(() => BertModel.fromConfig(bad), /'hidden_act' "gelu_fancy" is not a known activation/);
  });
});
