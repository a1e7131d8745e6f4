// Debian's libtorch-dev 1.13 ships c10d's reducer.hpp but not the distributed-autograd
// header it includes for two type names: the Reducer only holds a shared_ptr to this
// context and checks its callback type. This stand-in declares just those; it is found only
// when the real header is missing (native/shim comes last on the include path), and nothing
// here defines or calls distributed autograd.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
