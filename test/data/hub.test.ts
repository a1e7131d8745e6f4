// The Hub seam: loadDataset and AutoTokenizer reach the Hub only through the HubClient
// interface. A stand-in client serving files from a temp folder checks the wiring (the real
// client belongs to the models issue).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AutoTokenizer, ClassLabel, Dataset, HubError, loadDataset, setHubClient, Value, type HubClient } from '../../src/data-index.js';
import { BERT_UNCASED, NEEDS_SHARED, tempDir } from './helpers.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

function folderClient(repos: Record<string, Record<string, string>>): HubClient & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    async listFiles(repoId) {
      if (!repos[repoId]) throw new HubError(`${repoId}: repository not found`, 'REPO_NOT_FOUND');
      return Object.keys(repos[repoId]);
    },
    async resolveFile(repoId, filename, options) {
      requests.push(`${options.repoType ?? 'model'}:${repoId}/${filename}`);
      const path = repos[repoId]?.[filename];
      if (!path) throw new HubError(`${repoId}: no file ${filename}`, 'ENTRY_NOT_FOUND');
      return path;
    },
  };
}

describe('Hub seam', () => {
  after(() => setHubClient(null));

  test('a Hub dataset id reads its Parquet files by split', async () => {
    const dir = tempDir();
    const features = { text: new Value('string'), label: new ClassLabel({ names: ['neg', 'pos'] }) };
    const files: Record<string, string> = { 'README.md': join(dir, 'README.md') };
    for (const [split, rows] of [['train', [['good', 1], ['bad', 0], ['fine', 1]]], ['test', [['meh', 0]]]] as const) {
      const path = join(dir, 'data', `${split}-00000-of-00001.parquet`);
      mkdirSync(dirname(path), { recursive: true });
      Dataset.fromDict({ text: rows.map((r) => r[0]), label: rows.map((r) => r[1]) }, { features }).toParquet(path);
      files[`data/${split}-00000-of-00001.parquet`] = path;
    }
    const client = folderClient({ 'someone/reviews': files });
    setHubClient(client);
    const ds = await loadDataset('someone/reviews');
    assert.deepEqual(ds.numRows, { train: 3, test: 1 });
    assert.deepEqual(ds.train.features.label.names, ['neg', 'pos']);
    assert.deepEqual(ds.test[0], { text: 'meh', label: 0 });
    assert.ok(client.requests.every((r) => r.startsWith('dataset:someone/reviews/data/')));
    await assert.rejects(loadDataset('someone/missing'), /repository not found/);
  });

  test('a Hub model id loads its tokenizer; optional files may be missing', { skip: NEEDS_SHARED }, async () => {
    setHubClient(folderClient({ 'google-bert/bert-base-uncased': { 'tokenizer.json': join(BERT_UNCASED, 'tokenizer.json') } }));
    const tok = await AutoTokenizer.fromPretrained('google-bert/bert-base-uncased');
    assert.deepEqual((await tok('hello world')).inputIds, [101, 7592, 2088, 102]);
    assert.equal(tok.modelMaxLength, 512, 'known defaults apply to the Hub name');
    await assert.rejects(AutoTokenizer.fromPretrained('google-bert/nothing-here'), /repository not found|neither tokenizer\.json nor vocab\.txt/);
  });
});
