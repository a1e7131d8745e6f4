"""What the MRPC peers share: the repository root, GLUE's MRPC TSV as the glue loader reads it,
and the bert-base-uncased tokenizer from ../shared."""
import csv
import os

import datasets
from transformers import BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GLUE_MRPC = os.path.join(ROOT, '..', 'shared', 'datasets', 'glue', 'MRPC')


def read_mrpc(path):
    """GLUE's MRPC TSV (BOM, quoting off), as the glue loader reads it."""
    with open(path, encoding='utf-8-sig') as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))[1:]
    return datasets.Dataset.from_dict({'sentence1': [r[3] for r in rows], 'sentence2': [r[4] for r in rows],
                                       'label': [int(r[0]) for r in rows]})


def bert_tokenizer():
    return BertTokenizerFast(tokenizer_file=os.path.join(ROOT, '..', 'shared', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'))
