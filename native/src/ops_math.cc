// Pointwise math, comparisons, reductions and matrix products. Second operands go through
// Args::operand, so a JavaScript number behaves as a Python scalar would.
#include <cstdlib>
#include <cstring>

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "binding.h"

namespace ft {
namespace {

// oneDNN's inner product instead of MKL's/OpenBLAS's GEMM for the products of few rows that
// inference makes (a sentence at a time, a token at a time): on an AMD EPYC with AVX-512 and
// torch 2.13, 30 rows 384→1536 took 174 µs against at::linear's 309, one row 2048→2048 246
// against 518; at 384→384 it was slower (103 against 82), hence the minimum weight size. On an
// AMD EPYC with AVX2 only it was slower at every size (30 rows 384→1536: 457 µs against 416;
// the pipeline's batch 1 fell from 84.6 to 78.1 sentences/s), so by default it runs only where
// the CPU has AVX-512. Inference only (no autograd graph to record). FINETUNE_ONEDNN_LINEAR=0
// turns it off, =1 on whatever the CPU; the switch is read at each call, as the others are.
constexpr int64_t kOneDnnMaxRows = 64;
constexpr int64_t kOneDnnMinWeight = int64_t{1} << 18;

bool cpuHasAvx512() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return has;
#else
  return false;
#endif
}

bool oneDnnLinearEnabled() {
  if (!at::hasMKLDNN()) return false;
  const char* flag = std::getenv("FINETUNE_ONEDNN_LINEAR");
  if (flag && std::strcmp(flag, "0") == 0) return false;
  if (flag && std::strcmp(flag, "1") == 0) return true;
  return cpuHasAvx512();
}

bool oneDnnLinearApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  if (at::GradMode::is_enabled() || x.dim() < 1 || w.dim() != 2) return false;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  if (at::autocast::is_autocast_enabled(at::kCPU)) return false;
#else
  if (at::autocast::is_cpu_enabled()) return false;
#endif
  for (const at::Tensor* t : {&x, &w}) {
    if (!t->device().is_cpu() || t->layout() != at::kStrided || t->scalar_type() != at::kFloat) return false;
  }
  if (b && (!b->device().is_cpu() || b->layout() != at::kStrided || b->scalar_type() != at::kFloat || b->dim() != 1)) return false;
  if (x.size(-1) != w.size(1) || x.size(-1) == 0 || w.size(0) == 0) return false;
  const int64_t rows = x.numel() / x.size(-1);
  // the switch last: the environment is read only for the products it could change
  return rows > 0 && rows <= kOneDnnMaxRows && w.numel() >= kOneDnnMinWeight && oneDnnLinearEnabled();
}

at::Tensor linearOp(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b) {
  if (!oneDnnLinearApplies(x, w, b)) return at::linear(x, w, b);
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = w.size(0);
  at::Tensor rows = x.reshape({-1, x.size(-1)}).contiguous().to_mkldnn();
  return at::mkldnn_linear(rows, w.contiguous(), b ? c10::optional<at::Tensor>(b->contiguous()) : c10::nullopt).to_dense().view(shape);
}

at::OptionalIntArrayRef dims(const c10::optional<std::vector<int64_t>>& d) {
  if (!d) return c10::nullopt;
  return at::IntArrayRef(*d);
}

// x.op() and the in-place x.op_().
#define UNARY(name, fn)                                                             \
  {#name, [](Args& a) -> Result { return at::fn(a.tensor(0)); }},                  \
  {#name "_", [](Args& a) -> Result { a.tensor(0).fn##_(); return None{}; }}

// x.op(y) and x.op_(y), y a tensor or a number.
#define BINARY(name, fn)                                                                 \
  {#name, [](Args& a) -> Result { return at::fn(a.tensor(0), a.operand(1)); }},         \
  {#name "_", [](Args& a) -> Result { a.tensor(0).fn##_(a.operand(1)); return None{}; }}

// Ops whose Python binding has a Scalar overload that a number selects (x.pow(3) is
// pow.Tensor_Scalar, x.gt(0) is gt.Scalar): the same kernels and grad_fn names as Python.
#define BINARY_SCALAR(name, fn)                                                                  \
  {#name, [](Args& a) -> Result {                                                                \
     return a.isNumber(1) ? at::fn(a.tensor(0), a.scalar(1)) : at::fn(a.tensor(0), a.tensor(1)); \
   }},                                                                                           \
  {#name "_", [](Args& a) -> Result {                                                            \
     if (a.isNumber(1)) a.tensor(0).fn##_(a.scalar(1));                                          \
     else a.tensor(0).fn##_(a.tensor(1));                                                        \
     return None{};                                                                              \
   }}

// libtorch 1.13's C++ masked_fill reads a non-bool mask's bytes as uint8 and gives wrong
// answers; Python rejects it, and so do we, with Python's message.
const at::Tensor& boolMask(const at::Tensor& mask) {
  TORCH_CHECK(mask.scalar_type() == at::kBool, "masked_fill_ only supports boolean masks, but got mask with dtype ", mask.scalar_type());
  return mask;
}

// A predicate: no in-place form.
#define TEST(name, fn) {#name, [](Args& a) -> Result { return at::fn(a.tensor(0)); }}

Result maxOrMin(Args& a, bool isMax) {
  at::Tensor& t = a.tensor(0);
  if (!a.has(1)) return isMax ? at::max(t) : at::min(t);
  auto [values, indices] = isMax ? at::max(t, a.int64(1), a.boolean(2, false)) : at::min(t, a.int64(1), a.boolean(2, false));
  return std::vector<at::Tensor>{values, indices};
}

const OpTable table({
    UNARY(neg, neg), UNARY(abs, abs), UNARY(exp, exp), UNARY(log, log), UNARY(log2, log2),
    UNARY(log1p, log1p), UNARY(expm1, expm1), UNARY(sqrt, sqrt), UNARY(rsqrt, rsqrt),
    UNARY(tanh, tanh), UNARY(sigmoid, sigmoid), UNARY(relu, relu), UNARY(erf, erf),
    UNARY(erfinv, erfinv), UNARY(sin, sin), UNARY(cos, cos), UNARY(floor, floor),
    UNARY(ceil, ceil), UNARY(round, round), UNARY(trunc, trunc), UNARY(sign, sign),
    UNARY(reciprocal, reciprocal), UNARY(square, square), UNARY(logicalNot, logical_not),
    {"silu", [](Args& a) -> Result { return at::silu(a.tensor(0)); }},
    TEST(isnan, isnan), TEST(isinf, isinf), TEST(isfinite, isfinite),

    BINARY(mul, mul),
    BINARY_SCALAR(pow, pow), BINARY_SCALAR(remainder, remainder), BINARY_SCALAR(fmod, fmod),
    {"maximum", [](Args& a) -> Result { return at::maximum(a.tensor(0), a.tensor(1)); }},
    {"minimum", [](Args& a) -> Result { return at::minimum(a.tensor(0), a.tensor(1)); }},
    BINARY_SCALAR(eq, eq), BINARY_SCALAR(ne, ne), BINARY_SCALAR(lt, lt),
    BINARY_SCALAR(le, le), BINARY_SCALAR(gt, gt), BINARY_SCALAR(ge, ge),
    BINARY(logicalAnd, logical_and), BINARY(logicalOr, logical_or), BINARY(logicalXor, logical_xor),

    // add/sub take alpha; div takes rounding_mode ('trunc' | 'floor'), as in PyTorch.
    {"add", [](Args& a) -> Result { return at::add(a.tensor(0), a.operand(1), a.scalar(2, 1)); }},
    {"add_", [](Args& a) -> Result { a.tensor(0).add_(a.operand(1), a.scalar(2, 1)); return None{}; }},
    {"sub", [](Args& a) -> Result { return at::sub(a.tensor(0), a.operand(1), a.scalar(2, 1)); }},
    {"sub_", [](Args& a) -> Result { a.tensor(0).sub_(a.operand(1), a.scalar(2, 1)); return None{}; }},
    {"div", [](Args& a) -> Result {
       if (!a.has(2)) return at::div(a.tensor(0), a.operand(1));
       return at::div(a.tensor(0), a.operand(1), a.str(2));
     }},
    {"div_", [](Args& a) -> Result {
       if (!a.has(2)) a.tensor(0).div_(a.operand(1));
       else a.tensor(0).div_(a.operand(1), a.str(2));
       return None{};
     }},
    {"rpow", [](Args& a) -> Result { return at::pow(a.scalar(1), a.tensor(0)); }},
    {"gelu", [](Args& a) -> Result { return at::gelu(a.tensor(0), a.str(1, "none")); }},
    {"clamp", [](Args& a) -> Result { return at::clamp(a.tensor(0), a.optScalar(1), a.optScalar(2)); }},
    {"clamp_", [](Args& a) -> Result { at::clamp_(a.tensor(0), a.optScalar(1), a.optScalar(2)); return None{}; }},
    {"softplus", [](Args& a) -> Result { return at::softplus(a.tensor(0), a.scalar(1, 1), a.scalar(2, 20)); }},
    {"leakyRelu", [](Args& a) -> Result { return at::leaky_relu(a.tensor(0), a.scalar(1, 0.01)); }},
    {"where", [](Args& a) -> Result { return at::where(a.tensor(0), a.operand(1), a.operand(2)); }},
    {"maskedFill", [](Args& a) -> Result {
       const at::Tensor& mask = boolMask(a.tensor(1));
       return a.isNumber(2) ? at::masked_fill(a.tensor(0), mask, a.scalar(2)) : at::masked_fill(a.tensor(0), mask, a.tensor(2));
     }},
    {"maskedFill_", [](Args& a) -> Result {
       const at::Tensor& mask = boolMask(a.tensor(1));
       if (a.isNumber(2)) a.tensor(0).masked_fill_(mask, a.scalar(2));
       else a.tensor(0).masked_fill_(mask, a.tensor(2));
       return None{};
     }},
    {"lerp", [](Args& a) -> Result {
       return a.isNumber(2) ? at::lerp(a.tensor(0), a.tensor(1), a.scalar(2)) : at::lerp(a.tensor(0), a.tensor(1), a.tensor(2));
     }},
    {"addcmul", [](Args& a) -> Result { return at::addcmul(a.tensor(0), a.tensor(1), a.tensor(2), a.scalar(3, 1)); }},
    {"addcdiv", [](Args& a) -> Result { return at::addcdiv(a.tensor(0), a.tensor(1), a.tensor(2), a.scalar(3, 1)); }},
    {"fill_", [](Args& a) -> Result { a.tensor(0).fill_(a.operand(1)); return None{}; }},
    {"zero_", [](Args& a) -> Result { a.tensor(0).zero_(); return None{}; }},

    // ---- reductions: (t, dims?, keepdim?, ...)
    {"sum", [](Args& a) -> Result {
       if (!a.has(1)) return at::sum(a.tensor(0), a.optDtype(3));  // sum() is SumBackward0, as in Python
       return at::sum(a.tensor(0), a.ints(1), a.boolean(2, false), a.optDtype(3));
     }},
    {"mean", [](Args& a) -> Result {
       at::Tensor& t = a.tensor(0);
       if (!a.has(1)) return at::mean(t, a.optDtype(3));
       return at::mean(t, a.ints(1), a.boolean(2, false), a.optDtype(3));
     }},
    {"prod", [](Args& a) -> Result {
       if (!a.has(1)) return at::prod(a.tensor(0), a.optDtype(3));
       return at::prod(a.tensor(0), a.int64(1), a.boolean(2, false), a.optDtype(3));
     }},
    {"max", [](Args& a) -> Result { return maxOrMin(a, true); }},
    {"min", [](Args& a) -> Result { return maxOrMin(a, false); }},
    {"amax", [](Args& a) -> Result { return at::amax(a.tensor(0), a.has(1) ? a.ints(1) : std::vector<int64_t>{}, a.boolean(2, false)); }},
    {"amin", [](Args& a) -> Result { return at::amin(a.tensor(0), a.has(1) ? a.ints(1) : std::vector<int64_t>{}, a.boolean(2, false)); }},
    {"argmax", [](Args& a) -> Result { return at::argmax(a.tensor(0), a.optInt64(1), a.boolean(2, false)); }},
    {"argmin", [](Args& a) -> Result { return at::argmin(a.tensor(0), a.optInt64(1), a.boolean(2, false)); }},
    // var/std: (t, dims?, correction=1, keepdim?)
    {"var", [](Args& a) -> Result { return at::var(a.tensor(0), dims(a.optInts(1)), a.int64(2, 1), a.boolean(3, false)); }},
    {"std", [](Args& a) -> Result { return at::std(a.tensor(0), dims(a.optInts(1)), a.int64(2, 1), a.boolean(3, false)); }},
    // norm: (t, p=2, dims?, keepdim?)
    {"norm", [](Args& a) -> Result { return at::linalg_vector_norm(a.tensor(0), a.scalar(1, 2), dims(a.optInts(2)), a.boolean(3, false)); }},
    {"logsumexp", [](Args& a) -> Result { return at::logsumexp(a.tensor(0), a.ints(1), a.boolean(2, false)); }},
    {"softmax", [](Args& a) -> Result { return at::softmax(a.tensor(0), a.int64(1), a.optDtype(2)); }},
    {"logSoftmax", [](Args& a) -> Result { return at::log_softmax(a.tensor(0), a.int64(1), a.optDtype(2)); }},
    {"cumsum", [](Args& a) -> Result { return at::cumsum(a.tensor(0), a.int64(1), a.optDtype(2)); }},
    {"all", [](Args& a) -> Result { return a.has(1) ? at::all(a.tensor(0), a.int64(1), a.boolean(2, false)) : at::all(a.tensor(0)); }},
    {"any", [](Args& a) -> Result { return a.has(1) ? at::any(a.tensor(0), a.int64(1), a.boolean(2, false)) : at::any(a.tensor(0)); }},
    {"sort", [](Args& a) -> Result {
       auto [values, indices] = at::sort(a.tensor(0), a.boolean(3, false), a.int64(1, -1), a.boolean(2, false));
       return std::vector<at::Tensor>{values, indices};
     }},
    {"topk", [](Args& a) -> Result {
       auto [values, indices] = at::topk(a.tensor(0), a.int64(1), a.int64(2, -1), a.boolean(3, true), a.boolean(4, true));
       return std::vector<at::Tensor>{values, indices};
     }},
    {"equal", [](Args& a) -> Result { return at::equal(a.tensor(0), a.tensor(1)); }},
    {"allclose", [](Args& a) -> Result { return at::allclose(a.tensor(0), a.tensor(1), a.number(2, 1e-5), a.number(3, 1e-8), a.boolean(4, false)); }},

    // ---- matrix products
    {"matmul", [](Args& a) -> Result { return at::matmul(a.tensor(0), a.tensor(1)); }},
    {"mm", [](Args& a) -> Result { return at::mm(a.tensor(0), a.tensor(1)); }},
    {"bmm", [](Args& a) -> Result { return at::bmm(a.tensor(0), a.tensor(1)); }},
    {"outer", [](Args& a) -> Result { return at::outer(a.tensor(0), a.tensor(1)); }},
    {"linear", [](Args& a) -> Result { return linearOp(a.tensor(0), a.tensor(1), a.optTensor(2)); }},
    {"oneDnnLinearEnabled", [](Args&) -> Result { return oneDnnLinearEnabled(); }},
    {"einsum", [](Args& a) -> Result { return at::einsum(a.str(0), a.tensors(1)); }},
});

}  // namespace
}  // namespace ft
