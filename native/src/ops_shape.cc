// Views, indexing and joining. Views share memory with their input, as in PyTorch.
#include "binding.h"

namespace ft {
namespace {

std::vector<at::Tensor> split(Args& a) {
  at::Tensor& t = a.tensor(0);
  int64_t dim = a.int64(2, 0);
  if (a.raw(1).IsArray()) return at::split_with_sizes(t, a.ints(1), dim);
  return at::split(t, a.int64(1), dim);
}

// x.index([i, null, j]): PyTorch's advanced indexing; null keeps a dimension whole.
c10::List<c10::optional<at::Tensor>> indices(Args& a, size_t i) {
  c10::List<c10::optional<at::Tensor>> list;
  for (auto& t : a.optTensors(i)) list.push_back(t ? c10::optional<at::Tensor>(*t) : c10::nullopt);
  return list;
}

const OpTable table({
    {"reshape", [](Args& a) -> Result { return at::reshape(a.tensor(0), a.ints(1)); }},
    {"view", [](Args& a) -> Result { return a.tensor(0).view(a.ints(1)); }},
    {"permute", [](Args& a) -> Result { return at::permute(a.tensor(0), a.ints(1)); }},
    {"transpose", [](Args& a) -> Result { return at::transpose(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"t", [](Args& a) -> Result { return at::t(a.tensor(0)); }},
    {"squeeze", [](Args& a) -> Result { return a.has(1) ? at::squeeze(a.tensor(0), a.int64(1)) : at::squeeze(a.tensor(0)); }},
    {"unsqueeze", [](Args& a) -> Result { return at::unsqueeze(a.tensor(0), a.int64(1)); }},
    {"expand", [](Args& a) -> Result { return a.tensor(0).expand(a.ints(1)); }},
    {"flatten", [](Args& a) -> Result { return at::flatten(a.tensor(0), a.int64(1, 0), a.int64(2, -1)); }},
    {"unflatten", [](Args& a) -> Result { return a.tensor(0).unflatten(a.int64(1), a.ints(2)); }},
    {"movedim", [](Args& a) -> Result { return at::movedim(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"narrow", [](Args& a) -> Result { return at::narrow(a.tensor(0), a.int64(1), a.int64(2), a.int64(3)); }},
    {"slice", [](Args& a) -> Result { return at::slice(a.tensor(0), a.int64(1, 0), a.optInt64(2), a.optInt64(3), a.int64(4, 1)); }},
    {"select", [](Args& a) -> Result { return at::select(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"indexSelect", [](Args& a) -> Result { return at::index_select(a.tensor(0), a.int64(1), a.tensor(2)); }},
    {"index", [](Args& a) -> Result { return at::index(a.tensor(0), indices(a, 1)); }},
    // x[i] = v: a number becomes a 0-dim tensor of x's dtype, as in Python.
    {"indexPut_", [](Args& a) -> Result {
       at::Tensor& self = a.tensor(0);
       at::Tensor values = a.isNumber(2) ? at::scalar_tensor(a.scalar(2), self.options()) : a.tensor(2);
       self.index_put_(indices(a, 1), values, a.boolean(3, false));
       return None{};
     }},
    {"gather", [](Args& a) -> Result { return at::gather(a.tensor(0), a.int64(1), a.tensor(2)); }},
    {"scatter", [](Args& a) -> Result {
       if (a.has(3) && a.raw(3).IsNumber()) return at::scatter(a.tensor(0), a.int64(1), a.tensor(2), a.scalar(3));
       return at::scatter(a.tensor(0), a.int64(1), a.tensor(2), a.tensor(3));
     }},
    {"scatter_", [](Args& a) -> Result {
       if (a.has(3) && a.raw(3).IsNumber()) a.tensor(0).scatter_(a.int64(1), a.tensor(2), a.scalar(3));
       else a.tensor(0).scatter_(a.int64(1), a.tensor(2), a.tensor(3));
       return None{};
     }},
    {"scatterAdd", [](Args& a) -> Result { return at::scatter_add(a.tensor(0), a.int64(1), a.tensor(2), a.tensor(3)); }},
    {"maskedSelect", [](Args& a) -> Result { return at::masked_select(a.tensor(0), a.tensor(1)); }},
    {"nonzero", [](Args& a) -> Result { return at::nonzero(a.tensor(0)); }},
    {"cat", [](Args& a) -> Result { return at::cat(a.tensors(0), a.int64(1, 0)); }},
    {"stack", [](Args& a) -> Result { return at::stack(a.tensors(0), a.int64(1, 0)); }},
    {"split", [](Args& a) -> Result { return split(a); }},
    {"chunk", [](Args& a) -> Result { return at::chunk(a.tensor(0), a.int64(1), a.int64(2, 0)); }},
    {"unbind", [](Args& a) -> Result { return at::unbind(a.tensor(0), a.int64(1, 0)); }},
    {"repeat", [](Args& a) -> Result { return a.tensor(0).repeat(a.ints(1)); }},
    {"flip", [](Args& a) -> Result { return at::flip(a.tensor(0), a.ints(1)); }},
    {"tril", [](Args& a) -> Result { return at::tril(a.tensor(0), a.int64(1, 0)); }},
    {"triu", [](Args& a) -> Result { return at::triu(a.tensor(0), a.int64(1, 0)); }},
});

}  // namespace
}  // namespace ft
