// String-table merging (lib/backend/merge.ts is the reference): splits NUL-terminated string
// chunks into pieces, deduplicates them and lays them out tail-merged the way LLVM's
// StringTableBuilder (kind RAW) does. Plain C++, no Node-API: fuzzed against the TS twin.

#ifndef WELD_NATIVE_MERGE_H
#define WELD_NATIVE_MERGE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weld {

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

struct MergedStrings {
  std::vector<uint8_t> body;
  // Per piece, chunk after chunk: its start in its chunk and its offset in `body`.
  std::vector<uint32_t> starts;
  std::vector<double> offsets;
  // Pieces per chunk.
  std::vector<uint32_t> counts;
};

// Merges the chunks `ranges` names (buffer index, start, length triples into `buffers`) with
// alignment 2^alignLog2 (alignLog2 <= 31). Returns -1 when merged; -2 when the table would exceed
// 0x7fffffff bytes; the index of the first chunk whose last string has no NUL; or -3 - i when
// range i is outside its buffer (then `out` is unspecified). May throw std::bad_alloc.
int64_t mergeStrings(const std::vector<Bytes>& buffers, const uint32_t* ranges, size_t nchunks, uint32_t alignLog2,
                  MergedStrings* out);

}  // namespace weld

#endif
