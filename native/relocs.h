// Relocation-section decoding, the fast path of readRelocations in lib/input/object.ts (the
// reference): decodes one reloc.* section's entries into the object's typed arrays, checking
// what the reference checks. It succeeds only on input it is sure about; on anything else
// (a malformed entry, or an encoding it does not take: LEBs longer than 5 bytes, or 8 for
// 64-bit addends) it reports failure and the caller runs the reference, which then accepts the
// section or words the error. Plain C++, no Node-API: fuzzed against the reference.

#ifndef WELD_NATIVE_RELOCS_H
#define WELD_NATIVE_RELOCS_H

#include <cstddef>
#include <cstdint>

namespace weld {

struct RelocInput {
  const uint8_t* bytes = nullptr;  // the section's entries: [bytes, bytes + size)
  size_t size = 0;
  uint64_t count = 0;              // entries the section declares
  uint64_t secSize = 0;            // size of the target section (offset + width must fit)
  uint64_t ntypes = 0;             // the object's type count (TYPE_INDEX_LEB)
  const uint8_t* symKind = nullptr;  // the object's symbol kinds (SYMTAB_*)
  size_t nsyms = 0;
  bool keep = false;               // store the entries (code, data, custom targets) or only check
};

struct RelocOutput {
  uint8_t* type = nullptr;
  uint32_t* offset = nullptr;
  uint32_t* index = nullptr;
  double* addend = nullptr;
  size_t capacity = 0;             // entries the four arrays hold
  size_t k = 0;                    // first entry to write
  uint8_t* calledDirectly = nullptr;  // nsyms entries
};

// Decodes the section. Returns the index after the last entry written (k + count when keep,
// else k), or -1 when the reference must decide.
int64_t decodeRelocs(const RelocInput& in, const RelocOutput& out) noexcept;

}  // namespace weld

#endif
