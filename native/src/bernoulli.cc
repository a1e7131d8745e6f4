// Tensor.bernoulli_(p) and dropout, drawing exactly what ATen's CPU kernel draws, faster.
//
// ATen fills a bernoulli_(p) tensor one element at a time: a 64-bit draw (two calls of the
// default generator's mt19937), turned into a double uniform in [0, 1), compared with p. That
// serial loop is the single most expensive kernel of a BERT training step (about a fifth of
// the step for BERT-tiny: every dropout layer draws a mask as large as its input). The numbers
// are fixed by the generator, so the only room is in how they are produced: here the
// Mersenne Twister's state is advanced 624 words at a time in vector registers, tempered in
// bulk, and the comparison is done on the integer the uniform is made from. The generator is
// left in the state ATen would leave it in, so every later draw, ours or ATen's, is unchanged.
//
// Whether this reproduces the linked libtorch is checked, not assumed: the first call compares
// both on private generators (lengths and offsets that cross the twister's block boundaries)
// and falls back to ATen's kernel for the rest of the process if they differ in any element.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>
#include <ATen/record_function.h>

#include <cmath>
#include <cstring>
#include <mutex>

#include "bernoulli.h"

namespace ft {
namespace {

constexpr int kStateWords = 624;  // MERSENNE_STATE_N
constexpr int kShift = 397;       // MERSENNE_STATE_M
constexpr uint32_t kMatrixA = 0x9908b0df, kUpper = 0x80000000, kLower = 0x7fffffff;

typedef uint32_t u32x8 __attribute__((vector_size(32)));

// the vectors live in registers only (inlined), so the ABI of passing them does not arise
#pragma GCC diagnostic ignored "-Wpsabi"

inline u32x8 load8(const uint32_t* p) {
  u32x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store8(uint32_t* p, u32x8 v) { std::memcpy(p, &v, sizeof v); }

template <typename T>
inline T twist(T u, T v) {
  return (((u & kUpper) | (v & kLower)) >> 1) ^ ((-(v & 1)) & kMatrixA);
}

// The next 624 words, as at::mt19937_engine::next_state computes them: s[k] from s[k],
// s[k + 1] and s[k + 397] (already replaced once k + 397 wraps), eight words at a time where
// none of the eight reads a word the same eight write.
__attribute__((target_clones("avx2", "default"))) void nextState(uint32_t* s) {
  int k = 0;
  for (; k + 8 <= kStateWords - kShift; k += 8) store8(s + k, load8(s + k + kShift) ^ twist(load8(s + k), load8(s + k + 1)));
  for (; k < kStateWords - kShift; ++k) s[k] = s[k + kShift] ^ twist(s[k], s[k + 1]);
  for (; k + 8 <= kStateWords - 1; k += 8) store8(s + k, load8(s + k + kShift - kStateWords) ^ twist(load8(s + k), load8(s + k + 1)));
  for (; k < kStateWords - 1; ++k) s[k] = s[k + kShift - kStateWords] ^ twist(s[k], s[k + 1]);
  s[kStateWords - 1] = s[kShift - 1] ^ twist(s[kStateWords - 1], s[0]);
}

template <typename T>
inline T temper(T y) {
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  return y ^ (y >> 18);
}

__attribute__((target_clones("avx2", "default"))) void temper(const uint32_t* in, uint32_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store8(out + i, temper(load8(in + i)));
  for (; i < n; ++i) out[i] = temper(in[i]);
}

// A copy of the engine's state that hands out its next outputs in bulk, as repeated calls of
// at::mt19937_engine::operator() would: `left_ - 1` words of the current block remain from
// `next_`; when none do, the state twists.
struct BulkTwister {
  at::mt19937_data_pod d;

  void take(uint32_t* out, int64_t count) {
    while (count > 0) {
      if (d.left_ <= 1) {
        nextState(d.state_.data());
        d.left_ = kStateWords + 1;
        d.next_ = 0;
      }
      const int64_t n = std::min<int64_t>(count, d.left_ - 1);
      temper(d.state_.data() + d.next_, out, n);
      d.next_ += n;
      d.left_ -= n;
      out += n;
      count -= n;
    }
  }
};

// ATen's element: u = (random64() & (2^53 - 1)) * 2^-53, random64() = first << 32 | second,
// and the draw is u < p. Both sides are exact, so it is the integer comparison x < ceil(p 2^53).
inline bool below(uint32_t first, uint32_t second, uint64_t threshold) {
  return ((static_cast<uint64_t>(first & 0x1fffff) << 32) | second) < threshold;
}

// Eight elements at a time: the first words of eight pairs and the second words side by side,
// the 64-bit comparison as two 32-bit ones, and `one`'s bit pattern selected by the mask.
__attribute__((target_clones("avx2", "default"))) void compare(const uint32_t* words, float* out, int64_t n, uint64_t threshold, float one) {
  typedef int32_t i32x8 __attribute__((vector_size(32)));
  const uint32_t high = threshold >> 32, low = threshold & 0xffffffff;
  uint32_t oneBits;
  std::memcpy(&oneBits, &one, sizeof one);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const u32x8 a = load8(words + 2 * i), b = load8(words + 2 * i + 8);
    const u32x8 first = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14) & 0x1fffff;
    const u32x8 second = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
    const i32x8 taken = (first < high) | ((first == high) & (second < low));
    store8(reinterpret_cast<uint32_t*>(out + i), reinterpret_cast<const u32x8&>(taken) & oneBits);
  }
  for (; i < n; ++i) out[i] = below(words[2 * i], words[2 * i + 1], threshold) ? one : 0.0f;
}

void compare(const uint32_t* words, double* out, int64_t n, uint64_t threshold, double one) {
  for (int64_t i = 0; i < n; ++i) out[i] = below(words[2 * i], words[2 * i + 1], threshold) ? one : 0.0;
}

template <typename scalar_t>
void fill(BulkTwister& twister, scalar_t* out, int64_t n, double p, scalar_t one) {
  const uint64_t threshold = static_cast<uint64_t>(std::ceil(std::ldexp(p, 53)));
  constexpr int64_t kChunk = 4096;
  uint32_t words[2 * kChunk];
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t len = std::min(kChunk, n - begin);
    twister.take(words, 2 * len);
    compare(words, out + begin, len, threshold, one);
  }
}

bool fastPathApplies(const at::Tensor& self) {
  return self.device().is_cpu() && self.layout() == at::kStrided && self.is_contiguous() && !self.requires_grad() &&
         (self.scalar_type() == at::kFloat || self.scalar_type() == at::kDouble) && self.numel() > 0;
}

// Draws self.bernoulli_(p) and writes `one` where a draw is 1 (0 elsewhere).
void fillBernoulli(at::Tensor& self, double p, at::CPUGeneratorImpl* generator, double one = 1.0) {
  RECORD_FUNCTION("finetune::bernoulli_", std::vector<c10::IValue>({self}));
  std::lock_guard<std::mutex> lock(generator->mutex_);
  at::mt19937 engine = generator->engine();
  BulkTwister twister{engine.data()};
  if (self.scalar_type() == at::kFloat) fill(twister, self.data_ptr<float>(), self.numel(), p, static_cast<float>(one));
  else fill(twister, self.data_ptr<double>(), self.numel(), p, one);
  engine.set_data(twister.d);
  generator->set_engine(engine);
  self.unsafeGetTensorImpl()->bump_version();
}

// Runs ATen's kernel and ours from equal private generators and compares every element and the
// generators' next draw; lengths of 1, 623, 5000 after offsets of 0, 1 and 601 draws cover a
// twist inside a pair, at a block's end and several twists in one call.
bool reproducesAten() {
  for (int64_t offset : {0, 1, 601}) {
    for (int64_t n : {1, 623, 5000}) {
      for (double p : {0.9, 0.5, 1.0 / 3}) {
        at::Generator theirs = at::make_generator<at::CPUGeneratorImpl>(1234 + n);
        at::Generator ours = at::make_generator<at::CPUGeneratorImpl>(1234 + n);
        for (int64_t i = 0; i < offset; ++i) {
          theirs.get<at::CPUGeneratorImpl>()->random();
          ours.get<at::CPUGeneratorImpl>()->random();
        }
        at::Tensor expected = at::empty({n}, at::kFloat).bernoulli_(p, theirs);
        at::Tensor actual = at::empty({n}, at::kFloat);
        fillBernoulli(actual, p, ours.get<at::CPUGeneratorImpl>());
        if (!at::equal(expected, actual)) return false;
        if (theirs.get<at::CPUGeneratorImpl>()->random() != ours.get<at::CPUGeneratorImpl>()->random()) return false;
      }
    }
  }
  return true;
}

}  // namespace

bool bernoulliReproducesAten() {
  static const bool verified = reproducesAten();
  return verified;
}

at::Tensor& fastBernoulli_(at::Tensor& self, double p) {
  TORCH_CHECK(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", p);
  if (!fastPathApplies(self) || !bernoulliReproducesAten()) return self.bernoulli_(p);
  fillBernoulli(self, p, at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator()));
  return self;
}

// ATen's dropout on the CPU (at::native::_dropout<false>, the path every CPU tensor takes): the
// same noise tensor, the same division and product, so autograd records the same graph.
// drawnSize > input.size(dim) draws the noise for a tensor that large along dim and keeps its
// leading slice: input then gets the mask, and the generator the state, that dropout of the
// whole tensor followed by narrow(dim, 0, input.size(dim)) gives, without computing the rest.
at::Tensor fastDropout(const at::Tensor& input, double p, bool train, int64_t dim, int64_t drawnSize) {
  TORCH_CHECK(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got ", p);
  if (!input.device().is_cpu()) return at::dropout(input, p, train);
  if (p == 0 || !train || input.numel() == 0) return input;
  if (p == 1) return input * at::zeros({}, input.options());
  std::vector<int64_t> drawn = input.sizes().vec();
  if (drawnSize >= 0) {
    TORCH_CHECK(input.dim() > 0, "dropout: a drawn size needs a dimension to draw along");
    dim = at::maybe_wrap_dim(dim, input.dim());
    TORCH_CHECK(drawnSize >= drawn[dim], "dropout: the drawn size along dim ", dim, " (", drawnSize,
                ") is smaller than the input's (", drawn[dim], ")");
    drawn[dim] = drawnSize;
  }
  at::Tensor noise = drawnSize >= 0 ? at::empty(drawn, input.options()) : at::empty_like(input);
  if (fastPathApplies(noise) && bernoulliReproducesAten()) {
    // noise.bernoulli_(1 - p).div_(1 - p) in one pass: a kept element is 1 / (1 - p) in the
    // noise's dtype, the quotient div_ computes (0 / (1 - p) is 0)
    const double kept = noise.scalar_type() == at::kFloat ? 1.0f / static_cast<float>(1 - p) : 1.0 / (1 - p);
    fillBernoulli(noise, 1 - p, at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator()), kept);
  } else {
    noise.bernoulli_(1 - p).div_(1 - p);
  }
  if (drawnSize >= 0) noise = noise.narrow(dim, 0, input.size(dim));
  return input * noise;
}

}  // namespace ft
