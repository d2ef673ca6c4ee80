// The WritePlan executor's core: plain C++ over borrowed views of the plan's typed arrays, with
// no Node-API in sight, so it runs on any thread (executeAsync runs it on the libuv pool) and can
// be fuzzed on its own. It is a byte-for-byte port of lib/backend/ts.ts (the reference): the same
// checks in the same order with the same messages, and the same double arithmetic (ToUint32,
// ToInt32, BigInt.asUintN(64, ...), %, Math.floor) for every encoding.
//
// The layout of the plan is lib/plan/types.ts (PLAN_VERSION 1).

#ifndef WELD_NATIVE_EXECUTOR_H
#define WELD_NATIVE_EXECUTOR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weld {

constexpr double kPlanVersion = 1;
constexpr size_t kChunkStride = 8;
constexpr uint32_t kNoFile = 0xffffffffu;
constexpr size_t kSlots = 4;
constexpr double kMaxOutputSize = 2147483647.0;  // 0x7fffffff, as in ts.ts

// A borrowed view of a typed array's elements. Elements are read with memcpy, so the view needs
// no alignment; `data` may be null when `size` is 0.
template <typename T>
struct View {
  const T* data = nullptr;
  size_t size = 0;
};

struct PiecesView {
  // Null when the element of `pieces` is not { inputStart: Uint32Array, outputStart: Float64Array }.
  const char* problem = nullptr;
  View<uint32_t> inputStart;
  View<double> outputStart;
};

struct FileView {
  // Null when the file is well-formed; otherwise what is wrong, reported when a chunk uses it.
  const char* problem = nullptr;
  View<uint8_t> relocType;
  View<uint32_t> relocOffset;
  View<uint32_t> relocIndex;
  View<double> relocAddend;
  View<double> symValue;
  View<uint8_t> symMode;
  View<int32_t> typeMap;
  std::vector<PiecesView> pieces;
};

struct BufferView {
  const char* problem = nullptr;  // set when the element of `buffers` is not a Uint8Array
  View<uint8_t> bytes;
};

struct PlanView {
  size_t size = 0;
  View<uint32_t> chunks;
  View<double> chunkTombstone;
  View<double> chunkVA;
  std::vector<BufferView> buffers;
  std::vector<FileView> files;
  double tableBase = 0;
};

// A failed execution. The message is `text` with, where `slot` says so, a JS number (formatted by
// the caller with the engine's own Number::toString, so messages match ts.ts exactly) or the word
// `undefined` inserted at `at`.
enum class ErrorKind { Plan, Range, Type };
enum class Slot { None, Number, Undefined };
struct Failure {
  ErrorKind kind = ErrorKind::Plan;
  std::string text;
  Slot slot = Slot::None;
  size_t at = 0;
  double number = 0;
};

// Checks that the chunk table and its side tables have the right lengths (the checks ts.ts does
// before its first chunk). Returns false and fills `fail` if not.
bool checkTables(const PlanView& plan, Failure* fail) noexcept;

// Executes the plan into `out` (plan.size bytes, zero-filled by the caller). Returns false and
// fills `fail` on the first problem, exactly where ts.ts would throw; `out` is then garbage.
// Touches no JS value: safe on any thread while the views stay alive.
bool execute(const PlanView& plan, uint8_t* out, Failure* fail) noexcept;

}  // namespace weld

#endif
