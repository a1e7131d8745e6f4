// Neural-network functions and losses, with PyTorch's argument meanings and defaults.
#include <cmath>

#include <torch/version.h>

#include "bernoulli.h"
#include "binding.h"

namespace ft {
namespace {

int64_t reduction(const Args& a, size_t i) {
  std::string r = a.str(i, "mean");
  if (r == "none") return at::Reduction::None;
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  throw ArgError("argument " + std::to_string(i) + ": reduction must be 'none', 'mean' or 'sum', got '" + r + "'");
}

// softmax(q kᵀ / √d + mask) v, the mask additive (0 keep, large negative drop) and broadcastable
// to [batch, heads, query, key]. Returns [context, probabilities]. Argument 7, the query rows
// the dropout mask is drawn for, lets q be the leading rows of a longer query: the
// probabilities then get the rows, and the generator the state, of the longer query's dropout.
std::vector<at::Tensor> attention(Args& a) {
  const at::Tensor &q = a.tensor(0), &k = a.tensor(1), &v = a.tensor(2);
  double scale = a.number(6, 1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
  if (auto mask = a.optTensor(3)) scores.add_(*mask);
  at::Tensor probs = at::softmax(scores, -1);
  double p = a.number(4, 0.0);
  if (p > 0 && a.boolean(5, false)) probs = fastDropout(probs, p, true, -2, a.int64(7, -1));
  return {at::matmul(probs, v), probs};
}

// The same context without the probabilities, for callers that do not return them: on 2.x
// scaled_dot_product_attention, whose CPU flash-attention kernel never materialises the
// [batch, heads, query, key] scores (it takes the math path when dropout is on); 1.13 has no
// public SDPA, so there it is the composite above.
at::Tensor attentionContext(Args& a) {
#if TORCH_VERSION_MAJOR >= 2
  const at::Tensor &q = a.tensor(0), &k = a.tensor(1), &v = a.tensor(2);
  double p = a.boolean(5, false) ? a.number(4, 0.0) : 0.0;
  std::optional<double> scale;
  if (a.has(6)) scale = a.number(6);
  return at::scaled_dot_product_attention(q, k, v, a.optTensor(3), p, false, scale);
#else
  return attention(a)[0];
#endif
}

// Nested tensors announce once per process that their API is a prototype; here they are an
// internal detail of one op, so the notice is dropped while that op builds its first one.
struct QuietWarnings : c10::WarningHandler {
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning&) override {}
#else
  void process(const c10::SourceLocation&, const std::string&, const bool) override {}
#endif
};

at::Tensor nestedFromPaddingMask(const at::Tensor& hidden, const at::Tensor& padding) {
  QuietWarnings quiet;
#if TORCH_VERSION_MAJOR >= 2
  c10::WarningUtils::WarningHandlerGuard guard(&quiet);
#else
  c10::Warning::WarningHandlerGuard guard(&quiet);
#endif
  return at::_nested_tensor_from_mask(hidden, padding.logical_not(), false);
}

// True when each row's tokens are a prefix (padding on the right, none empty): what
// _nested_tensor_from_mask can represent. paddingMask is [batch, seq], true at padding.
bool rightPaddedRows(const at::Tensor& paddingMask) {
  at::Tensor valid = paddingMask.logical_not();
  if (!valid.select(1, 0).all().item<bool>()) return false;
  return valid.size(1) < 2 || valid.narrow(1, 1, valid.size(1) - 1).le(valid.narrow(1, 0, valid.size(1) - 1)).all().item<bool>();
}

// (hidden [batch, seq, embed], paddingMask [batch, seq] bool (true: padding) | null, weights,
//  heads, eps, gelu, dropPadding) -> hidden after every layer. A stack of post-norm encoder
// layers (BERT's) through libtorch's fused inference kernel, _transformer_encoder_layer_fwd (what
// nn.TransformerEncoderLayer's fast path runs): one QKV product, native multi-head attention,
// fused bias/activation. weights holds 12 tensors per layer, in the order of BERT's modules:
// the query, key and value weights stacked [3E, E] and their biases [3E]; attention output
// weight, bias, its LayerNorm's weight, bias; intermediate weight, bias; output weight, bias,
// its LayerNorm's weight, bias.
// With dropPadding and right-padded rows the layers run on a nested tensor of the real tokens
// only and padding positions come back as zeros; otherwise they are computed as the eager
// layers compute them.
at::Tensor fusedEncoderLayers(Args& a) {
  const at::Tensor& hidden = a.tensor(0);
  c10::optional<at::Tensor> padding = a.optTensor(1);
  std::vector<at::Tensor> w = a.tensors(2);
  int64_t heads = a.int64(3);
  double eps = a.number(4);
  bool gelu = a.boolean(5, true);
  if (hidden.dim() != 3) throw ArgError("fusedEncoderLayers: hidden states must be [batch, seq, embed], got " + std::to_string(hidden.dim()) + " dimensions");
  if (w.empty() || w.size() % 12 != 0) throw ArgError("fusedEncoderLayers: expected 12 weight tensors per layer, got " + std::to_string(w.size()));
  if (padding && (padding->scalar_type() != at::kBool || padding->dim() != 2 || padding->size(0) != hidden.size(0) || padding->size(1) != hidden.size(1))) {
    throw ArgError("fusedEncoderLayers: the padding mask must be bool [batch, seq] matching the hidden states");
  }
  const int64_t embed = hidden.size(2);
  const bool nested = padding && a.boolean(6, false) && rightPaddedRows(*padding);
  at::Tensor x = nested ? nestedFromPaddingMask(hidden, *padding) : hidden;
  c10::optional<at::Tensor> mask = nested ? c10::nullopt : padding;
  c10::optional<int64_t> maskType = mask ? c10::optional<int64_t>(1) : c10::nullopt;  // 1: key padding [batch, seq]
  for (size_t i = 0; i < w.size(); i += 12) {
    const at::Tensor* l = &w[i];
    x = at::_transformer_encoder_layer_fwd(x, embed, heads, l[0], l[1], l[2], l[3], gelu, /*norm_first=*/false, eps,
                                           l[4], l[5], l[10], l[11], l[6], l[7], l[8], l[9], mask, maskType);
  }
  return nested ? x.to_padded_tensor(0.0, hidden.sizes()) : x;
}

const OpTable table({
    {"layerNorm", [](Args& a) -> Result { return at::layer_norm(a.tensor(0), a.ints(1), a.optTensor(2), a.optTensor(3), a.number(4, 1e-5)); }},
    {"embedding", [](Args& a) -> Result { return at::embedding(a.tensor(0), a.tensor(1), a.int64(2, -1)); }},
    // (input, p, train, dim?, drawnSize?): with drawnSize, input is the leading slice along dim of a
    // tensor drawnSize long, and gets that tensor's mask
    {"dropout", [](Args& a) -> Result {
       return fastDropout(a.tensor(0), a.number(1, 0.5), a.boolean(2, true), a.int64(3, 0), a.int64(4, -1));
     }},
    {"bernoulliReproducesAten", [](Args&) -> Result { return bernoulliReproducesAten(); }},
    {"attention", [](Args& a) -> Result { return attention(a); }},
    {"attentionContext", [](Args& a) -> Result { return attentionContext(a); }},
    {"fusedEncoderLayers", [](Args& a) -> Result { return fusedEncoderLayers(a); }},
    {"oneHot", [](Args& a) -> Result { return at::one_hot(a.tensor(0), a.int64(1, -1)); }},
    {"pad", [](Args& a) -> Result { return at::constant_pad_nd(a.tensor(0), a.ints(1), a.scalar(2, 0)); }},
    // (input, target, weight?, reduction, ignoreIndex, labelSmoothing); targets are class indices or probabilities
    {"crossEntropy", [](Args& a) -> Result {
       return at::cross_entropy_loss(a.tensor(0), a.tensor(1), a.optTensor(2), reduction(a, 3), a.int64(4, -100), a.number(5, 0.0));
     }},
    {"nllLoss", [](Args& a) -> Result { return at::nll_loss_nd(a.tensor(0), a.tensor(1), a.optTensor(2), reduction(a, 3), a.int64(4, -100)); }},
    // (input, target, weight?, posWeight?, reduction)
    {"binaryCrossEntropyWithLogits", [](Args& a) -> Result {
       return at::binary_cross_entropy_with_logits(a.tensor(0), a.tensor(1), a.optTensor(2), a.optTensor(3), reduction(a, 4));
     }},
    {"mseLoss", [](Args& a) -> Result { return at::mse_loss(a.tensor(0), a.tensor(1), reduction(a, 2)); }},
    {"l1Loss", [](Args& a) -> Result { return at::l1_loss(a.tensor(0), a.tensor(1), reduction(a, 2)); }},
    // in-place random fills used by nn.init; they draw from the same generator as PyTorch
    {"uniform_", [](Args& a) -> Result { a.tensor(0).uniform_(a.number(1, 0), a.number(2, 1)); return None{}; }},
    {"normal_", [](Args& a) -> Result { a.tensor(0).normal_(a.number(1, 0), a.number(2, 1)); return None{}; }},
    {"bernoulli_", [](Args& a) -> Result { fastBernoulli_(a.tensor(0), a.number(1, 0.5)); return None{}; }},
    // Tensor.random_(): integers over the dtype's range, as torch.utils.data's DataLoader draws
    // its base seed (torch.empty((), dtype=torch.int64).random_())
    {"random_", [](Args& a) -> Result { a.tensor(0).random_(); return None{}; }},
});

}  // namespace
}  // namespace ft
