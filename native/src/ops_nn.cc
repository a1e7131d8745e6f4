// Neural-network functions and losses, with PyTorch's argument meanings and defaults.
#include <cmath>

#include <torch/version.h>

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
// to [batch, heads, query, key]. Returns [context, probabilities].
std::vector<at::Tensor> attention(Args& a) {
  const at::Tensor &q = a.tensor(0), &k = a.tensor(1), &v = a.tensor(2);
  double scale = a.number(6, 1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
  if (auto mask = a.optTensor(3)) scores.add_(*mask);
  at::Tensor probs = at::softmax(scores, -1);
  double p = a.number(4, 0.0);
  if (p > 0 && a.boolean(5, false)) probs = at::dropout(probs, p, true);
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

const OpTable table({
    {"layerNorm", [](Args& a) -> Result { return at::layer_norm(a.tensor(0), a.ints(1), a.optTensor(2), a.optTensor(3), a.number(4, 1e-5)); }},
    {"embedding", [](Args& a) -> Result { return at::embedding(a.tensor(0), a.tensor(1), a.int64(2, -1)); }},
    {"dropout", [](Args& a) -> Result { return at::dropout(a.tensor(0), a.number(1, 0.5), a.boolean(2, true)); }},
    {"attention", [](Args& a) -> Result { return attention(a); }},
    {"attentionContext", [](Args& a) -> Result { return attentionContext(a); }},
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
    {"bernoulli_", [](Args& a) -> Result { a.tensor(0).bernoulli_(a.number(1, 0.5)); return None{}; }},
});

}  // namespace
}  // namespace ft
