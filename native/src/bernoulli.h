// Tensor.bernoulli_(p) and dropout with ATen's numbers from a faster kernel (bernoulli.cc).
#pragma once

#include <ATen/ATen.h>

namespace ft {

// self.bernoulli_(p) from the default CPU generator: the same values and the same generator
// state afterwards as ATen's kernel; ATen's own kernel where the fast one does not apply.
at::Tensor& fastBernoulli_(at::Tensor& self, double p);

// at::dropout with its noise drawn by fastBernoulli_.
at::Tensor fastDropout(const at::Tensor& input, double p, bool train);

// Whether the fast kernel reproduced ATen's on this libtorch (checked once per process).
bool bernoulliReproducesAten();

}  // namespace ft
