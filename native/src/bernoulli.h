// Tensor.bernoulli_(p) and dropout with ATen's numbers from a faster kernel (bernoulli.cc).
#pragma once

#include <ATen/ATen.h>

namespace ft {

// self.bernoulli_(p) from the default CPU generator: the same values and the same generator
// state afterwards as ATen's kernel; ATen's own kernel where the fast one does not apply.
at::Tensor& fastBernoulli_(at::Tensor& self, double p);

// at::dropout with its noise drawn by fastBernoulli_; with drawnSize >= 0, the leading slice of
// the dropout of a tensor drawnSize long along dim (bernoulli.cc).
at::Tensor fastDropout(const at::Tensor& input, double p, bool train, int64_t dim = 0, int64_t drawnSize = -1);

// Whether the fast kernel reproduced ATen's on this libtorch (checked once per process).
bool bernoulliReproducesAten();

}  // namespace ft
