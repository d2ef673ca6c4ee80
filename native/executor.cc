// The WritePlan executor's core; see executor.h. Every function here mirrors one of ts.ts.

#include "executor.h"

#include <cmath>
#include <cstring>
#include <new>
#include <utility>

namespace weld {
namespace {

// ---- reading the plan ---------------------------------------------------------------------

template <typename T>
inline T at(const View<T>& v, size_t i) {
  T x;
  std::memcpy(&x, v.data + i, sizeof(T));
  return x;
}

// ---- failures -----------------------------------------------------------------------------

// Builds a Failure message piece by piece; integers print as JS prints them (all of them are
// below 2^53, so plain decimal).
class Msg {
 public:
  Msg& operator<<(const char* s) {
    f_.text += s;
    return *this;
  }
  Msg& operator<<(uint64_t n) {
    char buf[24];
    char* p = buf + sizeof buf;
    do {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n);
    f_.text.append(p, buf + sizeof buf);
    return *this;
  }
  // A JS number, formatted later by the engine.
  Msg& number(double v) {
    f_.slot = Slot::Number;
    f_.at = f_.text.size();
    f_.number = v;
    return *this;
  }
  Msg& undefined() {
    f_.slot = Slot::Undefined;
    f_.at = f_.text.size();
    return *this;
  }
  Msg& kind(ErrorKind k) {
    f_.kind = k;
    return *this;
  }
  Failure take() { return std::move(f_); }

 private:
  Failure f_;
};

// Thrown inside this file only; execute() turns it into its Failure out-parameter.
struct Thrown {
  Failure failure;
};

[[noreturn]] void raise(Msg& m) { throw Thrown{m.take()}; }

// ---- JS number semantics --------------------------------------------------------------------

constexpr double kTwo32 = 4294967296.0;
constexpr double kTwo63 = 9223372036854775808.0;

// BigInt.asUintN(64, BigInt(Math.trunc(v))) for a finite v: the integer part modulo 2^64.
inline uint64_t wrap64(double v) {
  if (v > -kTwo63 && v < kTwo63) return static_cast<uint64_t>(static_cast<int64_t>(v));
  // |v| >= 2^63: v is an integer m * 2^(e-53) with a 53-bit m and e >= 64.
  int e = 0;
  const double m = std::frexp(std::fabs(v), &e);
  const uint64_t mant = static_cast<uint64_t>(std::ldexp(m, 53));
  const int shift = e - 53;
  const uint64_t r = shift >= 64 ? 0 : mant << shift;
  return v < 0 ? 0 - r : r;
}

// ToUint32 (v >>> 0): NaN and infinities are 0, everything else is its integer part mod 2^32.
inline uint32_t toUint32(double v) {
  if (v > -kTwo63 && v < kTwo63) return static_cast<uint32_t>(static_cast<uint64_t>(static_cast<int64_t>(v)));
  if (!std::isfinite(v)) return 0;
  return static_cast<uint32_t>(wrap64(v));
}

// ---- encodings (writeI64 and writeLeb10 of ts.ts; the 4- and 5-byte ones are inlined in run) --

inline void putU32(uint8_t* p, uint32_t u) {
  p[0] = static_cast<uint8_t>(u);
  p[1] = static_cast<uint8_t>(u >> 8);
  p[2] = static_cast<uint8_t>(u >> 16);
  p[3] = static_cast<uint8_t>(u >> 24);
}

inline void writeI64(uint8_t* p, double v) {
  // Integral values in range: their two's complement, which is what lo/hi below compute.
  if (v > -kTwo63 && v < kTwo63) {
    const int64_t i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) {
      const uint64_t u = static_cast<uint64_t>(i);
      putU32(p, static_cast<uint32_t>(u));
      putU32(p + 4, static_cast<uint32_t>(u >> 32));
      return;
    }
  }
  // let lo = v % TWO32; if (lo < 0) lo += TWO32; writeI32(lo); writeI32(Math.floor(v / TWO32) >>> 0)
  double lo = std::fmod(v, kTwo32);
  if (lo < 0) lo += kTwo32;
  putU32(p, toUint32(lo));
  putU32(p + 4, toUint32(std::floor(v / kTwo32)));
}

[[noreturn]] void bigIntRangeError(double v) {
  // BigInt(NaN), BigInt(Infinity): V8's RangeError, word for word.
  Msg m;
  m.kind(ErrorKind::Range) << "The number ";
  m.number(v) << " cannot be converted to a BigInt because it is not an integer";
  raise(m);
}

inline void writeLeb10(uint8_t* p, double v, bool isSigned) {
  if (!std::isfinite(v)) bigIntRangeError(v);
  uint64_t b = wrap64(v);
  for (int i = 0; i < 9; i++) {
    p[i] = static_cast<uint8_t>((b & 0x7f) | 0x80);
    b >>= 7;
  }
  // b is now bit 63 alone.
  p[9] = isSigned ? (v < 0 ? 0x7f : 0x00) : static_cast<uint8_t>(b & 0x01);
}

// ---- relocation tables (RELOC_SLOT, RELOC_ENCODING, ENCODING_WIDTH of types.ts) --------------

constexpr int kNumRelocTypes = 27;
constexpr int kSlotTypeIndex = -1;

constexpr int8_t kRelocSlot[kNumRelocTypes] = {
    0, 1, 1, 0, 0, 0, kSlotTypeIndex, 3, 2, 0, 0, 0, 1, 3, 0, 0, 0, 0, 1, 1, 0, 0, 2, 0, 1, 0, 0,
};

enum Enc : uint8_t { ULEB5 = 0, ULEB10 = 1, SLEB5 = 2, SLEB10 = 3, I32 = 4, I64 = 5 };

constexpr uint8_t kRelocEncoding[kNumRelocTypes] = {
    ULEB5,  SLEB5,  I32,   ULEB5, SLEB5,  I32,    ULEB5, ULEB5,  I32, I32,  ULEB5, SLEB5, SLEB5, I32,
    ULEB10, SLEB10, I64,   SLEB10, SLEB10, I64,   ULEB5, SLEB5,  I64, I32,  SLEB10, SLEB10, I32,
};

// TABLE_INDEX_REL_SLEB(64) (12, 24) subtract --table-base; MEMORY_ADDR_LOCREL_I32 (23) the
// relocation's own address.
constexpr bool kRelative[kNumRelocTypes] = {
    false, false, false, false, false, false, false, false, false, false, false, false, true,  false,
    false, false, false, false, false, false, false, false, false, true,  true,  false, false,
};

constexpr uint8_t kEncodingWidth[6] = {5, 10, 5, 10, 4, 8};

constexpr uint8_t MODE_VALUE = 0;
constexpr uint8_t MODE_ZERO = 1;
constexpr uint8_t MODE_DEAD = 2;
constexpr uint8_t MODE_PIECES = 3;

// mapPieces of ts.ts: the same binary search, the same double comparisons.
double mapPieces(const PiecesView& pieces, double addend) {
  const View<uint32_t>& pin = pieces.inputStart;
  double lo = 0;
  double hi = static_cast<double>(pin.size);
  while (lo < hi) {
    // (lo + hi) >>> 1
    const uint32_t mid = toUint32(lo + hi) >> 1;
    if (static_cast<double>(at(pin, mid)) <= addend)
      lo = static_cast<double>(mid) + 1;
    else
      hi = static_cast<double>(mid);
  }
  if (lo == 0) {
    Msg m;
    m << "merged-string offset ";
    m.number(addend) << " before the first piece";
    raise(m);
  }
  const size_t i = static_cast<size_t>(lo) - 1;
  // outputStart[i] is undefined past its end: undefined + x is NaN.
  const double out = i < pieces.outputStart.size ? at(pieces.outputStart, i) : NAN;
  return out + (addend - static_cast<double>(at(pin, i)));
}

void run(const PlanView& plan, uint8_t* out) {
  const size_t size = plan.size;
  const size_t nchunks = plan.chunks.size / kChunkStride;
  const double tableBase = plan.tableBase;
  const size_t nbuffers = plan.buffers.size();
  const size_t nfiles = plan.files.size();
  const uint8_t* const outEnd = out + size;

  for (size_t c = 0; c < nchunks; c++) {
    uint32_t row[kChunkStride];
    std::memcpy(row, plan.chunks.data + c * kChunkStride, sizeof row);
    const uint32_t bi = row[0];
    const uint64_t src = row[1];
    const uint64_t len = row[2];
    const uint64_t dst = row[3];
    if (bi >= nbuffers) {
      Msg m;
      m << "chunk " << c << ": buffer " << bi << " out of range";
      raise(m);
    }
    const BufferView& buf = plan.buffers[bi];
    if (buf.problem) {
      Msg m;
      m << "chunk " << c << ": buffer " << bi << " " << buf.problem;
      raise(m);
    }
    if (src + len > buf.bytes.size) {
      Msg m;
      m << "chunk " << c << ": source range " << src << "+" << len << " outside buffer " << bi << " (" << buf.bytes.size
        << " bytes)";
      raise(m);
    }
    if (dst + len > size) {
      Msg m;
      m << "chunk " << c << ": destination range " << dst << "+" << len << " outside the output (" << size << " bytes)";
      raise(m);
    }
    if (len) std::memcpy(out + dst, buf.bytes.data + src, len);

    const uint32_t fi = row[4];
    if (fi == kNoFile) continue;
    if (fi >= nfiles) {
      Msg m;
      m << "chunk " << c << ": file " << fi << " out of range";
      raise(m);
    }
    const FileView& f = plan.files[fi];
    if (f.problem) {
      Msg m;
      m << "chunk " << c << ": file " << fi << " " << f.problem;
      raise(m);
    }
    const uint64_t rs = row[5];
    const uint64_t re = row[6];
    if (rs > re || re > f.relocType.size || re > f.relocOffset.size || re > f.relocIndex.size ||
        re > f.relocAddend.size) {
      Msg m;
      m << "chunk " << c << ": relocation range " << rs << ".." << re << " out of range";
      raise(m);
    }
    const uint32_t inputOffset = row[7];
    const double tomb = at(plan.chunkTombstone, c);
    const double chunkVA = at(plan.chunkVA, c);
    // Locals, not f's members: the output writes below are uint8_t stores, which may alias
    // anything, so members would be reloaded after every one.
    const View<uint8_t> relocType = f.relocType;
    const View<uint32_t> relocOffset = f.relocOffset;
    const View<uint32_t> relocIndex = f.relocIndex;
    const View<double> relocAddend = f.relocAddend;
    const View<double> symValue = f.symValue;
    const View<uint8_t> symMode = f.symMode;
    const View<int32_t> typeMap = f.typeMap;
    const size_t nmode = symMode.size;
    const size_t nvalue = symValue.size;
    uint8_t* const base = out + dst;

    for (uint64_t r = rs; r < re; r++) {
      const uint8_t type = at(relocType, r);
      if (type >= kNumRelocTypes) {
        Msg m;
        m << "chunk " << c << ": relocation " << r << " has invalid type " << uint64_t{type};
        raise(m);
      }
      const uint32_t off = at(relocOffset, r);
      const uint8_t enc = kRelocEncoding[type];
      const uint64_t rel = static_cast<uint64_t>(off) - inputOffset;  // meaningful once off >= inputOffset
      if (off < inputOffset || rel + kEncodingWidth[enc] > len) {
        Msg m;
        m << "chunk " << c << ": relocation " << r << " at " << uint64_t{off} << " is outside the chunk";
        raise(m);
      }
      const uint32_t idx = at(relocIndex, r);
      const double addend = at(relocAddend, r);
      const int slot = kRelocSlot[type];
      double v;
      if (slot < 0) {
        if (idx >= typeMap.size) {
          Msg m;
          m << "chunk " << c << ": relocation " << r << " type index " << uint64_t{idx} << " out of range";
          raise(m);
        }
        v = at(typeMap, idx);
      } else {
        // idx >= symMode.length / SLOTS, exactly.
        if (static_cast<uint64_t>(idx) * kSlots >= nmode) {
          Msg m;
          m << "chunk " << c << ": relocation " << r << " symbol " << uint64_t{idx} << " out of range";
          raise(m);
        }
        const size_t k = static_cast<size_t>(idx) * kSlots + static_cast<size_t>(slot);
        // symMode[k] and symValue[k] may be past the end when a table's length is not a multiple
        // of SLOTS (or symValue is short): in JS they read as undefined.
        if (k >= nmode) {
          Msg m;
          m << "chunk " << c << ": relocation " << r << " has invalid mode ";
          m.undefined();
          raise(m);
        }
        const uint8_t mode = at(symMode, k);
        if (mode == MODE_VALUE) {
          v = (k < nvalue ? at(symValue, k) : NAN) + addend;
          if (kRelative[type]) {
            if (type == 12 || type == 24)
              v -= tableBase;
            else
              v -= chunkVA + static_cast<double>(rel);  // 23
          }
        } else if (mode == MODE_ZERO) {
          v = 0;
        } else if (mode == MODE_DEAD) {
          v = tomb != 0 ? tomb : addend;
        } else if (mode == MODE_PIECES) {
          const size_t npieces = f.pieces.size();
          if (k >= nvalue) {
            Msg m;
            m << "chunk " << c << ": relocation " << r << " pieces ";
            m.undefined() << " out of range";
            raise(m);
          }
          const double pi = at(symValue, k);
          if (!(pi >= 0 && pi < static_cast<double>(npieces))) {
            Msg m;
            m << "chunk " << c << ": relocation " << r << " pieces ";
            m.number(pi) << " out of range";
            raise(m);
          }
          const size_t pidx = static_cast<size_t>(pi);
          if (static_cast<double>(pidx) != pi) {
            // f.pieces[1.5] is undefined, and mapPieces reads undefined.inputStart.
            Msg m;
            m.kind(ErrorKind::Type) << "Cannot read properties of undefined (reading 'inputStart')";
            raise(m);
          }
          const PiecesView& pv = f.pieces[pidx];
          if (pv.problem) {
            Msg m;
            m << "chunk " << c << ": relocation " << r << " pieces " << uint64_t{pidx} << " " << pv.problem;
            raise(m);
          }
          v = mapPieces(pv, addend);
        } else {
          Msg m;
          m << "chunk " << c << ": relocation " << r << " has invalid mode " << uint64_t{mode};
          raise(m);
        }
      }
      uint8_t* const p = base + rel;
      if (enc == ULEB5 || enc == SLEB5 || enc == I32) {
        // The 4- and 5-byte encodings, which are nearly all of them, without a branch on which
        // one: they share the first four bytes of ToUint32(v) (LEB groups, or the word itself),
        // and a LEB's fifth byte is bits 28.. (masked to 4 bits unsigned, 7 bits signed).
        const uint32_t u = toUint32(v);
        const uint32_t leb =
            (u & 0x7f) | ((u << 1) & 0x7f00) | ((u << 2) & 0x7f0000) | ((u << 3) & 0x7f000000) | 0x80808080u;
        const bool word = enc == I32;
        putU32(p, word ? u : leb);
        const uint8_t fifth = static_cast<uint8_t>((static_cast<int32_t>(u) >> 28) & (enc == SLEB5 ? 0x7f : 0x0f));
        // An I32 leaves the byte after it as it is: rewrite it with its own value (it is inside
        // the output, and nothing else writes it meanwhile).
        if (p + 4 < outEnd) p[4] = word ? p[4] : fifth;
        continue;
      }
      switch (enc) {
        case I64:
          writeI64(p, v);
          break;
        case ULEB10:
          writeLeb10(p, v, false);
          break;
        case SLEB10:
          writeLeb10(p, v, true);
          break;
        default:
          break;
      }
    }
  }
}

}  // namespace

bool checkTables(const PlanView& plan, Failure* fail) noexcept {
  try {
    if (plan.chunks.size % kChunkStride != 0) {
      Msg m;
      m << "chunk table length is not a multiple of its stride";
      raise(m);
    }
    const size_t nchunks = plan.chunks.size / kChunkStride;
    if (plan.chunkTombstone.size < nchunks || plan.chunkVA.size < nchunks) {
      Msg m;
      m << "chunk side tables are too short";
      raise(m);
    }
    return true;
  } catch (Thrown& t) {
    *fail = std::move(t.failure);
  } catch (...) {
    fail->kind = ErrorKind::Range;
    fail->text = "out of memory";
  }
  return false;
}

bool execute(const PlanView& plan, uint8_t* out, Failure* fail) noexcept {
  if (!checkTables(plan, fail)) return false;
  try {
    run(plan, out);
    return true;
  } catch (Thrown& t) {
    *fail = std::move(t.failure);
  } catch (...) {
    fail->kind = ErrorKind::Range;
    fail->text = "out of memory";
    fail->slot = Slot::None;
  }
  return false;
}

}  // namespace weld
