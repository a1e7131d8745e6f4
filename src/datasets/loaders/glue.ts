// GLUE from its TSV distribution (dataDir), giving Hugging Face's `glue` dataset: the same
// column names, split names, ClassLabel names, `idx` numbering and -1 labels on test splits.
// Files are read with quoting off (csv.QUOTE_NONE), as Hugging Face's script does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildColumn, type Column } from '../columns.js';
import { ClassLabel, Value, type Feature, type Features } from '../features.js';
import { DataFileError } from '../io/errors.js';
import { readTextFile } from '../io/text.js';
import { parseDelimited } from './delimited.js';
import { castStrings, type SplitData } from './table.js';

interface GlueConfig {
  dir: string;
  /** Output text column → TSV column. */
  text: Record<string, string>;
  labelColumn: string | null;
  labels: string[] | null;
  files: Record<string, string>;
  /** Column names for files without a header row (CoLA train/dev). */
  headerless?: Record<string, string[]>;
}

const SPLITS = { train: 'train.tsv', validation: 'dev.tsv', test: 'test.tsv' };
const NLI = ['entailment', 'neutral', 'contradiction'];
const COLA_COLUMNS = ['source', 'label', 'original_label', 'sentence'];

export const GLUE_CONFIGS: Record<string, GlueConfig> = {
  cola: { dir: 'CoLA', text: { sentence: 'sentence' }, labelColumn: 'label', labels: ['unacceptable', 'acceptable'], files: SPLITS, headerless: { train: COLA_COLUMNS, validation: COLA_COLUMNS } },
  sst2: { dir: 'SST-2', text: { sentence: 'sentence' }, labelColumn: 'label', labels: ['negative', 'positive'], files: SPLITS },
  mrpc: { dir: 'MRPC', text: { sentence1: '#1 String', sentence2: '#2 String' }, labelColumn: 'Quality', labels: ['not_equivalent', 'equivalent'], files: SPLITS },
  qqp: { dir: 'QQP', text: { question1: 'question1', question2: 'question2' }, labelColumn: 'is_duplicate', labels: ['not_duplicate', 'duplicate'], files: SPLITS },
  stsb: { dir: 'STS-B', text: { sentence1: 'sentence1', sentence2: 'sentence2' }, labelColumn: 'score', labels: null, files: SPLITS },
  mnli: {
    dir: 'MNLI', text: { premise: 'sentence1', hypothesis: 'sentence2' }, labelColumn: 'gold_label', labels: NLI,
    files: { train: 'train.tsv', validation_matched: 'dev_matched.tsv', validation_mismatched: 'dev_mismatched.tsv', test_matched: 'test_matched.tsv', test_mismatched: 'test_mismatched.tsv' },
  },
  mnli_matched: { dir: 'MNLI', text: { premise: 'sentence1', hypothesis: 'sentence2' }, labelColumn: 'gold_label', labels: NLI, files: { validation: 'dev_matched.tsv', test: 'test_matched.tsv' } },
  mnli_mismatched: { dir: 'MNLI', text: { premise: 'sentence1', hypothesis: 'sentence2' }, labelColumn: 'gold_label', labels: NLI, files: { validation: 'dev_mismatched.tsv', test: 'test_mismatched.tsv' } },
  qnli: { dir: 'QNLI', text: { question: 'question', sentence: 'sentence' }, labelColumn: 'label', labels: ['entailment', 'not_entailment'], files: SPLITS },
  rte: { dir: 'RTE', text: { sentence1: 'sentence1', sentence2: 'sentence2' }, labelColumn: 'label', labels: ['entailment', 'not_entailment'], files: SPLITS },
  wnli: { dir: 'WNLI', text: { sentence1: 'sentence1', sentence2: 'sentence2' }, labelColumn: 'label', labels: ['not_entailment', 'entailment'], files: SPLITS },
  ax: { dir: 'diagnostic', text: { premise: 'sentence1', hypothesis: 'sentence2' }, labelColumn: null, labels: NLI, files: { test: 'diagnostic.tsv' } },
};

export function glueFeatures(cfg: GlueConfig): Features {
  const f: Features = {};
  for (const name of Object.keys(cfg.text)) f[name] = new Value('string');
  f.label = cfg.labels ? new ClassLabel({ names: cfg.labels }) : new Value('float32');
  f.idx = new Value('int32');
  return f;
}

/** The task folder: dataDir itself, or dataDir/<Task> when given the GLUE root. */
export function glueDir(config: string, dataDir: string | undefined): string {
  const cfg = GLUE_CONFIGS[config];
  if (!dataDir) {
    throw new Error(`glue/${config}: pass dataDir, the folder with GLUE's ${cfg.dir} TSV files (${Object.values(cfg.files).join(', ')}); downloading is not available`);
  }
  const nested = join(dataDir, cfg.dir);
  return existsSync(nested) ? nested : dataDir;
}

export function loadGlueSplit(config: string, dir: string, split: string): SplitData {
  const cfg = GLUE_CONFIGS[config];
  const file = join(dir, cfg.files[split]);
  const { text, hash } = readTextFile(file);
  const headerless = cfg.headerless?.[split];
  const table = parseDelimited(text, file, { delimiter: '\t', quoting: false, header: !headerless, columnNames: headerless });
  const col = (name: string): string[] => {
    const i = table.columnNames.indexOf(name);
    if (i < 0) throw new DataFileError(file, 1, `missing column '${name}'; the header has [${table.columnNames.join(', ')}]`);
    return table.columns[i];
  };
  const n = table.lines.length;
  const features = glueFeatures(cfg);
  const columns = new Map<string, Column>();
  for (const [out, src] of Object.entries(cfg.text)) columns.set(out, buildColumn(col(src), features[out]));
  const isTest = split.startsWith('test') || cfg.labelColumn === null || !table.columnNames.includes(cfg.labelColumn);
  let labels: unknown[];
  if (isTest) labels = new Array(n).fill(-1);
  else {
    const raw = col(cfg.labelColumn as string);
    const feature: Feature = features.label;
    // Empty labels are errors here: GLUE rows always carry one.
    labels = castStrings(raw, feature, file, table.lines, cfg.labelColumn as string, false);
  }
  columns.set('label', buildColumn(labels, features.label, (r) => `${file}:${table.lines[r]}`));
  columns.set('idx', buildColumn(Array.from({ length: n }, (_, i) => i), features.idx));
  return { columns, features, numRows: n, hashes: [hash] };
}
