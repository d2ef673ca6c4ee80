// See relocs.h. The tables mirror lib/input/wasm.ts (RELOC_WIDTH, relocHasAddend, relocIs64,
// relocSymbolKind; test/kernels.test.ts checks every type against them) and the checks mirror
// readRelocations, in its order.

#include "relocs.h"

namespace weld {
namespace {

constexpr uint32_t kMaxType = 26;  // R_WASM_FUNCTION_INDEX_I32

constexpr uint8_t kWidth[kMaxType + 1] = {5, 5, 4, 5, 5, 4, 5, 5, 4, 4, 5, 5, 5, 4, 10, 10, 8, 10, 10, 8, 5, 5, 8, 4, 10, 10, 4};

// 0: no addend, 32 or 64: a varint32/varint64 addend.
constexpr uint8_t kAddendBits[kMaxType + 1] = {
    0,  0,  0,  32, 32, 32, 0, 0, 32, 32, 0,  32, 0, 0,  // 0..13
    64, 64, 64, 64, 0,  0,  0, 32, 64, 32, 0,  64, 0,    // 14..26
};

// SYMTAB_FUNCTION 0, DATA 1, GLOBAL 2, SECTION 3, TAG 4, TABLE 5; -1: a type index.
constexpr int8_t kSymKind[kMaxType + 1] = {
    0, 0, 0, 1, 1, 1, -1, 2, 0, 3, 4, 1, 0, 2, 1, 1, 1, 1, 0, 0, 5, 1, 0, 1, 0, 1, 0,
};

// A varuint32 of at most 5 bytes; false for anything the reference should judge.
inline bool uleb32(const uint8_t*& p, const uint8_t* end, uint32_t* v) {
  uint64_t r = 0;
  for (int i = 0; i < 5; i++) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    r |= uint64_t{b & 0x7fu} << (7 * i);
    if (!(b & 0x80)) {
      if (r > 0xffffffffu) return false;
      *v = static_cast<uint32_t>(r);
      return true;
    }
  }
  return false;
}

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;

// A varint of at most 5 bytes (32) or 8 bytes (64), and a safe integer.
inline bool sleb(const uint8_t*& p, const uint8_t* end, int bits, double* v) {
  const int maxBytes = bits == 32 ? 5 : 8;
  int64_t r = 0;
  for (int i = 0; i < maxBytes; i++) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    r |= static_cast<int64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      const int shift = 7 * (i + 1);
      if ((b & 0x40) && shift < 64) r -= int64_t{1} << shift;
      if (bits == 32 && (r < INT32_MIN || r > INT32_MAX)) return false;
      // Number.isSafeInteger, as the reference requires.
      if (r > kMaxSafe || r < -kMaxSafe) return false;
      *v = static_cast<double>(r);
      return true;
    }
  }
  return false;
}

}  // namespace

int64_t decodeRelocs(const RelocInput& in, const RelocOutput& out) noexcept {
  const uint8_t* p = in.bytes;
  const uint8_t* const end = in.bytes + in.size;
  size_t k = out.k;
  if (in.keep && (k > out.capacity || in.count > out.capacity - k)) return -1;
  uint32_t prev = 0;
  for (uint64_t i = 0; i < in.count; i++) {
    uint32_t type, offset, index;
    if (!uleb32(p, end, &type) || !uleb32(p, end, &offset) || !uleb32(p, end, &index)) return -1;
    if (type > kMaxType) return -1;
    double addend = 0;
    if (kAddendBits[type] && !sleb(p, end, kAddendBits[type], &addend)) return -1;
    if (offset < prev) return -1;
    prev = offset;
    const int kind = kSymKind[type];
    if (kind < 0) {
      if (index >= in.ntypes) return -1;
    } else {
      if (index >= in.nsyms) return -1;
      const uint8_t sk = in.symKind[index];
      // GLOBAL_INDEX relocations may also name data and function symbols (GOT entries).
      if (!(sk == kind || (kind == 2 && (sk == 1 || sk == 0)))) return -1;
      if (type == 0) out.calledDirectly[index] = 1;
    }
    if (uint64_t{offset} + kWidth[type] > in.secSize) return -1;
    if (!in.keep) continue;
    out.type[k] = static_cast<uint8_t>(type);
    out.offset[k] = offset;
    out.index[k] = index;
    out.addend[k] = addend;
    k++;
  }
  if (p != end) return -1;  // "reloc section ended prematurely" (bytes left over)
  return static_cast<int64_t>(k);
}

}  // namespace weld
