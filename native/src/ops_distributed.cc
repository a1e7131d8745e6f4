// torch.distributed on libtorch's c10d: stores for rendezvous (TCPStore, FileStore), the
// Gloo process group, its collectives (each returns a Work handle when asked to be
// asynchronous), and the Reducer, the bucketed gradient all-reduce behind PyTorch's
// DistributedDataParallel. Handles are N-API externals that own a c10d reference; `distRelease`
// drops it deterministically (destroyProcessGroup), the finalizer otherwise.
// libtorch is built with Gloo (Debian's and PyPI's); its header hides the class otherwise.
// NCCL is compiled in where native/libtorch.mjs found a CUDA libtorch and NCCL's headers.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#if defined(FINETUNE_NCCL) && !defined(USE_C10D_NCCL)
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef FINETUNE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "binding.h"

namespace ft {
namespace {

// One kind of handle each; `kind` lets a wrong handle fail with a clear message.
struct Handle {
  enum Kind { Store, Group, Work, Reducer } kind;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  c10::intrusive_ptr<c10d::Work> work;
  std::shared_ptr<c10d::Reducer> reducer;
};

const char* kindName(Handle::Kind kind) {
  switch (kind) {
    case Handle::Store: return "a Store";
    case Handle::Group: return "a ProcessGroup";
    case Handle::Work: return "a Work";
    default: return "a Reducer";
  }
}

Napi::Value makeHandle(Args& a, Handle handle) {
  auto* owned = new Handle(std::move(handle));
  return Napi::External<Handle>::New(a.env(), owned, [](Napi::Env, Handle* h) { delete h; });
}

Handle& handleAt(Args& a, size_t i, Handle::Kind kind) {
  Napi::Value v = a.raw(i);
  if (!v.IsExternal()) throw ArgError("argument " + std::to_string(i) + ": expected " + kindName(kind) + " handle");
  Handle* h = v.As<Napi::External<Handle>>().Data();
  if (h->kind != kind) throw ArgError("argument " + std::to_string(i) + ": expected " + kindName(kind) + " handle, got " + kindName(h->kind));
  bool released = (kind == Handle::Store && !h->store) || (kind == Handle::Group && !h->group) || (kind == Handle::Work && !h->work) ||
                  (kind == Handle::Reducer && !h->reducer);
  if (released) throw ArgError("argument " + std::to_string(i) + ": the " + std::string(kindName(kind)).substr(2) + " was destroyed");
  return *h;
}

c10d::ProcessGroup& groupAt(Args& a, size_t i) { return *handleAt(a, i, Handle::Group).group; }

std::chrono::milliseconds millis(Args& a, size_t i) { return std::chrono::milliseconds(a.int64(i, 30 * 60 * 1000)); }

// Gloo has no AVG: the JavaScript side sums and divides. PREMUL_SUM and the bitwise ops are not offered.
c10d::ReduceOp reduceOp(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "max") return c10d::ReduceOp::MAX;
  throw ArgError("unknown reduce op '" + name + "' (expected sum, avg, product, min or max)");
}

// A collective's Work: waited for here (blocking form), or handed to JavaScript (asyncOp).
Result finish(Args& a, c10::intrusive_ptr<c10d::Work> work, bool asyncOp) {
  if (asyncOp) return makeHandle(a, {Handle::Work, {}, {}, std::move(work), {}});
  work->wait();
  return None{};
}

std::vector<std::vector<at::Tensor>> nested(const std::vector<at::Tensor>& outputs) { return {outputs}; }

// The default group on one backend, from distXxxGroup(store, rank, worldSize, ...). 2.x splits
// the Backend (Gloo for CPU tensors, NCCL for CUDA ones) from the ProcessGroup that dispatches
// collectives to it, as torch.distributed's _new_process_group_helper does (constructors as of
// 2.13); in 1.13 the backend is the group.
template <typename Backend>
Result defaultGroup(Args& a, c10::intrusive_ptr<typename Backend::Options> opts, [[maybe_unused]] c10::DeviceType device) {
  auto store = c10::make_intrusive<c10d::PrefixStore>("default_pg", handleAt(a, 0, Handle::Store).store);
  int rank = static_cast<int>(a.int64(1)), size = static_cast<int>(a.int64(2));
  auto backend = c10::make_intrusive<Backend>(store, rank, size, opts);
#if TORCH_VERSION_MAJOR >= 2
  auto type = device == c10::DeviceType::CUDA ? c10d::ProcessGroup::BackendType::NCCL : c10d::ProcessGroup::BackendType::GLOO;
  auto group = c10::make_intrusive<c10d::ProcessGroup>(store, rank, size);
  group->setBackend(device, type, backend);
  group->setDefaultBackend(type);
  return makeHandle(a, {Handle::Group, {}, group, {}, {}});
#else
  return makeHandle(a, {Handle::Group, {}, backend, {}, {}});
#endif
}

const OpTable table{
    // distTcpStore(host, port, worldSize, isServer, timeoutMs): rank 0 serves, the others connect
    {"distTcpStore", [](Args& a) -> Result {
       c10d::TCPStoreOptions opts;
       int64_t port = a.int64(1);
       if (port < 0 || port > 65535) throw ArgError("argument 1: port must lie in [0, 65535], got " + std::to_string(port));
       opts.port = static_cast<std::uint16_t>(port);
       opts.numWorkers = static_cast<std::size_t>(a.int64(2));
       opts.isServer = a.boolean(3, false);
       opts.timeout = millis(a, 4);
       c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(a.str(0), opts);
       return makeHandle(a, {Handle::Store, store, {}, {}, {}});
     }},
    // distFileStore(path, worldSize)
    {"distFileStore", [](Args& a) -> Result {
       c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::FileStore>(a.str(0), static_cast<int>(a.int64(1)));
       return makeHandle(a, {Handle::Store, store, {}, {}, {}});
     }},
    // distStoreSet(store, key, value) / distStoreGet(store, key): strings, for the launcher's handshakes
    {"distStoreSet", [](Args& a) -> Result {
       std::string value = a.str(2);
       handleAt(a, 0, Handle::Store).store->set(a.str(1), std::vector<uint8_t>(value.begin(), value.end()));
       return None{};
     }},
    {"distStoreGet", [](Args& a) -> Result {
       std::vector<uint8_t> value = handleAt(a, 0, Handle::Store).store->get(a.str(1));
       return std::string(value.begin(), value.end());
     }},
    // distGlooGroup(store, rank, worldSize, timeoutMs, hostname?): hostname picks the interface Gloo binds
    {"distGlooGroup", [](Args& a) -> Result {
       auto opts = c10d::ProcessGroupGloo::Options::create(millis(a, 3));
       opts->devices.push_back(a.has(4) ? c10d::ProcessGroupGloo::createDeviceForHostname(a.str(4))
                                        : c10d::ProcessGroupGloo::createDefaultDevice());
       return defaultGroup<c10d::ProcessGroupGloo>(a, opts, c10::DeviceType::CPU);
     }},
    // distNcclAvailable(): whether this build has ProcessGroupNCCL
    {"distNcclAvailable", [](Args&) -> Result {
#ifdef FINETUNE_NCCL
       return true;
#else
       return false;
#endif
     }},
    // distNcclGroup(store, rank, worldSize, timeoutMs): collectives on CUDA tensors (each rank
    // sets its device first); NCCL creates its communicators lazily, at the first collective.
    // Registered in every build, so the op tables are the same; without NCCL it says so.
    {"distNcclGroup", [](Args& a) -> Result {
#ifdef FINETUNE_NCCL
       auto opts = c10d::ProcessGroupNCCL::Options::create();
       opts->timeout = millis(a, 3);
       return defaultGroup<c10d::ProcessGroupNCCL>(a, opts, c10::DeviceType::CUDA);
#else
       (void)a;
       throw std::runtime_error("distNcclGroup: this addon was built without NCCL (it needs a CUDA libtorch with NCCL's headers)");
#endif
     }},
    // distRelease(handle): drops the native reference now (destroyProcessGroup, work done)
    {"distRelease", [](Args& a) -> Result {
       if (!a.raw(0).IsExternal()) throw ArgError("argument 0: expected a distributed handle");
       Handle* h = a.raw(0).As<Napi::External<Handle>>().Data();
       h->reducer.reset();
       h->work.reset();
       h->group.reset();
       h->store.reset();
       return None{};
     }},

    // ---- collectives: (group, …, asyncOp)
    {"distAllReduce", [](Args& a) -> Result {
       std::vector<at::Tensor> ts{a.tensor(1)};
       c10d::AllreduceOptions opts;
       opts.reduceOp = reduceOp(a.str(2));
       return finish(a, groupAt(a, 0).allreduce(ts, opts), a.boolean(3, false));
     }},
    {"distBroadcast", [](Args& a) -> Result {
       std::vector<at::Tensor> ts{a.tensor(1)};
       c10d::BroadcastOptions opts;
       opts.rootRank = a.int64(2);
       return finish(a, groupAt(a, 0).broadcast(ts, opts), a.boolean(3, false));
     }},
    // distAllGather(group, outputs[], input, asyncOp)
    {"distAllGather", [](Args& a) -> Result {
       auto outputs = nested(a.tensors(1));
       std::vector<at::Tensor> input{a.tensor(2)};
       return finish(a, groupAt(a, 0).allgather(outputs, input), a.boolean(3, false));
     }},
    // distReduceScatter(group, output, inputs[], op, asyncOp)
    {"distReduceScatter", [](Args& a) -> Result {
       std::vector<at::Tensor> output{a.tensor(1)};
       auto inputs = nested(a.tensors(2));
       c10d::ReduceScatterOptions opts;
       opts.reduceOp = reduceOp(a.str(3));
       return finish(a, groupAt(a, 0).reduce_scatter(output, inputs, opts), a.boolean(4, false));
     }},
    // distGather(group, outputs[] (empty except on root), input, root, asyncOp)
    {"distGather", [](Args& a) -> Result {
       std::vector<at::Tensor> outs = a.tensors(1);
       std::vector<std::vector<at::Tensor>> outputs;
       if (!outs.empty()) outputs.push_back(outs);
       std::vector<at::Tensor> input{a.tensor(2)};
       c10d::GatherOptions opts;
       opts.rootRank = a.int64(3);
       return finish(a, groupAt(a, 0).gather(outputs, input, opts), a.boolean(4, false));
     }},
    // distScatter(group, output, inputs[] (empty except on root), root, asyncOp)
    {"distScatter", [](Args& a) -> Result {
       std::vector<at::Tensor> output{a.tensor(1)};
       std::vector<at::Tensor> ins = a.tensors(2);
       std::vector<std::vector<at::Tensor>> inputs;
       if (!ins.empty()) inputs.push_back(ins);
       c10d::ScatterOptions opts;
       opts.rootRank = a.int64(3);
       return finish(a, groupAt(a, 0).scatter(output, inputs, opts), a.boolean(4, false));
     }},
    {"distBarrier", [](Args& a) -> Result {
       c10d::BarrierOptions opts;
       return finish(a, groupAt(a, 0).barrier(opts), a.boolean(1, false));
     }},
    // distWorkWait(work, timeoutMs?): throws when the collective failed or timed out
    {"distWorkWait", [](Args& a) -> Result {
       Handle& h = handleAt(a, 0, Handle::Work);
       bool done = a.has(1) ? h.work->wait(millis(a, 1)) : h.work->wait();
       return done;
     }},
    {"distWorkIsCompleted", [](Args& a) -> Result { return handleAt(a, 0, Handle::Work).work->isCompleted(); }},
    // distBroadcastCoalesced(group, tensors[], bufferBytes, root): DDP's start-up sync of parameters and buffers
    {"distBroadcastCoalesced", [](Args& a) -> Result {
       std::vector<at::Tensor> ts = a.tensors(1);
       c10d::broadcast_coalesced(handleAt(a, 0, Handle::Group).group, ts, static_cast<size_t>(a.int64(2)), static_cast<int>(a.int64(3)));
       return None{};
     }},

    // ---- DistributedDataParallel's reducer
    // distReducer(group, params[], names[], bucketCapBytes, findUnusedParameters, gradientAsBucketView)
    {"distReducer", [](Args& a) -> Result {
       auto group = handleAt(a, 0, Handle::Group).group;
       std::vector<at::Tensor> params = a.tensors(1);
       Napi::Array names = a.raw(2).As<Napi::Array>();
       std::unordered_map<size_t, std::string> paramNames;
       for (uint32_t k = 0; k < names.Length(); k++) paramNames[k] = names.Get(k).As<Napi::String>().Utf8Value();
       int64_t bucketCap = a.int64(3);
       constexpr int64_t kFirstBucketBytes = 1024 * 1024;  // torch.distributed._DEFAULT_FIRST_BUCKET_BYTES
       std::vector<bool> sparse(params.size(), false);
       auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(
           params, {static_cast<size_t>(kFirstBucketBytes), static_cast<size_t>(bucketCap)}, sparse);
       // as DistributedDataParallel: buckets in reverse, since gradients arrive roughly last layer first
       std::reverse(buckets.begin(), buckets.end());
       std::reverse(limits.begin(), limits.end());
#if TORCH_VERSION_MAJOR >= 2
       // 2.x's Reducer (as of 2.13) takes no per-bucket limits; the trailing arguments are DDP's
       // defaults: no skipping of unused parameters' all-reduce, the C++ reducer, default rebuild
       // caps (an empty list), no batched gradient copy.
       (void)limits;
       auto reducer = std::make_shared<c10d::Reducer>(params, buckets, group, sparse, bucketCap, a.boolean(4, false),
                                                      a.boolean(5, false), paramNames, kFirstBucketBytes, false, false,
                                                      std::vector<int64_t>{}, false);
#else
       auto reducer = std::make_shared<c10d::Reducer>(params, buckets, limits, group, sparse, bucketCap, a.boolean(4, false),
                                                      a.boolean(5, false), paramNames, kFirstBucketBytes);
#endif
       return makeHandle(a, {Handle::Reducer, {}, {}, {}, reducer});
     }},
    // distReducerRebuildBuckets(reducer): once, after the first backward, buckets follow the order gradients
    // arrived in; it first checks the previous reduction finished (the unused-parameter error). A collective.
    {"distReducerRebuildBuckets", [](Args& a) -> Result { return handleAt(a, 0, Handle::Reducer).reducer->rebuild_buckets(); }},
    {"distReducerPrepareForward", [](Args& a) -> Result {
       handleAt(a, 0, Handle::Reducer).reducer->prepare_for_forward();
       return None{};
     }},
    // distReducerPrepareForBackward(reducer, outputs[]): with findUnusedParameters, the outputs whose graph is searched
    {"distReducerPrepareForBackward", [](Args& a) -> Result {
       handleAt(a, 0, Handle::Reducer).reducer->prepare_for_backward(a.tensors(1));
       return None{};
     }},
};

}  // namespace
}  // namespace ft
