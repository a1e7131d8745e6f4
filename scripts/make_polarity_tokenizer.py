#!/usr/bin/env python
# data/tokenizers/polarity-wordpiece-2k: a lowercase BERT WordPiece tokenizer (vocab 2,000)
# trained on the 4,000 train sentences of data/sentence-polarity only (never the test split),
# so that examples/mlm_pretrain_then_finetune.ts can pretrain a small BERT whose embedding and
# MLM decoder are not dominated by bert-base-uncased's 30,522 rows. Made once with the peers':
#   .venv-peers/bin/python scripts/make_polarity_tokenizer.py
import json, os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures'))
from polarity_wordpiece import polarity_wordpiece  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tok = polarity_wordpiece(2000, 128)
out = os.path.join(ROOT, 'data', 'tokenizers', 'polarity-wordpiece-2k')
tok.save_pretrained(out)
print('wrote', out, len(tok))
