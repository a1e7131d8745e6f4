// The native binding: every op is one entry in an OpTable, a captureless lambda from
// Args (checked JavaScript arguments) to a Result. One dispatcher turns each entry into
// a JavaScript function and every libtorch error into a JavaScript Error naming the op.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <initializer_list>
#include <c10/util/Optional.h>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace ft {

// Thrown by Args when a JavaScript argument has the wrong type; becomes a TypeError.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Wraps a tensor in the JavaScript Tensor class registered with setTensorClass. Each
// JavaScript tensor holds one reference; dispose() drops it (views, autograd graphs and
// other handles keep their own).
Napi::Value wrap(Napi::Env env, at::Tensor tensor);

// Releases the N-API references that frombuffer tensors freed away from the main thread,
// or during garbage collection, had to leave for later (ops_tensor.cc).
void drainPendingReleases();

class Args {
 public:
  Args(const Napi::CallbackInfo& info) : info_(info) {}
  Napi::Env env() const { return info_.Env(); }
  size_t size() const { return info_.Length(); }
  Napi::Value raw(size_t i) const { return info_[i]; }
  bool has(size_t i) const;  // present and neither undefined nor null
  bool isNumber(size_t i) const { return has(i) && (info_[i].IsNumber() || info_[i].IsBoolean()); }

  at::Tensor& tensor(size_t i) const;
  c10::optional<at::Tensor> optTensor(size_t i) const;
  // A Tensor, or a JavaScript number/boolean as a wrapped-number tensor, which type
  // promotion treats like a Python scalar (int64 + 2.5 -> float32, float16 * 2 -> float16).
  at::Tensor operand(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  std::vector<c10::optional<at::Tensor>> optTensors(size_t i) const;

  at::Scalar scalar(size_t i) const;
  at::Scalar scalar(size_t i, const at::Scalar& fallback) const;
  c10::optional<at::Scalar> optScalar(size_t i) const;
  double number(size_t i) const;
  double number(size_t i, double fallback) const;
  c10::optional<double> optNumber(size_t i) const;
  int64_t int64(size_t i) const;
  int64_t int64(size_t i, int64_t fallback) const;
  c10::optional<int64_t> optInt64(size_t i) const;
  bool boolean(size_t i, bool fallback) const;
  std::string str(size_t i) const;
  std::string str(size_t i, const std::string& fallback) const;
  // An integer or an array of integers (shapes, dims); NaN, fractions and non-numbers are rejected.
  std::vector<int64_t> ints(size_t i) const;
  c10::optional<std::vector<int64_t>> optInts(size_t i) const;
  at::ScalarType dtype(size_t i) const;
  c10::optional<at::ScalarType> optDtype(size_t i) const;
  at::Device device(size_t i) const;
  at::TensorOptions options(size_t dtypeIndex, size_t deviceIndex) const;

 private:
  [[noreturn]] void fail(size_t i, const char* expected) const;
  const Napi::CallbackInfo& info_;
};

struct None {};
using Result = std::variant<None, at::Tensor, std::vector<at::Tensor>, double, int64_t, bool,
                            std::string, std::vector<int64_t>, Napi::Value>;

struct OpDef {
  const char* name;
  Result (*fn)(Args&);
};

// Each ops_*.cc file holds one static OpTable; constructing it registers its entries.
std::vector<OpDef>& opRegistry();
struct OpTable {
  OpTable(std::initializer_list<OpDef> defs) {
    for (const auto& def : defs) opRegistry().push_back(def);
  }
};

at::ScalarType parseDtype(const std::string& name);
const char* dtypeName(at::ScalarType type);

}  // namespace ft
