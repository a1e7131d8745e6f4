# Hugging Face's BERT and RoBERTa (base models and sequence-classification heads) in plain
# PyTorch, transcribed from transformers' modeling_bert.py and modeling_roberta.py (v4.3x-4.4x,
# eager attention, encoder-only paths); DistilBERT is in hf_distilbert.py. `transformers` cannot
# be installed on these machines, so this file is the Python reference for finetune's parity
# fixtures (scripts/fixtures/make_bert_fixture.py) and the forward benchmark
# (bench/models_forward.ts). Module and parameter names are Hugging Face's, so state dicts are
# interchangeable with real checkpoints. Needs only Debian's python3-torch.
import math

import torch
from torch import nn

ACT2FN = {
    'gelu': nn.functional.gelu,
    'relu': nn.functional.relu,
    'silu': nn.functional.silu,
    'swish': nn.functional.silu,
    'tanh': torch.tanh,
    'gelu_new': lambda x: nn.functional.gelu(x, approximate='tanh'),
    'gelu_pytorch_tanh': lambda x: nn.functional.gelu(x, approximate='tanh'),
}


class Config:
    """A PretrainedConfig stand-in: attributes from keyword arguments over the BERT defaults."""

    def __init__(self, **kw):
        self.vocab_size = 30522
        self.hidden_size = 768
        self.num_hidden_layers = 12
        self.num_attention_heads = 12
        self.intermediate_size = 3072
        self.hidden_act = 'gelu'
        self.hidden_dropout_prob = 0.1
        self.attention_probs_dropout_prob = 0.1
        self.max_position_embeddings = 512
        self.type_vocab_size = 2
        self.initializer_range = 0.02
        self.layer_norm_eps = 1e-12
        self.pad_token_id = 0
        self.classifier_dropout = None
        self.num_labels = 2
        self.problem_type = None
        self.__dict__.update(kw)


# ---------------------------------------------------------------- initialisation
class PreTrainedMixin:
    """_init_weights as BertPreTrainedModel's; post_init as transformers >= 4.31 applies it:
    post-order over modules, skipping those an inner post_init already initialised."""

    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def _initialize_weights(self, module):
        if getattr(module, '_is_hf_initialized', False):
            return
        self._init_weights(module)
        module._is_hf_initialized = True

    def post_init(self):
        self.apply(self._initialize_weights)


def extended_attention_mask(attention_mask, dtype):
    """BertModel.get_extended_attention_mask: [B, T] of 1/0 → additive [B, 1, 1, T]."""
    mask = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - mask) * torch.finfo(dtype).min


def classification_loss(config, logits, labels):
    """The loss of BertForSequenceClassification.forward, problem_type inferred as there."""
    if config.problem_type is None:
        if config.num_labels == 1:
            config.problem_type = 'regression'
        elif config.num_labels > 1 and labels.dtype in (torch.long, torch.int):
            config.problem_type = 'single_label_classification'
        else:
            config.problem_type = 'multi_label_classification'
    if config.problem_type == 'regression':
        if config.num_labels == 1:
            return nn.MSELoss()(logits.squeeze(), labels.squeeze())
        return nn.MSELoss()(logits, labels)
    if config.problem_type == 'single_label_classification':
        return nn.CrossEntropyLoss()(logits.view(-1, config.num_labels), labels.view(-1))
    return nn.BCEWithLogitsLoss()(logits, labels)


# ---------------------------------------------------------------- BERT
class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.register_buffer('position_ids', torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False)
        self.register_buffer('token_type_ids', torch.zeros(self.position_ids.size(), dtype=torch.long), persistent=False)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        seq_length = input_ids.size(1)
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :seq_length].expand(input_ids.size(0), seq_length)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def transpose_for_scores(self, x):
        return x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask=None):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            scores = scores + attention_mask
        probs = self.dropout(nn.functional.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.all_head_size,)), probs


class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        context, probs = self.self(hidden_states, attention_mask)
        return self.output(context, hidden_states), probs


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        attention_output, probs = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output), probs


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None):
        all_hidden, all_attn = [hidden_states], []
        for layer in self.layer:
            hidden_states, probs = layer(hidden_states, attention_mask)
            all_hidden.append(hidden_states)
            all_attn.append(probs)
        return hidden_states, all_hidden, all_attn


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


class BertModel(PreTrainedMixin, nn.Module):
    embeddings_class = BertEmbeddings

    def __init__(self, config, add_pooling_layer=True):
        super().__init__()
        self.config = config
        self.embeddings = self.embeddings_class(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        embedding_output = self.embeddings(input_ids, token_type_ids)
        mask = extended_attention_mask(attention_mask, embedding_output.dtype)
        last, hidden_states, attentions = self.encoder(embedding_output, mask)
        pooled = self.pooler(last) if self.pooler is not None else None
        return {'last_hidden_state': last, 'pooler_output': pooled, 'hidden_states': hidden_states, 'attentions': attentions}


class BertForSequenceClassification(PreTrainedMixin, nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.config = config
        self.bert = BertModel(config)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        out = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(out['pooler_output']))
        loss = classification_loss(self.config, logits, labels) if labels is not None else None
        return {'loss': loss, 'logits': logits, **out}


# ---------------------------------------------------------------- RoBERTa
def create_position_ids_from_input_ids(input_ids, padding_idx):
    mask = input_ids.ne(padding_idx).int()
    return (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + padding_idx


class RobertaEmbeddings(BertEmbeddings):
    def __init__(self, config):
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        # as in transformers: the BERT table is replaced by one with a padding row
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size, padding_idx=self.padding_idx)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        return super().forward(input_ids, token_type_ids, create_position_ids_from_input_ids(input_ids, self.padding_idx))


class RobertaModel(BertModel):
    embeddings_class = RobertaEmbeddings


class RobertaClassificationHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, features):
        x = self.dropout(features[:, 0, :])
        x = self.dropout(torch.tanh(self.dense(x)))
        return self.out_proj(x)


class RobertaForSequenceClassification(PreTrainedMixin, nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.config = config
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(config)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        out = self.roberta(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(out['last_hidden_state'])
        loss = classification_loss(self.config, logits, labels) if labels is not None else None
        return {'loss': loss, 'logits': logits, **out}
