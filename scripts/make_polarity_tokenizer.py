#!/usr/bin/env python
# data/tokenizers/polarity-wordpiece-2k: a lowercase BERT WordPiece tokenizer (vocab 2,000)
# trained on the 4,000 train sentences of data/sentence-polarity only (never the test split),
# so that examples/mlm_pretrain_then_finetune.ts can pretrain a small BERT whose embedding and
# MLM decoder are not dominated by bert-base-uncased's 30,522 rows. Made once with the peers':
#   .venv-peers/bin/python scripts/make_polarity_tokenizer.py
import json, os
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers, decoders
from transformers import BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
texts = [json.loads(l)['sentence'] for l in open(os.path.join(ROOT, 'data', 'sentence-polarity', 'train.jsonl'))]
tk = Tokenizer(models.WordPiece(unk_token='[UNK]'))
tk.normalizer = normalizers.BertNormalizer(lowercase=True)
tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
tk.decoder = decoders.WordPiece()
tk.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=2000, special_tokens=['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']))
tk.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                  special_tokens=[('[CLS]', 2), ('[SEP]', 3)])
tok = BertTokenizerFast(tokenizer_object=tk, unk_token='[UNK]', sep_token='[SEP]', pad_token='[PAD]', cls_token='[CLS]', mask_token='[MASK]',
                        model_max_length=128)
out = os.path.join(ROOT, 'data', 'tokenizers', 'polarity-wordpiece-2k')
tok.save_pretrained(out)
print('wrote', out, len(tok))
