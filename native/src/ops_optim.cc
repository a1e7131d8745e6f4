// Optimizer kernels. Each takes whole parameter lists so that a step is one native call;
// float32 CPU tensors take a fused single pass over memory, others the op-by-op path.
// The arithmetic follows torch/optim/adamw.py (_single_tensor_adamw, PyTorch 1.13).
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

#include "binding.h"

namespace ft {
namespace {

struct AdamHyper {
  double lr, beta1, beta2, eps, weightDecay;
  bool amsgrad, maximize, decoupled;
};

bool fusable(const std::vector<const at::Tensor*>& ts) {
  for (const at::Tensor* t : ts) {
    if (t->scalar_type() != at::kFloat || !t->device().is_cpu() || !t->is_contiguous()) return false;
  }
  return true;
}

// The float32 AdamW/Adam coefficients of one step, as adamChunk uses them.
struct AdamCoefficients {
  float sign, decay, wd, b1, c1, b2, c2, bc2sqrt, negStepSize, eps;
};
enum class WeightDecay { Decoupled, Coupled, None };

// One element of the fused update, in the order of _single_tensor_adamw's arithmetic.
template <WeightDecay mode, bool amsgrad>
__attribute__((always_inline)) inline void adamElement(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                        float* __restrict vmax, int64_t i, const AdamCoefficients& c) {
  float pi = p[i];
  float grad = g[i] * c.sign;
  if constexpr (mode == WeightDecay::Decoupled) pi *= c.decay;
  if constexpr (mode == WeightDecay::Coupled) grad += pi * c.wd;
  float mi = m[i] * c.b1 + grad * c.c1;
  float vi = v[i] * c.b2 + c.c2 * grad * grad;
  m[i] = mi;
  v[i] = vi;
  float second = vi;
  if constexpr (amsgrad) {
    second = std::max(vmax[i], vi);
    vmax[i] = second;
  }
  p[i] = pi + c.negStepSize * (mi / (std::sqrt(second) / c.bc2sqrt + c.eps));
}

// Elements [0, n) in blocks of 16, which GCC's -O2 vectorizer takes (a fixed count; a loop of
// unknown length it leaves scalar, 7x slower than PyTorch's fused AdamW), then the rest.
template <WeightDecay mode, bool amsgrad>
__attribute__((always_inline)) inline void adamRange(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                      float* __restrict vmax, int64_t n, const AdamCoefficients& k) {
  const AdamCoefficients c = k;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    float* blockMax = amsgrad ? vmax + i : nullptr;
    for (int j = 0; j < 16; j++) adamElement<mode, amsgrad>(p + i, g + i, m + i, v + i, blockMax, j, c);
  }
  for (; i < n; i++) adamElement<mode, amsgrad>(p, g, m, v, vmax, i, c);
}

template <bool amsgrad>
__attribute__((always_inline)) inline void adamRangeFor(WeightDecay mode, float* p, const float* g, float* m, float* v, float* vmax, int64_t n,
                         const AdamCoefficients& k) {
  switch (mode) {
    case WeightDecay::Decoupled: adamRange<WeightDecay::Decoupled, amsgrad>(p, g, m, v, vmax, n, k); break;
    case WeightDecay::Coupled: adamRange<WeightDecay::Coupled, amsgrad>(p, g, m, v, vmax, n, k); break;
    case WeightDecay::None: adamRange<WeightDecay::None, amsgrad>(p, g, m, v, vmax, n, k); break;
  }
}

// target_clones compiles the update for AVX-512, AVX2 and the baseline, and the loader picks
// one for the CPU (an ifunc); the helpers above are always_inline so that each clone gets its own
// copy (left out of line, all clones call one baseline copy and nothing vectorizes). sqrt and division round correctly at every width, and the addon
// builds with -ffp-contract=off (no fused multiply-add), so every clone performs the same
// correctly rounded operations in the same order; -fno-math-errno lets sqrt vectorize.
#if defined(__x86_64__) && defined(__ELF__)
#define FT_X86_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FT_X86_CLONES  // other CPUs and formats: the compiler's baseline vectors
#endif
FT_X86_CLONES
void adamChunk(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
               float* __restrict vmax, int64_t n, const AdamCoefficients& k, WeightDecay mode) {
  if (vmax) adamRangeFor<true>(mode, p, g, m, v, vmax, n, k);
  else adamRangeFor<false>(mode, p, g, m, v, nullptr, n, k);
}

void adamFused(at::Tensor& param, const at::Tensor& gradT, at::Tensor& expAvg, at::Tensor& expAvgSq, at::Tensor* maxSq,
               const AdamHyper& h, double step) {
  float* p = param.data_ptr<float>();
  const float* g = gradT.data_ptr<float>();
  float* m = expAvg.data_ptr<float>();
  float* v = expAvgSq.data_ptr<float>();
  float* vmax = maxSq ? maxSq->data_ptr<float>() : nullptr;
  const AdamCoefficients k{
      h.maximize ? -1.0f : 1.0f,
      static_cast<float>(1.0 - h.lr * h.weightDecay),
      static_cast<float>(h.weightDecay),
      static_cast<float>(h.beta1), static_cast<float>(1.0 - h.beta1),
      static_cast<float>(h.beta2), static_cast<float>(1.0 - h.beta2),
      static_cast<float>(std::sqrt(1.0 - std::pow(h.beta2, step))),
      static_cast<float>(-(h.lr / (1.0 - std::pow(h.beta1, step)))),
      static_cast<float>(h.eps)};
  const WeightDecay mode = h.decoupled ? WeightDecay::Decoupled : k.wd != 0.0f ? WeightDecay::Coupled : WeightDecay::None;
  at::parallel_for(0, param.numel(), 16384, [&](int64_t begin, int64_t end) {
    adamChunk(p + begin, g + begin, m + begin, v + begin, vmax ? vmax + begin : nullptr, end - begin, k, mode);
  });
  // written through raw pointers, so counted here as ATen's in-place ops count themselves:
  // autograd's saved-tensor checks and caches keyed on _version see the update
  for (at::Tensor* t : {&param, &expAvg, &expAvgSq}) t->unsafeGetTensorImpl()->bump_version();
  if (maxSq) maxSq->unsafeGetTensorImpl()->bump_version();
}

void adamOps(at::Tensor& param, at::Tensor grad, at::Tensor& expAvg, at::Tensor& expAvgSq, at::Tensor* maxSq,
             const AdamHyper& h, double step) {
  if (h.maximize) grad = -grad;
  if (h.decoupled) param.mul_(1 - h.lr * h.weightDecay);
  else if (h.weightDecay != 0) grad = grad.add(param, h.weightDecay);
  expAvg.mul_(h.beta1).add_(grad, 1 - h.beta1);
  expAvgSq.mul_(h.beta2).addcmul_(grad, grad, 1 - h.beta2);
  double stepSize = h.lr / (1 - std::pow(h.beta1, step));
  double bc2sqrt = std::sqrt(1 - std::pow(h.beta2, step));
  at::Tensor denom;
  if (maxSq) {
    at::maximum_out(*maxSq, *maxSq, expAvgSq);
    denom = (maxSq->sqrt() / bc2sqrt).add_(h.eps);
  } else {
    denom = (expAvgSq.sqrt() / bc2sqrt).add_(h.eps);
  }
  param.addcdiv_(expAvg, denom, -stepSize);
}

// (params, grads, expAvgs, expAvgSqs, maxExpAvgSqs|null, steps, lr, beta1, beta2, eps, weightDecay,
//  amsgrad, maximize, decoupled). steps[i] is parameter i's step count after this step.
Result adamStep(Args& a) {
  std::vector<at::Tensor> params = a.tensors(0), grads = a.tensors(1), expAvgs = a.tensors(2), expAvgSqs = a.tensors(3);
  std::vector<at::Tensor> maxSqs = a.has(4) ? a.tensors(4) : std::vector<at::Tensor>{};
  std::vector<int64_t> steps = a.ints(5);
  AdamHyper h{a.number(6), a.number(7), a.number(8), a.number(9), a.number(10),
              a.boolean(11, false), a.boolean(12, false), a.boolean(13, true)};
  size_t n = params.size();
  if (grads.size() != n || expAvgs.size() != n || expAvgSqs.size() != n || steps.size() != n ||
      (h.amsgrad && maxSqs.size() != n)) {
    throw ArgError("parameter, gradient, state and step lists differ in length");
  }
  at::NoGradGuard noGrad;
  for (size_t i = 0; i < n; i++) {
    at::Tensor* maxSq = h.amsgrad ? &maxSqs[i] : nullptr;
    if (!params[i].sizes().equals(grads[i].sizes())) {
      throw ArgError("parameter " + std::to_string(i) + " and its gradient differ in shape");
    }
    for (const at::Tensor* state : {&expAvgs[i], &expAvgSqs[i]}) {
      if (state->scalar_type() != params[i].scalar_type() || state->device() != params[i].device()) {
        throw ArgError("parameter " + std::to_string(i) + " is " + dtypeName(params[i].scalar_type()) + " on " +
                       params[i].device().str() + " but its optimizer state is " + dtypeName(state->scalar_type()) + " on " +
                       state->device().str() + "; convert the model before creating the optimizer, or reload its state");
      }
    }
    std::vector<const at::Tensor*> all{&params[i], &grads[i], &expAvgs[i], &expAvgSqs[i]};
    if (maxSq) all.push_back(maxSq);
    if (fusable(all)) adamFused(params[i], grads[i], expAvgs[i], expAvgSqs[i], maxSq, h, static_cast<double>(steps[i]));
    else adamOps(params[i], grads[i], expAvgs[i], expAvgSqs[i], maxSq, h, static_cast<double>(steps[i]));
  }
  return None{};
}

// (grads, maxNorm, normType, errorIfNonfinite) -> total norm; scales grads in place when above maxNorm.
// As torch.nn.utils.clip_grad_norm_: the norm of the per-tensor norms, and coef = max/(total+1e-6).
Result clipGradNorm(Args& a) {
  std::vector<at::Tensor> grads = a.tensors(0);
  double maxNorm = a.number(1);
  double normType = a.number(2, 2.0);
  at::NoGradGuard noGrad;
  if (grads.empty()) return at::zeros({});
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(std::isinf(normType) ? g.abs().max() : at::linalg_vector_norm(g, normType));
  at::Tensor stacked = at::stack(norms);
  at::Tensor total = std::isinf(normType) ? stacked.max() : at::linalg_vector_norm(stacked, normType);
  if (a.boolean(3, false) && !std::isfinite(total.item<double>())) {
    throw ArgError("the total norm of order " + std::to_string(normType) +
                   " for gradients is non-finite, so it cannot be clipped");
  }
  at::Tensor coef = at::clamp(maxNorm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef.to(g.device()));
  return total;
}

const OpTable table({
    {"adamStep", adamStep},
    {"clipGradNorm", clipGradNorm},
});

}  // namespace
}  // namespace ft
