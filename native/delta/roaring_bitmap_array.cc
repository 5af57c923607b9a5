// Serializes deleted row indexes as Delta's RoaringBitmapArray (PROTOCOL.md
// "Deletion Vector Format"), the portable layout src/delta/deletion-vector.ts
// reads: magic number (u32 LE), bucket count (u64 LE), and per 2^32 bucket
// its key (u32 LE) and a 32-bit Roaring bitmap in the portable serialization
// without run containers: cookie 12346, container count, (key, cardinality-1)
// u16 pairs, u32 offsets from the bitmap's start, then per container either a
// bitmap of 2^16 bits (more than 4096 values) or its sorted u16 values.
//   roaringBitmapArray(rows: Uint32Array) → Uint8Array
//     rows ascending and distinct (a RangeError names the first that is not).
// A single pass over the rows (the JavaScript version made three, cold, on
// the commit path of every deletion-vector MERGE).
#include "delta/roaring_bitmap_array.h"

#include <cstring>
#include <string>
#include <vector>

namespace tributary::delta {

namespace {

constexpr uint32_t kMagic = 1681511377;
constexpr uint32_t kCookieNoRunContainer = 12346;
constexpr size_t kArrayMax = 4096;

void PutU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

Napi::Value RoaringBitmapArrayJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    throw Napi::TypeError::New(env, "roaringBitmapArray: rows must be a Uint32Array");
  auto rows_js = info[0].As<Napi::Uint32Array>();
  const uint32_t* rows = rows_js.Data();
  const size_t n = rows_js.ElementLength();

  // Containers: runs of rows sharing their high 16 bits.
  struct Container {
    uint16_t key;
    size_t start, end;
  };
  std::vector<Container> containers;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && rows[i] <= rows[i - 1])
      throw Napi::RangeError::New(env, "Deletion vector rows must be ascending and distinct (row " + std::to_string(rows[i]) + " after " + std::to_string(rows[i - 1]) + ")");
    const uint16_t key = static_cast<uint16_t>(rows[i] >> 16);
    if (containers.empty() || containers.back().key != key) containers.push_back({key, i, i});
    containers.back().end = i + 1;
  }
  auto body = [](const Container& c) { return c.end - c.start > kArrayMax ? size_t{8192} : (c.end - c.start) * 2; };
  const size_t header = 8 + containers.size() * 8;
  size_t bitmap = header;
  for (const auto& c : containers) bitmap += body(c);
  const size_t buckets = n == 0 ? 0 : 1;
  auto out_js = Napi::Uint8Array::New(env, 12 + buckets * (4 + bitmap));
  uint8_t* out = out_js.Data();
  std::memset(out, 0, out_js.ByteLength());
  PutU32(out, kMagic);
  PutU32(out + 4, static_cast<uint32_t>(buckets));  // u64 LE: the high word stays 0
  if (buckets == 0) return out_js;
  // Bucket key 0 (bytes 12..15): the high 32 bits of every row index below 2^32.
  uint8_t* base = out + 16;
  PutU32(base, kCookieNoRunContainer);
  PutU32(base + 4, static_cast<uint32_t>(containers.size()));
  size_t offset = header;
  for (size_t i = 0; i < containers.size(); ++i) {
    const auto& c = containers[i];
    PutU16(base + 8 + i * 4, c.key);
    PutU16(base + 8 + i * 4 + 2, static_cast<uint16_t>(c.end - c.start - 1));
    PutU32(base + 8 + containers.size() * 4 + i * 4, static_cast<uint32_t>(offset));
    offset += body(c);
  }
  uint8_t* pos = base + header;
  for (const auto& c : containers) {
    if (c.end - c.start > kArrayMax) {
      for (size_t i = c.start; i < c.end; ++i) {
        const uint32_t low = rows[i] & 0xffff;
        pos[low >> 3] |= static_cast<uint8_t>(1u << (low & 7));
      }
      pos += 8192;
    } else {
      for (size_t i = c.start; i < c.end; ++i, pos += 2) PutU16(pos, static_cast<uint16_t>(rows[i] & 0xffff));
    }
  }
  return out_js;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("roaringBitmapArray", Napi::Function::New(env, RoaringBitmapArrayJs, "roaringBitmapArray"));
}

}  // namespace tributary::delta
