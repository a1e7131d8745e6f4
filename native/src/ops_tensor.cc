// Tensor creation, conversion to and from JavaScript, metadata, autograd and global state.
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/version.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>
#include <atomic>
#include <thread>

#include "binding.h"

namespace ft {
namespace {

// *Like factories: dtype and device at `first` and `first + 1`, the device defaulting to argument 0's.
at::TensorOptions likeOptions(const Args& a, size_t first = 1) {
  return a.options(first, first + 1).device(a.has(first + 1) ? a.device(first + 1) : a.tensor(0).device());
}

// Factories share one argument layout after their own: dtype, device, requiresGrad.
at::Tensor finish(at::Tensor t, const Args& a, size_t requiresGradIndex) {
  if (a.boolean(requiresGradIndex, false)) t.set_requires_grad(true);
  return t;
}

template <typename T>
Napi::Value typedArray(Napi::Env env, Napi::ArrayBuffer buffer, size_t length, napi_typedarray_type type) {
  return Napi::TypedArrayOf<T>::New(env, length, buffer, 0, type);
}

// The memory of a contiguous CPU tensor as an ArrayBuffer (no copy). The ArrayBuffer holds
// its own reference, so the memory outlives dispose() of the handle.
Napi::ArrayBuffer externalBuffer(Napi::Env env, const at::Tensor& t) {
  if (t.nbytes() == 0) return Napi::ArrayBuffer::New(env, 0);
  auto* keep = new at::Tensor(t);
  return Napi::ArrayBuffer::New(env, t.data_ptr(), t.nbytes(), [](Napi::Env, void*, at::Tensor* h) { delete h; }, keep);
}

// A TypedArray over the tensor's memory (zero-copy for contiguous CPU tensors).
Napi::Value dataView(Args& a) {
  Napi::Env env = a.env();
  at::Tensor t = a.tensor(0).detach();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  t = t.to(at::kCPU).contiguous();
  size_t n = static_cast<size_t>(t.numel());
  Napi::ArrayBuffer buffer = externalBuffer(env, t);
  switch (t.scalar_type()) {
    case at::kFloat: return typedArray<float>(env, buffer, n, napi_float32_array);
    case at::kDouble: return typedArray<double>(env, buffer, n, napi_float64_array);
    case at::kLong: return typedArray<int64_t>(env, buffer, n, napi_bigint64_array);
    case at::kInt: return typedArray<int32_t>(env, buffer, n, napi_int32_array);
    case at::kShort: return typedArray<int16_t>(env, buffer, n, napi_int16_array);
    case at::kChar: return typedArray<int8_t>(env, buffer, n, napi_int8_array);
    case at::kByte:
    case at::kBool: return typedArray<uint8_t>(env, buffer, n, napi_uint8_array);
    default: throw ArgError(std::string("data(): unsupported dtype ") + dtypeName(t.scalar_type()));
  }
}

// The tensor's bytes as a Uint8Array (zero-copy for contiguous CPU tensors), any dtype.
Napi::Value rawBytes(Args& a) {
  Napi::Env env = a.env();
  at::Tensor t = a.tensor(0).detach().to(at::kCPU).contiguous();
  return Napi::Uint8Array::New(env, t.nbytes(), externalBuffer(env, t), 0);
}

// Arguments (buffer, shape, dtype): a TypedArray (Buffer included) or ArrayBuffer whose
// bytes must be exactly what the shape and dtype describe.
struct BufferArg {
  uint8_t* data;
  size_t bytes;
  std::vector<int64_t> shape;
  at::ScalarType type;
};

BufferArg bufferArg(const Args& a) {
  Napi::Value v = a.raw(0);
  BufferArg b{nullptr, 0, {}, at::kFloat};
  if (v.IsTypedArray()) {
    auto arr = v.As<Napi::TypedArray>();
    b.data = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    b.bytes = arr.ByteLength();
  } else if (v.IsArrayBuffer()) {
    auto arr = v.As<Napi::ArrayBuffer>();
    b.data = static_cast<uint8_t*>(arr.Data());
    b.bytes = arr.ByteLength();
  } else {
    throw ArgError("argument 0: expected a TypedArray, Buffer or ArrayBuffer");
  }
  b.shape = a.ints(1);
  b.type = a.dtype(2);
  size_t need = c10::elementSize(b.type);
  for (int64_t d : b.shape) {
    if (d < 0) throw ArgError("argument 1: negative dimension " + std::to_string(d));
    need *= static_cast<size_t>(d);
  }
  if (need != b.bytes) {
    throw ArgError("buffer holds " + std::to_string(b.bytes) + " bytes but shape and dtype " + dtypeName(b.type) +
                   " need " + std::to_string(need));
  }
  return b;
}

at::Tensor copyOf(const BufferArg& b) {
  at::Tensor t = at::empty(b.shape, at::TensorOptions().dtype(b.type));
  if (b.bytes > 0) std::memcpy(t.data_ptr(), b.data, b.bytes);
  return t;
}

// Copies a TypedArray, Buffer or ArrayBuffer into a new tensor of the given shape and dtype.
at::Tensor fromBuffer(Args& a) {
  at::Tensor t = copyOf(bufferArg(a));
  at::Device device = a.device(3);
  if (!device.is_cpu()) t = t.to(device);
  return finish(t, a, 4);
}

// Zero-copy: the tensor views the JavaScript buffer's memory and holds a strong napi_ref to
// its ArrayBuffer, so the memory lives as long as the tensor (stable Node-API: no access to
// V8 backing stores). JavaScript marks the buffer untransferable (factories.ts), so
// postMessage/structuredClone clone it instead of detaching it from under the tensor.
// The libtorch deleter may run on another thread (an autograd worker freeing the storage)
// or after the environment is gone; only the JavaScript thread may delete a reference, so
// those releases are queued and drained before the next op (dispatch). On the owning
// thread (dispose(), a scope's end, a deferred GC finalizer) the reference is dropped at once.
struct BufferHold {
  napi_env env;
  napi_ref ref;
  std::thread::id thread;
};
std::mutex pendingMutex;
std::vector<BufferHold*> pendingReleases;
std::atomic<bool> releasesPending{false};
// Environments still alive (cleanup hooks remove them at teardown, e.g. a worker exiting).
std::mutex envMutex;
std::vector<napi_env> liveEnvs;

bool envAlive(napi_env env) {
  std::lock_guard<std::mutex> lock(envMutex);
  for (napi_env e : liveEnvs) if (e == env) return true;
  return false;
}

void forgetEnv(void* arg) {
  napi_env env = static_cast<napi_env>(arg);
  {
    std::lock_guard<std::mutex> lock(envMutex);
    for (size_t k = 0; k < liveEnvs.size(); k++) if (liveEnvs[k] == env) { liveEnvs.erase(liveEnvs.begin() + k); break; }
  }
  drainPendingReleases();
}

void trackEnv(napi_env env) {
  {
    std::lock_guard<std::mutex> lock(envMutex);
    for (napi_env e : liveEnvs) if (e == env) return;
    liveEnvs.push_back(env);
  }
  napi_add_env_cleanup_hook(env, forgetEnv, env);
}

void releaseHold(BufferHold* hold) {
  if (std::this_thread::get_id() == hold->thread && envAlive(hold->env)) {
    napi_delete_reference(hold->env, hold->ref);
    delete hold;
    return;
  }
  std::lock_guard<std::mutex> lock(pendingMutex);
  pendingReleases.push_back(hold);
  releasesPending = true;
}

// The ArrayBuffer behind a TypedArray (Buffer included) or the ArrayBuffer itself.
napi_value arrayBufferOf(napi_env env, napi_value value) {
  bool is = false;
  napi_value buffer = nullptr;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_get_typedarray_info(env, value, nullptr, nullptr, nullptr, &buffer, nullptr);
    return buffer;
  }
  if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) return value;
  throw ArgError("argument 0: expected a TypedArray, Buffer or ArrayBuffer");
}

}  // namespace

void drainPendingReleases() {
  if (!releasesPending.load(std::memory_order_relaxed)) return;
  std::vector<BufferHold*> ready, later;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    ready.swap(pendingReleases);
  }
  std::thread::id self = std::this_thread::get_id();
  for (BufferHold* hold : ready) {
    bool alive = envAlive(hold->env);
    if (alive && hold->thread != self) { later.push_back(hold); continue; }  // another worker's env
    if (alive) napi_delete_reference(hold->env, hold->ref);  // a dead env freed its references itself
    delete hold;
  }
  std::lock_guard<std::mutex> lock(pendingMutex);
  pendingReleases.insert(pendingReleases.end(), later.begin(), later.end());
  releasesPending = !pendingReleases.empty();
}

namespace {

at::Tensor fromBufferShared(Args& a) {
  BufferArg b = bufferArg(a);
  // Kernels assume element alignment; a misaligned view (a Buffer slice at an odd offset) is copied.
  if (b.bytes == 0 || reinterpret_cast<uintptr_t>(b.data) % c10::elementSize(b.type) != 0) return copyOf(b);
  napi_env env = a.env();
  trackEnv(env);
  auto* hold = new BufferHold{env, nullptr, std::this_thread::get_id()};
  if (napi_create_reference(env, arrayBufferOf(env, a.raw(0)), 1, &hold->ref) != napi_ok) {
    delete hold;
    throw std::runtime_error("could not keep a reference to the buffer");
  }
  return at::from_blob(b.data, b.shape, [hold](void*) { releaseHold(hold); }, at::TensorOptions().dtype(b.type));
}

Result item(Args& a) {
  at::Tensor& t = a.tensor(0);
  at::Scalar s = t.item();
  if (s.isBoolean()) return s.toBool();
  if (s.isIntegral(false)) return s.toLong();
  return s.toDouble();
}

Result backward(Args& a) {
  at::Tensor& t = a.tensor(0);
  std::vector<at::Tensor> grads;
  if (auto g = a.optTensor(1)) grads.push_back(*g);
  bool create = a.boolean(3, false);
  bool retain = a.has(2) ? a.boolean(2, false) : create;
  torch::autograd::backward({t}, grads, retain, create);
  return None{};
}

// torch.autograd.grad(outputs, inputs, gradOutputs?, retainGraph, createGraph, allowUnused)
Result autogradGrad(Args& a) {
  std::vector<at::Tensor> outputs = a.tensors(0), inputs = a.tensors(1);
  std::vector<at::Tensor> gradOutputs = a.has(2) ? a.tensors(2) : std::vector<at::Tensor>{};
  bool create = a.boolean(4, false);
  bool retain = a.has(3) ? a.boolean(3, false) : create;
  return torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, a.boolean(5, false));
}

Result gradFn(Args& a) {
  const auto& fn = a.tensor(0).grad_fn();
  if (!fn) return Napi::Value(a.env().Null());
  return fn->name();
}

Result setGrad(Args& a) {
  at::Tensor& t = a.tensor(0);
  if (a.has(1)) t.mutable_grad() = a.tensor(1);
  else t.mutable_grad().reset();
  return None{};
}

// The open torch.inference_mode() contexts, innermost last. JS cannot hold a C++ RAII guard
// across calls, so the guards live here; Node calls in from one thread only.
std::vector<std::unique_ptr<c10::InferenceMode>>& inferenceModeGuards() {
  static std::vector<std::unique_ptr<c10::InferenceMode>> guards;
  return guards;
}

// Autocast state per device type. libtorch 2.4 replaced the per-device functions with
// ones taking the device type; both spellings are kept here.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
void setAutocastEnabled(bool cuda, bool on) { at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on); }
at::ScalarType autocastDtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
void setAutocastDtype(bool cuda, at::ScalarType t) { at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, t); }
#else
bool autocastEnabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void setAutocastEnabled(bool cuda, bool on) { cuda ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on); }
at::ScalarType autocastDtype(bool cuda) { return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype(); }
void setAutocastDtype(bool cuda, at::ScalarType t) { cuda ? at::autocast::set_autocast_gpu_dtype(t) : at::autocast::set_autocast_cpu_dtype(t); }
#endif

bool cudaDeviceType(const Args& a, size_t i) {
  std::string d = a.str(i);
  if (d != "cpu" && d != "cuda") throw ArgError("argument " + std::to_string(i) + ": autocast device type must be 'cpu' or 'cuda'");
  return d == "cuda";
}

const OpTable table({
    // ---- creation: (shape, dtype?, device?, requiresGrad?)
    {"zeros", [](Args& a) -> Result { return finish(at::zeros(a.ints(0), a.options(1, 2)), a, 3); }},
    {"ones", [](Args& a) -> Result { return finish(at::ones(a.ints(0), a.options(1, 2)), a, 3); }},
    {"empty", [](Args& a) -> Result { return finish(at::empty(a.ints(0), a.options(1, 2)), a, 3); }},
    {"rand", [](Args& a) -> Result { return finish(at::rand(a.ints(0), a.options(1, 2)), a, 3); }},
    {"randn", [](Args& a) -> Result { return finish(at::randn(a.ints(0), a.options(1, 2)), a, 3); }},
    {"full", [](Args& a) -> Result { return finish(at::full(a.ints(0), a.scalar(1), a.options(2, 3)), a, 4); }},
    {"arange", [](Args& a) -> Result { return finish(at::arange(a.scalar(0), a.scalar(1), a.scalar(2), a.options(3, 4)), a, 5); }},
    {"linspace", [](Args& a) -> Result { return finish(at::linspace(a.scalar(0), a.scalar(1), a.int64(2), a.options(3, 4)), a, 5); }},
    {"eye", [](Args& a) -> Result { return finish(at::eye(a.int64(0), a.int64(1), a.options(2, 3)), a, 4); }},
    {"randint", [](Args& a) -> Result {
       at::TensorOptions o = a.options(3, 4);
       if (!a.has(3)) o = o.dtype(at::kLong);
       return finish(at::randint(a.int64(0), a.int64(1), a.ints(2), o), a, 5);
     }},
    {"randperm", [](Args& a) -> Result {
       at::TensorOptions o = a.options(1, 2);
       if (!a.has(1)) o = o.dtype(at::kLong);
       return finish(at::randperm(a.int64(0), o), a, 3);
     }},
    {"scalarTensor", [](Args& a) -> Result { return finish(at::scalar_tensor(a.scalar(0), a.options(1, 2)), a, 3); }},
    // ---- *Like: (tensor, dtype?, device?, requiresGrad?)
    {"zerosLike", [](Args& a) -> Result { return finish(at::zeros_like(a.tensor(0), likeOptions(a)), a, 3); }},
    {"onesLike", [](Args& a) -> Result { return finish(at::ones_like(a.tensor(0), likeOptions(a)), a, 3); }},
    {"emptyLike", [](Args& a) -> Result { return finish(at::empty_like(a.tensor(0), likeOptions(a)), a, 3); }},
    {"randLike", [](Args& a) -> Result { return finish(at::rand_like(a.tensor(0), likeOptions(a)), a, 3); }},
    {"randnLike", [](Args& a) -> Result { return finish(at::randn_like(a.tensor(0), likeOptions(a)), a, 3); }},
    {"fullLike", [](Args& a) -> Result { return finish(at::full_like(a.tensor(0), a.scalar(1), likeOptions(a, 2)), a, 4); }},
    // ---- JavaScript memory
    {"fromBuffer", [](Args& a) -> Result { return fromBuffer(a); }},
    {"fromBufferShared", [](Args& a) -> Result { return fromBufferShared(a); }},
    {"data", [](Args& a) -> Result { return dataView(a); }},
    {"rawBytes", [](Args& a) -> Result { return rawBytes(a); }},
    {"item", item},
    // ---- metadata
    {"shape", [](Args& a) -> Result { return a.tensor(0).sizes().vec(); }},
    {"stride", [](Args& a) -> Result { return a.tensor(0).strides().vec(); }},
    {"dtype", [](Args& a) -> Result { return std::string(dtypeName(a.tensor(0).scalar_type())); }},
    {"device", [](Args& a) -> Result { return a.tensor(0).device().str(); }},
    {"numel", [](Args& a) -> Result { return a.tensor(0).numel(); }},
    {"dim", [](Args& a) -> Result { return a.tensor(0).dim(); }},
    {"isContiguous", [](Args& a) -> Result { return a.tensor(0).is_contiguous(); }},
    // [tensor references, storage references]: for leak hunting in tests
    {"useCounts", [](Args& a) -> Result {
       const at::Tensor& t = a.tensor(0);
       return std::vector<int64_t>{static_cast<int64_t>(t.use_count()), static_cast<int64_t>(t.storage().use_count())};
     }},
    {"sameStorage", [](Args& a) -> Result { return a.tensor(0).is_alias_of(a.tensor(1)); }},
    // ---- conversion and copies
    {"toDtype", [](Args& a) -> Result { return a.tensor(0).to(a.dtype(1), false, a.boolean(2, false)); }},
    {"toDevice", [](Args& a) -> Result { return a.tensor(0).to(a.device(1), false, a.boolean(2, false)); }},
    {"contiguous", [](Args& a) -> Result { return a.tensor(0).contiguous(); }},
    {"clone", [](Args& a) -> Result { return a.tensor(0).clone(); }},
    {"detach", [](Args& a) -> Result { return a.tensor(0).detach(); }},
    {"detach_", [](Args& a) -> Result { a.tensor(0).detach_(); return None{}; }},
    {"copy_", [](Args& a) -> Result { a.tensor(0).copy_(a.tensor(1)); return None{}; }},
    {"setData", [](Args& a) -> Result { a.tensor(0).set_data(a.tensor(1)); return None{}; }},
    // ---- autograd
    {"requiresGrad", [](Args& a) -> Result { return a.tensor(0).requires_grad(); }},
    {"setRequiresGrad", [](Args& a) -> Result { a.tensor(0).set_requires_grad(a.boolean(1, true)); return None{}; }},
    {"isLeaf", [](Args& a) -> Result { return a.tensor(0).is_leaf(); }},
    {"gradFn", gradFn},
    {"grad", [](Args& a) -> Result { return a.tensor(0).grad(); }},
    {"setGrad", setGrad},
    {"retainGrad", [](Args& a) -> Result { a.tensor(0).retain_grad(); return None{}; }},
    {"backward", backward},
    {"autogradGrad", autogradGrad},
    {"isGradEnabled", [](Args&) -> Result { return at::GradMode::is_enabled(); }},
    {"setGradEnabled", [](Args& a) -> Result { at::GradMode::set_enabled(a.boolean(0, true)); return None{}; }},
    // ---- inference mode: JS opens and closes c10::InferenceMode guards, kept here in order
    {"isInferenceModeEnabled", [](Args&) -> Result { return c10::InferenceMode::is_enabled(); }},
    {"enterInferenceMode", [](Args& a) -> Result {
       inferenceModeGuards().push_back(std::make_unique<c10::InferenceMode>(a.boolean(0, true)));
       return None{};
     }},
    {"exitInferenceMode", [](Args&) -> Result {
       if (inferenceModeGuards().empty()) throw ArgError("exitInferenceMode: no inference mode is open");
       inferenceModeGuards().pop_back();  // the guard's destructor restores the state before it
       return None{};
     }},
    {"isInference", [](Args& a) -> Result { return a.tensor(0).is_inference(); }},
    // Tensor._version: how many in-place updates the tensor has seen (-1 for inference tensors,
    // which keep no count), for caches derived from a tensor's values
    {"tensorVersion", [](Args& a) -> Result {
       const at::Tensor& t = a.tensor(0);
       return static_cast<double>(t.is_inference() ? -1 : t._version());
     }},
    // ---- autocast: (deviceType) -> [enabled, dtype]; set: (deviceType, enabled, dtype)
    {"getAutocast", [](Args& a) -> Result {
       bool cuda = cudaDeviceType(a, 0);
       Napi::Array out = Napi::Array::New(a.env(), 2);
       out.Set(0u, Napi::Boolean::New(a.env(), autocastEnabled(cuda)));
       out.Set(1u, Napi::String::New(a.env(), dtypeName(autocastDtype(cuda))));
       return Napi::Value(out);
     }},
    {"setAutocast", [](Args& a) -> Result {
       bool cuda = cudaDeviceType(a, 0);
       setAutocastEnabled(cuda, a.boolean(1, true));
       if (a.has(2)) setAutocastDtype(cuda, a.dtype(2));
       return None{};
     }},
    // Nesting depth as torch.autocast keeps it; the cast cache is cleared when it returns to 0.
    {"autocastIncrementNesting", [](Args&) -> Result { return static_cast<int64_t>(at::autocast::increment_nesting()); }},
    {"autocastDecrementNesting", [](Args&) -> Result {
       int64_t depth = at::autocast::decrement_nesting();
       if (depth == 0) at::autocast::clear_cache();
       return depth;
     }},
    // ---- global state
    {"manualSeed", [](Args& a) -> Result { at::manual_seed(static_cast<uint64_t>(a.int64(0))); return None{}; }},
    {"initialSeed", [](Args&) -> Result { return static_cast<int64_t>(at::detail::getDefaultCPUGenerator().current_seed()); }},
    {"getRngState", [](Args&) -> Result {
       auto gen = at::detail::getDefaultCPUGenerator();
       std::lock_guard<std::mutex> lock(gen.mutex());
       return gen.get_state();
     }},
    {"setRngState", [](Args& a) -> Result {
       auto gen = at::detail::getDefaultCPUGenerator();
       std::lock_guard<std::mutex> lock(gen.mutex());
       gen.set_state(a.tensor(0));
       return None{};
     }},
    {"setNumThreads", [](Args& a) -> Result {
       int64_t n = a.int64(0);
       if (n < 1) throw ArgError("argument 0: the number of threads must be at least 1");
       at::set_num_threads(static_cast<int>(n));
       return None{};
     }},
    {"getNumThreads", [](Args&) -> Result { return static_cast<int64_t>(at::get_num_threads()); }},
    {"cudaIsAvailable", [](Args&) -> Result { return at::globalContext().hasCUDA(); }},
    {"cudaDeviceCount", [](Args&) -> Result { return static_cast<int64_t>(at::globalContext().hasCUDA() ? at::getNumGPUs() : 0); }},
    {"version", [](Args&) -> Result { return std::string(TORCH_VERSION); }},
});

}  // namespace
}  // namespace ft
