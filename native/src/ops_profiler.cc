// torch.profiler's CPU activity, on libtorch's RecordFunction hooks: the hooks PyTorch's own
// profiler is built on, present alike in 1.13 and 2.x. Every dispatched aten op and every
// autograd backward node reports its start and end; we keep one record per call (name, times,
// the event it ran inside, input shapes). Averages and the table are made in TypeScript
// (src/engine/profiler.ts).
#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <sstream>

#include "binding.h"

namespace ft {
namespace {

struct Event {
  std::string name;
  int64_t startNs = 0, endNs = -1;  // endNs -1: still running when the profiler stopped
  int64_t parent = -1;              // index of the event this one ran inside, on the same thread
  uint64_t thread = 0;
  std::string shapes;  // "[[32, 128], [], ...]" when recording shapes
};

struct Recording {
  std::mutex mutex;
  std::vector<Event> events;
  at::CallbackHandle handle = at::INVALID_CALLBACK_HANDLE;
  bool recordShapes = false;
  uint64_t session = 0;  // a new number per start, so a thread's stale open events are ignored
};

Recording& recording() {
  static Recording r;
  return r;
}

struct Open {
  uint64_t session;
  int64_t index;
};
thread_local std::vector<Open> openEvents;  // this thread's begun, not yet ended events

struct EventRef : at::ObserverContext {
  EventRef(uint64_t s, int64_t i) : session(s), index(i) {}
  uint64_t session;
  int64_t index;
};

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void appendSizes(std::ostringstream& out, at::IntArrayRef sizes) {
  out << '[';
  for (size_t i = 0; i < sizes.size(); i++) out << (i ? ", " : "") << sizes[i];
  out << ']';
}

std::string shapesOf(c10::ArrayRef<const c10::IValue> inputs) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < inputs.size(); i++) {
    if (i) out << ", ";
    const c10::IValue& v = inputs[i];
    if (v.isTensor() && v.toTensor().defined()) {
      appendSizes(out, v.toTensor().sizes());
    } else if (v.isTensorList()) {
      out << '[';
      auto list = v.toTensorList();
      for (size_t j = 0; j < list.size(); j++) {
        if (j) out << ", ";
        at::Tensor t = list.get(j);
        if (t.defined()) appendSizes(out, t.sizes());
        else out << "[]";
      }
      out << ']';
    } else {
      out << "[]";
    }
  }
  out << ']';
  return out.str();
}

EventRef begin(std::string name, uint64_t thread, std::string shapes) {
  Recording& r = recording();
  int64_t start = nowNs();
  std::lock_guard<std::mutex> lock(r.mutex);
  while (!openEvents.empty() && openEvents.back().session != r.session) openEvents.pop_back();
  int64_t index = static_cast<int64_t>(r.events.size());
  r.events.push_back({std::move(name), start, -1, openEvents.empty() ? -1 : openEvents.back().index, thread, std::move(shapes)});
  openEvents.push_back({r.session, index});
  return {r.session, index};
}

void end(uint64_t session, int64_t index) {
  int64_t stop = nowNs();
  Recording& r = recording();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto open = std::find_if(openEvents.rbegin(), openEvents.rend(), [&](const Open& o) { return o.session == session && o.index == index; });
  if (open != openEvents.rend()) openEvents.erase(std::next(open).base());
  if (session == r.session && index >= 0 && index < static_cast<int64_t>(r.events.size())) r.events[index].endNs = stop;
}

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn) {
  std::string shapes = recording().recordShapes ? shapesOf(fn.inputs()) : std::string();
  EventRef ref = begin(fn.name(), fn.threadId(), std::move(shapes));
  return std::make_unique<EventRef>(ref.session, ref.index);
}

void onEnd(const at::RecordFunction&, at::ObserverContext* context) {
  if (auto* ref = dynamic_cast<EventRef*>(context)) end(ref->session, ref->index);
}

void start(bool recordShapes) {
  Recording& r = recording();
  if (r.handle != at::INVALID_CALLBACK_HANDLE) throw std::runtime_error("a profiler is already running; stop it first");
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    r.events.clear();
    r.recordShapes = recordShapes;
    r.session++;
  }
  r.handle = at::addGlobalCallback(at::RecordFunctionCallback(onStart, onEnd)
                                       .needsInputs(recordShapes)
                                       .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
}

// Columns, one array each: names, startUs, endUs (-1 while running), parents, threads, shapes.
Napi::Value stop(Args& a) {
  Recording& r = recording();
  if (r.handle == at::INVALID_CALLBACK_HANDLE) throw std::runtime_error("no profiler is running");
  at::removeCallback(r.handle);
  r.handle = at::INVALID_CALLBACK_HANDLE;
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    events.swap(r.events);
    r.session++;
  }
  Napi::Env env = a.env();
  size_t n = events.size();
  Napi::Array names = Napi::Array::New(env, n), shapes = Napi::Array::New(env, n);
  Napi::Float64Array startUs = Napi::Float64Array::New(env, n), endUs = Napi::Float64Array::New(env, n);
  Napi::Int32Array parents = Napi::Int32Array::New(env, n);
  Napi::Float64Array threads = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Event& e = events[i];
    names.Set(i, Napi::String::New(env, e.name));
    shapes.Set(i, Napi::String::New(env, e.shapes));
    startUs[i] = e.startNs / 1e3;
    endUs[i] = e.endNs < 0 ? -1 : e.endNs / 1e3;
    parents[i] = static_cast<int32_t>(e.parent);
    threads[i] = static_cast<double>(e.thread);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("names", names);
  out.Set("startUs", startUs);
  out.Set("endUs", endUs);
  out.Set("parents", parents);
  out.Set("threads", threads);
  out.Set("shapes", shapes);
  return out;
}

// torch.profiler.record_function: a labelled range around the ops it contains. Ranges nest
// like function calls; pop closes the innermost one this thread opened.
thread_local std::vector<EventRef> userRanges;

const OpTable table({
    {"profilerStart", [](Args& a) -> Result { start(a.boolean(0, false)); return None{}; }},
    {"profilerStop", [](Args& a) -> Result { return stop(a); }},
    {"profilerNowUs", [](Args&) -> Result { return nowNs() / 1e3; }},
    {"profilerRangePush", [](Args& a) -> Result {
       // pushed even while no profiler runs, so that every pop closes its own push
       bool on = recording().handle != at::INVALID_CALLBACK_HANDLE;
       userRanges.push_back(on ? begin(a.str(0), at::RecordFunction::currentThreadId(), "") : EventRef(0, -1));
       return None{};
     }},
    {"profilerRangePop", [](Args&) -> Result {
       if (!userRanges.empty()) {
         end(userRanges.back().session, userRanges.back().index);
         userRanges.pop_back();
       }
       return None{};
     }},
});

}  // namespace
}  // namespace ft
