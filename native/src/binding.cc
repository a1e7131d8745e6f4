#include "binding.h"

#include <ATen/ScalarOps.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <unordered_map>

namespace ft {

namespace {

struct State {
  Napi::FunctionReference base;         // TensorBase, for instanceof checks
  Napi::FunctionReference tensorClass;  // the JavaScript Tensor class (extends TensorBase)
};

State& state(Napi::Env env) { return *env.GetInstanceData<State>(); }

// wrap() hands the tensor to the constructor through this slot, so that creating a
// handle costs one JavaScript construction and nothing else. Only wrap() fills it.
c10::optional<at::Tensor> pendingTensor;

// What a JavaScript tensor object wraps (reportedBytes: what V8 was told it holds). dispose()
// removes the wrap at once (napi_remove_wrap),
// so neither the tensor nor N-API's own bookkeeping waits for the garbage collector. An
// undisposed handle is freed by a stable Node-API finalizer, a safety net only: it runs on
// the JavaScript thread after garbage collection, deferred (not inside it), so a loop that
// never yields frees its tensors through dispose()/tidy() scopes, not through GC.
struct Holder {
  at::Tensor tensor;
  int64_t reportedBytes = 0;
};

void releaseHolder(napi_env env, Holder* holder) {
  if (holder->reportedBytes != 0) {
    int64_t ignored;
    napi_adjust_external_memory(env, -holder->reportedBytes, &ignored);
  }
  delete holder;
}

void finalizeHolder(napi_env env, void* data, void*) { releaseHolder(env, static_cast<Holder*>(data)); }

napi_value constructTensorBase(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_get_cb_info(env, info, nullptr, nullptr, &self, nullptr);
  if (!pendingTensor) {
    napi_throw_type_error(env, nullptr, "Tensor: use torch.tensor(), torch.zeros() or another factory to create tensors");
    return nullptr;
  }
  auto* holder = new Holder{std::move(*pendingTensor)};
  pendingTensor.reset();
  if (napi_wrap(env, self, holder, finalizeHolder, nullptr, nullptr) != napi_ok) {
    releaseHolder(env, holder);
    napi_throw_error(env, nullptr, "Tensor: could not attach the native tensor");
    return nullptr;
  }
  return self;
}

bool isTensorObject(Napi::Env env, const Napi::Value& v) {
  return v.IsObject() && v.As<Napi::Object>().InstanceOf(state(env).base.Value());
}

// The holder of a Tensor object, or null when it was disposed (or never made by a factory).
Holder* holderOf(Napi::Env env, const Napi::Value& v) {
  void* data = nullptr;
  if (napi_unwrap(env, v, &data) != napi_ok) return nullptr;
  return static_cast<Holder*>(data);
}

}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  pendingTensor = std::move(tensor);
  Napi::Value result = state(env).tensorClass.New({});
  pendingTensor.reset();
  return result;
}

// ---------------------------------------------------------------- Args

void Args::fail(size_t i, const char* expected) const {
  std::string got = "nothing";
  if (i < info_.Length()) {
    Napi::Value v = info_[i];
    if (v.IsNumber()) got = "the number " + v.ToString().Utf8Value();
    else if (v.IsString()) got = "a string";
    else if (v.IsBoolean()) got = "a boolean";
    else if (v.IsArray()) got = "an array";
    else if (v.IsNull()) got = "null";
    else if (v.IsUndefined()) got = "undefined";
    else if (v.IsFunction()) got = "a function";
    else if (v.IsObject()) got = "an object";
  }
  throw ArgError("argument " + std::to_string(i) + ": expected " + expected + ", got " + got);
}

bool Args::has(size_t i) const { return i < info_.Length() && !info_[i].IsUndefined() && !info_[i].IsNull(); }

at::Tensor& Args::tensor(size_t i) const {
  if (!has(i) || !isTensorObject(env(), info_[i])) fail(i, "a Tensor");
  Holder* holder = holderOf(env(), info_[i]);
  if (holder == nullptr) throw ArgError("argument " + std::to_string(i) + ": the tensor was disposed");
  return holder->tensor;
}

c10::optional<at::Tensor> Args::optTensor(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return tensor(i);
}

at::Tensor Args::operand(size_t i) const {
  if (has(i) && (info_[i].IsNumber() || info_[i].IsBoolean())) {
    return at::native::wrapped_scalar_tensor(scalar(i));
  }
  return tensor(i);
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  if (!has(i) || !info_[i].IsArray()) fail(i, "an array of Tensors");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value v = array.Get(k);
    if (!isTensorObject(env(), v)) fail(i, "an array of Tensors");
    Holder* holder = holderOf(env(), v);
    if (holder == nullptr) throw ArgError("argument " + std::to_string(i) + ": element " + std::to_string(k) + " was disposed");
    out.push_back(holder->tensor);
  }
  return out;
}

std::vector<c10::optional<at::Tensor>> Args::optTensors(size_t i) const {
  if (!has(i) || !info_[i].IsArray()) fail(i, "an array of Tensors or nulls");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<c10::optional<at::Tensor>> out;
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value v = array.Get(k);
    if (v.IsNull() || v.IsUndefined()) {
      out.emplace_back(c10::nullopt);
      continue;
    }
    if (!isTensorObject(env(), v)) fail(i, "an array of Tensors or nulls");
    Holder* holder = holderOf(env(), v);
    if (holder == nullptr) throw ArgError("argument " + std::to_string(i) + ": element " + std::to_string(k) + " was disposed");
    out.emplace_back(holder->tensor);
  }
  return out;
}

at::Scalar Args::scalar(size_t i) const {
  if (has(i) && info_[i].IsBoolean()) return at::Scalar(info_[i].As<Napi::Boolean>().Value());
  if (!has(i) || !info_[i].IsNumber()) fail(i, "a number");
  double v = info_[i].As<Napi::Number>().DoubleValue();
  // JavaScript has one number type: integral values act like Python ints, others like floats.
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    return at::Scalar(static_cast<int64_t>(v));
  }
  return at::Scalar(v);
}

at::Scalar Args::scalar(size_t i, const at::Scalar& fallback) const { return has(i) ? scalar(i) : fallback; }

c10::optional<at::Scalar> Args::optScalar(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return scalar(i);
}

double Args::number(size_t i) const {
  if (!has(i) || !info_[i].IsNumber()) fail(i, "a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

double Args::number(size_t i, double fallback) const { return has(i) ? number(i) : fallback; }

c10::optional<double> Args::optNumber(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return number(i);
}

static bool isInteger(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9007199254740992.0;
}

int64_t Args::int64(size_t i) const {
  if (!has(i) || !isInteger(info_[i])) fail(i, "an integer");
  return info_[i].As<Napi::Number>().Int64Value();
}

int64_t Args::int64(size_t i, int64_t fallback) const { return has(i) ? int64(i) : fallback; }

c10::optional<int64_t> Args::optInt64(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return int64(i);
}

bool Args::boolean(size_t i, bool fallback) const {
  if (!has(i)) return fallback;
  if (!info_[i].IsBoolean()) fail(i, "a boolean");
  return info_[i].As<Napi::Boolean>().Value();
}

std::string Args::str(size_t i) const {
  if (!has(i) || !info_[i].IsString()) fail(i, "a string");
  return info_[i].As<Napi::String>().Utf8Value();
}

std::string Args::str(size_t i, const std::string& fallback) const { return has(i) ? str(i) : fallback; }

std::vector<int64_t> Args::ints(size_t i) const {
  if (has(i) && isInteger(info_[i])) return {info_[i].As<Napi::Number>().Int64Value()};
  if (!has(i) || !info_[i].IsArray()) fail(i, "an integer or an array of integers");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value v = array.Get(k);
    if (!isInteger(v)) fail(i, "an array of integers");
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

c10::optional<std::vector<int64_t>> Args::optInts(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return ints(i);
}

at::ScalarType Args::dtype(size_t i) const {
  if (!has(i) || !info_[i].IsString()) fail(i, "a dtype name");
  return parseDtype(str(i));
}

c10::optional<at::ScalarType> Args::optDtype(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return dtype(i);
}

at::Device Args::device(size_t i) const {
  if (!has(i)) return at::Device(at::kCPU);
  std::string name = str(i);
  try {
    return at::Device(name);
  } catch (const c10::Error&) {
    throw ArgError("argument " + std::to_string(i) + ": unknown device '" + name + "' (expected 'cpu', 'cuda' or 'cuda:N')");
  }
}

at::TensorOptions Args::options(size_t dtypeIndex, size_t deviceIndex) const {
  at::TensorOptions opts = at::TensorOptions().device(device(deviceIndex));
  if (auto type = optDtype(dtypeIndex)) opts = opts.dtype(*type);
  return opts;
}

// ---------------------------------------------------------------- dtypes

static const std::unordered_map<std::string, at::ScalarType>& dtypeTable() {
  static const std::unordered_map<std::string, at::ScalarType> table = {
      {"float32", at::kFloat}, {"float", at::kFloat},       {"float64", at::kDouble}, {"double", at::kDouble},
      {"float16", at::kHalf},  {"half", at::kHalf},         {"bfloat16", at::kBFloat16}, {"int64", at::kLong},
      {"long", at::kLong},     {"int32", at::kInt},         {"int", at::kInt},        {"int16", at::kShort},
      {"int8", at::kChar},     {"uint8", at::kByte},        {"bool", at::kBool},
  };
  return table;
}

at::ScalarType parseDtype(const std::string& name) {
  auto it = dtypeTable().find(name);
  if (it == dtypeTable().end()) {
    throw ArgError("unknown dtype '" + name + "' (expected float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8 or bool)");
  }
  return it->second;
}

const char* dtypeName(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return "unsupported";
  }
}

// ---------------------------------------------------------------- dispatch

std::vector<OpDef>& opRegistry() {
  static std::vector<OpDef> registry;
  return registry;
}

namespace {

Napi::Value toJs(Napi::Env env, Result&& result) {
  struct Visitor {
    Napi::Env env;
    Napi::Value operator()(None) { return env.Undefined(); }
    Napi::Value operator()(at::Tensor& t) { return wrap(env, std::move(t)); }
    Napi::Value operator()(std::vector<at::Tensor>& ts) {
      Napi::Array array = Napi::Array::New(env, ts.size());
      for (size_t k = 0; k < ts.size(); k++) array.Set(k, wrap(env, std::move(ts[k])));
      return array;
    }
    Napi::Value operator()(double v) { return Napi::Number::New(env, v); }
    Napi::Value operator()(int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }
    Napi::Value operator()(bool v) { return Napi::Boolean::New(env, v); }
    Napi::Value operator()(std::string& v) { return Napi::String::New(env, v); }
    Napi::Value operator()(std::vector<int64_t>& v) {
      Napi::Array array = Napi::Array::New(env, v.size());
      for (size_t k = 0; k < v.size(); k++) array.Set(k, Napi::Number::New(env, static_cast<double>(v[k])));
      return array;
    }
    Napi::Value operator()(Napi::Value& v) { return v; }
  };
  return std::visit(Visitor{env}, result);
}

Napi::Value dispatch(const Napi::CallbackInfo& info) {
  const OpDef* def = static_cast<const OpDef*>(info.Data());
  Napi::Env env = info.Env();
  drainPendingReleases();
  try {
    Args args(info);
    return toJs(env, def->fn(args));
  } catch (const Napi::Error&) {
    throw;
  } catch (const ArgError& e) {
    throw Napi::TypeError::New(env, std::string(def->name) + ": " + e.what());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(def->name) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(def->name) + ": " + e.what());
  }
}

Napi::Value setTensorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "setTensorClass: expected a class");
  state(env).tensorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !isTensorObject(env, info[0])) throw Napi::TypeError::New(env, "dispose: expected a Tensor");
  void* data = nullptr;
  if (napi_remove_wrap(env, info[0], &data) == napi_ok) releaseHolder(env, static_cast<Holder*>(data));
  return env.Undefined();
}

// Tells V8 how much native memory a handle keeps alive, so that garbage collection runs
// under memory pressure. Only handles that nothing else frees need it (JavaScript calls it
// for tensors outside tidy() scopes): reporting every short-lived step temporary made V8
// run a full collection every step or two.
Napi::Value reportExternalMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !isTensorObject(env, info[0])) throw Napi::TypeError::New(env, "reportExternalMemory: expected a Tensor");
  Holder* holder = holderOf(env, info[0]);
  if (holder != nullptr && holder->reportedBytes == 0 && holder->tensor.device().is_cpu()) {
    // The storage's bytes, not the view's logical size: an expanded view (stride 0) of one
    // element may claim 10^18 bytes, which V8 rejects by aborting the process.
    const at::Tensor& t = holder->tensor;
    holder->reportedBytes = t.has_storage() ? static_cast<int64_t>(t.storage().nbytes()) : 0;
    int64_t ignored;
    if (holder->reportedBytes > 0) napi_adjust_external_memory(env, holder->reportedBytes, &ignored);
  }
  return env.Undefined();
}

Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !isTensorObject(env, info[0])) throw Napi::TypeError::New(env, "isDisposed: expected a Tensor");
  return Napi::Boolean::New(env, holderOf(env, info[0]) == nullptr);
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* st = new State();
  env.SetInstanceData<State>(st);
  napi_value baseClass;
  NAPI_THROW_IF_FAILED(env, napi_define_class(env, "TensorBase", NAPI_AUTO_LENGTH, constructTensorBase, nullptr, 0, nullptr, &baseClass), exports);
  Napi::Function base(env, baseClass);
  st->base = Napi::Persistent(base);
  exports.Set("TensorBase", base);
  exports.Set("setTensorClass", Napi::Function::New(env, setTensorClass, "setTensorClass"));
  exports.Set("dispose", Napi::Function::New(env, dispose, "dispose"));
  exports.Set("isDisposed", Napi::Function::New(env, isDisposed, "isDisposed"));
  exports.Set("reportExternalMemory", Napi::Function::New(env, reportExternalMemory, "reportExternalMemory"));
  for (const OpDef& def : opRegistry()) {
    exports.Set(def.name, Napi::Function::New(env, dispatch, def.name, const_cast<OpDef*>(&def)));
  }
  return exports;
}

}  // namespace ft

static Napi::Object InitFinetune(Napi::Env env, Napi::Object exports) { return ft::init(env, exports); }

NODE_API_MODULE(finetune, InitFinetune)
