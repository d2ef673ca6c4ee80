// See merge.h. Every step mirrors lib/backend/merge.ts; the result is unique (the pieces are
// distinct strings, so their order is total), so the two need not share a hash or a sort.

#include "merge.h"

#include <cstddef>
#include <cstring>
#include <utility>

namespace weld {
namespace {

constexpr uint64_t kMaxMergedSize = 0x7fffffff;  // MAX_MERGED_SIZE of merge.ts

struct Piece {
  uint32_t chunk;
  uint32_t start;
  uint32_t len;
};

// A piece as the sort sees it: its last byte and length, so a comparison touches no table.
struct Key {
  const uint8_t* end;  // one past the piece's last byte
  uint32_t len;
  uint32_t uid;
};

// Byte `pos` from the end of k, or -1 past its start (shorter strings sort after the strings
// they are a suffix of).
inline int tailAt(const Key& k, uint32_t pos) { return pos >= k.len ? -1 : k.end[-1 - static_cast<ptrdiff_t>(pos)]; }

// LLVM's three-way radix quicksort on reversed strings, larger first, with an explicit stack:
// the partitions are disjoint, so the order they are sorted in does not matter.
void multikeySort(std::vector<Key>& v) {
  struct Range {
    size_t lo, hi;
    uint32_t pos;
  };
  std::vector<Range> todo{{0, v.size(), 0}};
  while (!todo.empty()) {
    Range r = todo.back();
    todo.pop_back();
    while (r.hi - r.lo > 1) {
      const int pivot = tailAt(v[r.lo], r.pos);
      size_t i = r.lo;
      size_t j = r.hi;
      for (size_t k = r.lo + 1; k < j;) {
        const int c = tailAt(v[k], r.pos);
        if (c > pivot)
          std::swap(v[i++], v[k++]);
        else if (c < pivot)
          std::swap(v[--j], v[k]);
        else
          k++;
      }
      if (i - r.lo > 1) todo.push_back({r.lo, i, r.pos});
      if (r.hi - j > 1) todo.push_back({j, r.hi, r.pos});
      if (pivot == -1) break;
      r = {i, j, r.pos + 1};
    }
  }
}

}  // namespace

int64_t mergeStrings(const std::vector<Bytes>& buffers, const uint32_t* ranges, size_t nchunks, uint32_t alignLog2,
                  MergedStrings* out) {
  std::vector<Bytes> chunks(nchunks);
  for (size_t ci = 0; ci < nchunks; ci++) {
    uint32_t r[3];
    std::memcpy(r, ranges + ci * 3, sizeof r);
    if (r[0] >= buffers.size() || uint64_t{r[1]} + r[2] > buffers[r[0]].size) return -3 - static_cast<int64_t>(ci);
    chunks[ci] = {buffers[r[0]].data + r[1], r[2]};
  }
  out->body.clear();
  out->starts.clear();
  out->offsets.clear();
  out->counts.assign(chunks.size(), 0);

  // Split: every piece ends with its NUL.
  std::vector<Piece> all;
  for (size_t ci = 0; ci < chunks.size(); ci++) {
    const Bytes& b = chunks[ci];
    size_t off = 0;
    while (off < b.size) {
      const void* nul = std::memchr(b.data + off, 0, b.size - off);
      if (!nul) return static_cast<int64_t>(ci);
      const size_t end = static_cast<const uint8_t*>(nul) - b.data;
      all.push_back({static_cast<uint32_t>(ci), static_cast<uint32_t>(off), static_cast<uint32_t>(end + 1 - off)});
      off = end + 1;
    }
    out->counts[ci] = static_cast<uint32_t>(all.size());  // cumulative for now
  }
  for (size_t ci = chunks.size(); ci-- > 1;) out->counts[ci] -= out->counts[ci - 1];

  // Deduplicate: uid per piece, in order of first appearance.
  const size_t total = all.size();
  size_t cap = 16;
  while (cap < total * 2) cap *= 2;
  const size_t mask = cap - 1;
  std::vector<uint32_t> table(cap, UINT32_MAX);
  std::vector<uint32_t> hashes;
  std::vector<Piece> unique;
  std::vector<uint32_t> uidOf(total);
  for (size_t i = 0; i < total; i++) {
    const Piece& p = all[i];
    const uint8_t* s = chunks[p.chunk].data + p.start;
    uint32_t h = 0x811c9dc5u;  // FNV-1a
    for (uint32_t k = 0; k < p.len; k++) h = (h ^ s[k]) * 0x01000193u;
    size_t slot = h & mask;
    uint32_t uid = UINT32_MAX;
    for (;;) {
      const uint32_t u = table[slot];
      if (u == UINT32_MAX) break;
      const Piece& q = unique[u];
      if (hashes[u] == h && q.len == p.len && std::memcmp(chunks[q.chunk].data + q.start, s, p.len) == 0) {
        uid = u;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (uid == UINT32_MAX) {
      uid = static_cast<uint32_t>(unique.size());
      unique.push_back(p);
      hashes.push_back(h);
      table[slot] = uid;
    }
    uidOf[i] = uid;
  }

  const size_t n = unique.size();
  std::vector<Key> order(n);
  for (size_t i = 0; i < n; i++) {
    const Piece& p = unique[i];
    order[i] = {chunks[p.chunk].data + p.start + p.len, p.len, static_cast<uint32_t>(i)};
  }
  multikeySort(order);

  // Place: each string after the previous one, unless it is a suffix of the previously placed
  // string and lands on the alignment.
  const uint64_t align = uint64_t{1} << alignLog2;
  std::vector<uint64_t> off(n);
  std::vector<uint32_t> placed;
  uint64_t size = 0;
  const Piece* prev = nullptr;
  for (size_t k = 0; k < n; k++) {
    const uint32_t u = order[k].uid;
    const Piece& p = unique[u];
    if (prev && prev->len >= p.len) {
      const uint8_t* pe = chunks[prev->chunk].data + prev->start + prev->len;
      const uint8_t* e = chunks[p.chunk].data + p.start + p.len;
      if (std::memcmp(pe - p.len, e - p.len, p.len) == 0) {
        const uint64_t pos = size - p.len;
        if (pos % align == 0) {
          off[u] = pos;
          continue;
        }
      }
    }
    size = (size + align - 1) & ~(align - 1);
    off[u] = size;
    placed.push_back(u);
    size += p.len;
    prev = &p;
  }

  if (size > kMaxMergedSize) return -2;
  out->body.assign(size, 0);
  for (uint32_t u : placed) {
    const Piece& p = unique[u];
    std::memcpy(out->body.data() + off[u], chunks[p.chunk].data + p.start, p.len);
  }
  out->starts.resize(total);
  out->offsets.resize(total);
  for (size_t i = 0; i < total; i++) {
    out->starts[i] = all[i].start;
    out->offsets[i] = static_cast<double>(off[uidOf[i]]);
  }
  return -1;
}

}  // namespace weld
