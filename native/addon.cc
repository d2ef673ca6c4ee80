// weld's Node-API addon: execute(plan) and executeAsync(plan) over a WritePlan (lib/plan/types.ts).
//
// A call reads the plan in two steps on the main thread, then runs the core (executor.cc):
//   1. walk: every property of the plan is read (getters and proxies may run JS here), and the
//      typed arrays it names are collected as handles;
//   2. resolve: each handle becomes a (pointer, length) view. No JS can run from here on, so the
//      views stay valid for a synchronous call whatever the getters of step 1 did.
// executeAsync then holds every typed array it resolved (one JS array held by a reference) and
// the output ArrayBuffer, and runs the core on the libuv pool, touching no JS value there.
//
// Types are checked as the contract declares them (Uint8Array, Uint32Array, Float64Array,
// Int32Array, arrays, a number for tableBase); values are checked by the core exactly as ts.ts
// checks them, with the same messages.

#include <napi.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "executor.h"
#include "merge.h"
#include "relocs.h"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#endif

namespace {

// Bumped when the JS-facing interface of this addon changes; lib/backend/native.ts checks it.
constexpr int kAddonAbi = 2;

// Property names, made once per call (Node 20 has no references to strings) and reused for every
// file, so a walk creates no string per property read.
struct Keys {
  explicit Keys(Napi::Env env)
      : version(Napi::String::New(env, "version")),
        size(Napi::String::New(env, "size")),
        buffers(Napi::String::New(env, "buffers")),
        chunks(Napi::String::New(env, "chunks")),
        chunkTombstone(Napi::String::New(env, "chunkTombstone")),
        chunkVA(Napi::String::New(env, "chunkVA")),
        files(Napi::String::New(env, "files")),
        tableBase(Napi::String::New(env, "tableBase")),
        relocType(Napi::String::New(env, "relocType")),
        relocOffset(Napi::String::New(env, "relocOffset")),
        relocIndex(Napi::String::New(env, "relocIndex")),
        relocAddend(Napi::String::New(env, "relocAddend")),
        symValue(Napi::String::New(env, "symValue")),
        symMode(Napi::String::New(env, "symMode")),
        typeMap(Napi::String::New(env, "typeMap")),
        pieces(Napi::String::New(env, "pieces")),
        inputStart(Napi::String::New(env, "inputStart")),
        outputStart(Napi::String::New(env, "outputStart")) {}
  Napi::String version, size, buffers, chunks, chunkTombstone, chunkVA, files, tableBase;
  Napi::String relocType, relocOffset, relocIndex, relocAddend, symValue, symMode, typeMap, pieces;
  Napi::String inputStart, outputStart;
};

// ---- errors ---------------------------------------------------------------------------------

std::string planMessage(const std::string& what) { return "invalid write plan: " + what; }

[[noreturn]] void throwPlan(Napi::Env env, const std::string& what) {
  throw Napi::Error::New(env, planMessage(what));
}

Napi::Error makeError(Napi::Env env, const weld::Failure& f) {
  std::string text = f.text;
  if (f.slot != weld::Slot::None) {
    std::string inserted = f.slot == weld::Slot::Undefined
                               ? std::string("undefined")
                               : Napi::Number::New(env, f.number).ToString().Utf8Value();  // JS Number::toString
    text.insert(f.at, inserted);
  }
  switch (f.kind) {
    case weld::ErrorKind::Range:
      return Napi::RangeError::New(env, text);
    case weld::ErrorKind::Type:
      return Napi::TypeError::New(env, text);
    case weld::ErrorKind::Plan:
      break;
  }
  return Napi::Error::New(env, planMessage(text));
}

// ---- step 1: walk -----------------------------------------------------------------------------

template <typename T>
void assignView(void* view, const void* data, size_t n) {
  auto* v = static_cast<weld::View<T>*>(view);
  v->data = static_cast<const T*>(data);
  v->size = n;
}

// A typed array to resolve in step 2.
struct Pending {
  napi_value value;
  napi_typedarray_type want;
  void* view;
  void (*assign)(void*, const void*, size_t);
  const char** problem;  // set to `ifWrong` when the value is not a typed array of type `want`
  const char* ifWrong;
};

struct Gathered {
  weld::PlanView view;
  std::vector<Pending> pending;
  const char* chunksProblem = nullptr;
  const char* tombProblem = nullptr;
  const char* vaProblem = nullptr;
};

template <typename T>
void expect(Gathered& g, napi_value v, napi_typedarray_type want, weld::View<T>* view, const char** problem,
            const char* ifWrong) {
  g.pending.push_back(Pending{v, want, view, &assignView<T>, problem, ifWrong});
}

bool isObject(const Napi::Value& v) { return v.IsObject(); }  // functions count, null does not

void walkFile(Napi::Env env, const Keys& k, const Napi::Value& fv, weld::FileView& f, Gathered& g) {
  if (!isObject(fv)) {
    f.problem = "is not an object";
    return;
  }
  Napi::Object o = fv.As<Napi::Object>();
  expect(g, o.Get(k.relocType), napi_uint8_array, &f.relocType, &f.problem, "is malformed: relocType is not a Uint8Array");
  expect(g, o.Get(k.relocOffset), napi_uint32_array, &f.relocOffset, &f.problem, "is malformed: relocOffset is not a Uint32Array");
  expect(g, o.Get(k.relocIndex), napi_uint32_array, &f.relocIndex, &f.problem, "is malformed: relocIndex is not a Uint32Array");
  expect(g, o.Get(k.relocAddend), napi_float64_array, &f.relocAddend, &f.problem, "is malformed: relocAddend is not a Float64Array");
  expect(g, o.Get(k.symValue), napi_float64_array, &f.symValue, &f.problem, "is malformed: symValue is not a Float64Array");
  expect(g, o.Get(k.symMode), napi_uint8_array, &f.symMode, &f.problem, "is malformed: symMode is not a Uint8Array");
  expect(g, o.Get(k.typeMap), napi_int32_array, &f.typeMap, &f.problem, "is malformed: typeMap is not an Int32Array");
  Napi::Value pv = o.Get(k.pieces);
  if (!pv.IsArray()) {
    f.problem = "is malformed: pieces is not an array";
    return;
  }
  Napi::Array pa = pv.As<Napi::Array>();
  const uint32_t n = pa.Length();
  f.pieces.resize(n);  // sized once: `pending` keeps pointers into it
  for (uint32_t i = 0; i < n; i++) {
    weld::PiecesView& p = f.pieces[i];
    Napi::Value ev = pa.Get(i);
    if (!isObject(ev)) {
      p.problem = "is malformed: not an object";
      continue;
    }
    Napi::Object e = ev.As<Napi::Object>();
    expect(g, e.Get(k.inputStart), napi_uint32_array, &p.inputStart, &p.problem, "is malformed: inputStart is not a Uint32Array");
    expect(g, e.Get(k.outputStart), napi_float64_array, &p.outputStart, &p.problem, "is malformed: outputStart is not a Float64Array");
  }
  (void)env;
}

// Reads the whole plan (step 1) and resolves its typed arrays (step 2). Throws a JS exception
// (as Napi::Error) for a plan rejected before its chunks run.
void gather(Napi::Env env, const Napi::Value& planValue, Gathered& g) {
  const Keys k(env);
  if (!isObject(planValue)) throwPlan(env, "the plan is not an object");
  Napi::Object plan = planValue.As<Napi::Object>();

  // The checks ts.ts makes before it allocates the output, in its order and words.
  Napi::Value version = plan.Get(k.version);
  if (!(version.IsNumber() && version.As<Napi::Number>().DoubleValue() == weld::kPlanVersion))
    throwPlan(env, "version " + version.ToString().Utf8Value() + ", expected 1");
  Napi::Value sizeValue = plan.Get(k.size);
  {
    bool good = false;
    if (sizeValue.IsNumber()) {
      const double s = sizeValue.As<Napi::Number>().DoubleValue();
      // Number.isInteger(size) && size >= 0 && size <= 0x7fffffff (NaN fails every comparison)
      good = s >= 0 && s <= weld::kMaxOutputSize && static_cast<double>(static_cast<int64_t>(s)) == s;
      if (good) g.view.size = static_cast<size_t>(s);
    }
    if (!good) throwPlan(env, "bad output size " + sizeValue.ToString().Utf8Value());
  }

  expect(g, plan.Get(k.chunks), napi_uint32_array, &g.view.chunks, &g.chunksProblem, "chunks is not a Uint32Array");
  expect(g, plan.Get(k.chunkTombstone), napi_float64_array, &g.view.chunkTombstone, &g.tombProblem, "chunkTombstone is not a Float64Array");
  expect(g, plan.Get(k.chunkVA), napi_float64_array, &g.view.chunkVA, &g.vaProblem, "chunkVA is not a Float64Array");

  Napi::Value buffersValue = plan.Get(k.buffers);
  if (!buffersValue.IsArray()) throwPlan(env, "buffers is not an array");
  Napi::Array buffers = buffersValue.As<Napi::Array>();
  const uint32_t nbuffers = buffers.Length();
  g.view.buffers.resize(nbuffers);  // sized once: `pending` keeps pointers into it
  g.pending.reserve(g.pending.size() + nbuffers);
  for (uint32_t i = 0; i < nbuffers; i++) {
    weld::BufferView& b = g.view.buffers[i];
    expect(g, buffers.Get(i), napi_uint8_array, &b.bytes, &b.problem, "is not a Uint8Array");
  }

  Napi::Value filesValue = plan.Get(k.files);
  if (!filesValue.IsArray()) throwPlan(env, "files is not an array");
  Napi::Array files = filesValue.As<Napi::Array>();
  const uint32_t nfiles = files.Length();
  g.view.files.resize(nfiles);
  g.pending.reserve(g.pending.size() + size_t{9} * nfiles);
  for (uint32_t i = 0; i < nfiles; i++) walkFile(env, k, files.Get(i), g.view.files[i], g);

  Napi::Value tableBase = plan.Get(k.tableBase);
  if (!tableBase.IsNumber()) throwPlan(env, "tableBase is not a number");
  g.view.tableBase = tableBase.As<Napi::Number>().DoubleValue();

  // Step 2: no JS runs past this point.
  for (const Pending& p : g.pending) {
    // napi_invalid_arg (and no exception) when the value is not a typed array.
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    const napi_status st = napi_get_typedarray_info(env, p.value, &type, &length, &data, nullptr, nullptr);
    const bool typeOk = type == p.want || (p.want == napi_uint8_array && type == napi_uint8_clamped_array);
    if (st != napi_ok || !typeOk) {
      if (!*p.problem) *p.problem = p.ifWrong;
      continue;
    }
    p.assign(p.view, data, length);
  }
  if (g.chunksProblem) throwPlan(env, g.chunksProblem);
  if (g.tombProblem) throwPlan(env, g.tombProblem);
  if (g.vaProblem) throwPlan(env, g.vaProblem);
  weld::Failure fail;
  if (!weld::checkTables(g.view, &fail)) throw makeError(env, fail);
}

// ---- execute(plan): Uint8Array ------------------------------------------------------------------

Napi::Value Execute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Gathered g;
    gather(env, info[0], g);
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, g.view.size);  // zero-filled, like new Uint8Array(size)
    weld::Failure fail;
    if (!weld::execute(g.view, static_cast<uint8_t*>(out.Data()), &fail)) throw makeError(env, fail);
    return Napi::Uint8Array::New(env, g.view.size, out, 0);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {  // std::bad_alloc from the plan's bookkeeping
    throw Napi::Error::New(env, std::string("weld native executor: ") + e.what());
  }
}

// ---- executeAsync(plan): Promise<Uint8Array> ------------------------------------------------------

class ExecuteWorker : public Napi::AsyncWorker {
 public:
  ExecuteWorker(Napi::Env env, Napi::Promise::Deferred deferred, Gathered&& g, Napi::ArrayBuffer out, Napi::Array keep)
      : Napi::AsyncWorker(env, "weld.executeAsync"),
        deferred_(deferred),
        view_(std::move(g.view)),
        out_(Napi::Persistent(out)),
        keep_(Napi::Persistent(keep)),
        data_(static_cast<uint8_t*>(out.Data())) {}

  // On a libuv pool thread: plain memory only.
  void Execute() override { ok_ = weld::execute(view_, data_, &fail_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (ok_)
      deferred_.Resolve(Napi::Uint8Array::New(env, view_.size, out_.Value(), 0));
    else
      deferred_.Reject(makeError(env, fail_).Value());
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  weld::PlanView view_;
  Napi::Reference<Napi::ArrayBuffer> out_;
  Napi::Reference<Napi::Array> keep_;  // every typed array view_ points into
  uint8_t* data_;
  bool ok_ = false;
  weld::Failure fail_;
};

Napi::Value ExecuteAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  try {
    Gathered g;
    gather(env, info[0], g);
    Napi::Array keep = Napi::Array::New(env, g.pending.size());
    for (size_t i = 0; i < g.pending.size(); i++) keep.Set(static_cast<uint32_t>(i), Napi::Value(env, g.pending[i].value));
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, g.view.size);
    auto* worker = new ExecuteWorker(env, deferred, std::move(g), out, keep);
    worker->Queue();
  } catch (const Napi::Error& e) {
    deferred.Reject(e.Value());
  } catch (const std::exception& e) {
    deferred.Reject(Napi::Error::New(env, std::string("weld native executor: ") + e.what()).Value());
  }
  return deferred.Promise();
}

// ---- mergeStrings(buffers, ranges, alignLog2): number | { body, starts, offsets, counts } --------
// lib/backend/merge.ts is the reference. A number is the index of the first chunk whose last
// string is not NUL-terminated, or -1 for a table beyond 2 GiB (the caller words the errors).

Napi::Value MergeStrings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // One try around everything: a std::bad_alloc (a huge sparse array) becomes a JS error.
  try {
    const char* usage = "mergeStrings(buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number)";
    if (info.Length() < 3 || !info[0].IsArray() || !info[2].IsNumber()) throw Napi::TypeError::New(env, usage);
    const double alignLog2 = info[2].As<Napi::Number>().DoubleValue();
    if (!(alignLog2 >= 0 && alignLog2 <= 31) || alignLog2 != static_cast<double>(static_cast<uint32_t>(alignLog2)))
      throw Napi::RangeError::New(env, "mergeStrings: alignLog2 must be an integer from 0 to 31");
    Napi::Array arr = info[0].As<Napi::Array>();
    const uint32_t n = arr.Length();
    // Step 1 reads every element (getters may run JS); step 2 resolves them (no JS runs).
    std::vector<napi_value> values(n);
    for (uint32_t i = 0; i < n; i++) values[i] = arr.Get(i);
    std::vector<weld::Bytes> buffers(n);
    for (uint32_t i = 0; i < n; i++) {
      napi_typedarray_type type = napi_int8_array;
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env, values[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array)
        throw Napi::TypeError::New(env, "mergeStrings: buffer " + std::to_string(i) + " is not a Uint8Array");
      buffers[i] = {static_cast<const uint8_t*>(data), length};
    }
    napi_typedarray_type rtype = napi_int8_array;
    size_t rlength = 0;
    void* rdata = nullptr;
    if (napi_get_typedarray_info(env, info[1], &rtype, &rlength, &rdata, nullptr, nullptr) != napi_ok || rtype != napi_uint32_array ||
        rlength % 3 != 0)
      throw Napi::TypeError::New(env, "mergeStrings: ranges is not a Uint32Array of (buffer, start, length) triples");
    weld::MergedStrings m;
    const int64_t bad =
        weld::mergeStrings(buffers, static_cast<const uint32_t*>(rdata), rlength / 3, static_cast<uint32_t>(alignLog2), &m);
    if (bad >= 0) return Napi::Number::New(env, static_cast<double>(bad));
    if (bad == -2) return Napi::Number::New(env, -1);
    if (bad <= -3) throw Napi::RangeError::New(env, "mergeStrings: range " + std::to_string(-3 - bad) + " is outside its buffer");
    Napi::Object r = Napi::Object::New(env);
    Napi::Uint8Array body = Napi::Uint8Array::New(env, m.body.size());
    if (!m.body.empty()) std::memcpy(body.Data(), m.body.data(), m.body.size());
    Napi::Uint32Array starts = Napi::Uint32Array::New(env, m.starts.size());
    if (!m.starts.empty()) std::memcpy(starts.Data(), m.starts.data(), m.starts.size() * sizeof(uint32_t));
    Napi::Float64Array offsets = Napi::Float64Array::New(env, m.offsets.size());
    if (!m.offsets.empty()) std::memcpy(offsets.Data(), m.offsets.data(), m.offsets.size() * sizeof(double));
    Napi::Uint32Array counts = Napi::Uint32Array::New(env, m.counts.size());
    if (!m.counts.empty()) std::memcpy(counts.Data(), m.counts.data(), m.counts.size() * sizeof(uint32_t));
    r.Set("body", body);
    r.Set("starts", starts);
    r.Set("offsets", offsets);
    r.Set("counts", counts);
    return r;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("weld native mergeStrings: ") + e.what());
  }
}

// ---- decodeRelocs(bytes, start, end, count, secSize, ntypes, symKind, keep,
//                   type, offset, index, addend, k, calledDirectly): number ------------------------
// The fast path of readRelocations (lib/input/object.ts): the index after the last entry
// written, or -1 when the reference must decide (relocs.h).

template <typename T>
T* typedArg(Napi::Env env, napi_value v, napi_typedarray_type want, size_t* length, const char* what) {
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &data, nullptr, nullptr) != napi_ok || type != want)
    throw Napi::TypeError::New(env, std::string("decodeRelocs: ") + what);
  return static_cast<T*>(data);
}

double indexArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<uint64_t>(d)))
    throw Napi::TypeError::New(info.Env(), std::string("decodeRelocs: ") + what + " is not a non-negative integer");
  return d;
}

Napi::Value DecodeRelocs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 14) throw Napi::TypeError::New(env, "decodeRelocs: 14 arguments expected");
  const uint64_t start = static_cast<uint64_t>(indexArg(info, 1, "start"));
  const uint64_t end = static_cast<uint64_t>(indexArg(info, 2, "end"));
  weld::RelocInput in;
  in.count = static_cast<uint64_t>(indexArg(info, 3, "count"));
  in.secSize = static_cast<uint64_t>(indexArg(info, 4, "secSize"));
  in.ntypes = static_cast<uint64_t>(indexArg(info, 5, "ntypes"));
  in.keep = info[7].ToBoolean().Value();
  const size_t k = static_cast<size_t>(indexArg(info, 12, "k"));
  // No JS runs below: the views stay valid.
  size_t nbytes = 0, nkind = 0, ntype = 0, noffset = 0, nindex = 0, naddend = 0, ncalled = 0;
  const uint8_t* bytes = typedArg<uint8_t>(env, info[0], napi_uint8_array, &nbytes, "bytes is not a Uint8Array");
  in.symKind = typedArg<uint8_t>(env, info[6], napi_uint8_array, &nkind, "symKind is not a Uint8Array");
  weld::RelocOutput out;
  out.type = typedArg<uint8_t>(env, info[8], napi_uint8_array, &ntype, "type is not a Uint8Array");
  out.offset = typedArg<uint32_t>(env, info[9], napi_uint32_array, &noffset, "offset is not a Uint32Array");
  out.index = typedArg<uint32_t>(env, info[10], napi_uint32_array, &nindex, "index is not a Uint32Array");
  out.addend = typedArg<double>(env, info[11], napi_float64_array, &naddend, "addend is not a Float64Array");
  out.calledDirectly = typedArg<uint8_t>(env, info[13], napi_uint8_array, &ncalled, "calledDirectly is not a Uint8Array");
  if (start > end || end > nbytes) throw Napi::RangeError::New(env, "decodeRelocs: start..end is outside bytes");
  if (ncalled < nkind) throw Napi::RangeError::New(env, "decodeRelocs: calledDirectly is shorter than symKind");
  in.bytes = bytes + start;
  in.size = static_cast<size_t>(end - start);
  in.nsyms = nkind;
  out.capacity = std::min(std::min(ntype, noffset), std::min(nindex, naddend));
  out.k = k;
  return Napi::Number::New(env, static_cast<double>(weld::decodeRelocs(in, out)));
}

// exchangeFiles(a, b): swaps the names of two existing files in one step (Linux renameat2 with
// RENAME_EXCHANGE) and returns 0, or an errno (ENOSYS where the system has no such call).
// lib/output/index.ts replaces an output this way: as atomic as rename(2) over it, without the
// flush ext4 makes on such a rename (auto_da_alloc), 0.1-1.5 ms a link. The raw system call, not
// glibc's wrapper: the prebuild keeps needing nothing newer than glibc 2.14.
Napi::Value ExchangeFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) throw Napi::TypeError::New(env, "exchangeFiles: two paths expected");
#if defined(__linux__) && defined(SYS_renameat2)
  const std::string a = info[0].As<Napi::String>().Utf8Value();
  const std::string b = info[1].As<Napi::String>().Utf8Value();
  if (syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) return Napi::Number::New(env, errno);
  return Napi::Number::New(env, 0);
#else
  return Napi::Number::New(env, ENOSYS);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("exchangeFiles", Napi::Function::New(env, ExchangeFiles, "exchangeFiles"));
  exports.Set("decodeRelocs", Napi::Function::New(env, DecodeRelocs, "decodeRelocs"));
  exports.Set("mergeStrings", Napi::Function::New(env, MergeStrings, "mergeStrings"));
  exports.Set("execute", Napi::Function::New(env, Execute, "execute"));
  exports.Set("executeAsync", Napi::Function::New(env, ExecuteAsync, "executeAsync"));
  exports.Set("planVersion", Napi::Number::New(env, weld::kPlanVersion));
  exports.Set("abi", Napi::Number::New(env, kAddonAbi));
  return exports;
}

}  // namespace

NODE_API_MODULE(weld, Init)
