// JS boundary and loops of the row gather (synchronous; one output file's rows):
//   gatherPlan(batchOf, rowOf, rows: Uint32Array) → { batch, row, dest: Uint32Array }
//     the rows sorted by global row number (reads then stream through the
//     inputs), each resolved to its batch and local row, with its output position.
//   gatherFixed(values: TypedArray[], width, batch, row, dest, out: Uint8Array)
//     out[dest·width…] = values[batch][row·width…], for every plan entry.
//   gatherBits(maps: Uint8Array[], batch, row, dest, out: Uint8Array) → zero bits
//     copies bit `row` of maps[batch] to bit `dest` of out (an empty map reads as
//     all ones: a part without a validity map); returns how many bits were 0.
//   gatherBytes(offsets: Int32Array[], values: Uint8Array[], batch, row, dest) → { offsets: Int32Array, data: Uint8Array }
// and the same from one source by row list (output position = list position;
// no plan to build when the rows come from one batch, as in takes and filters):
//   takeFixed(values: TypedArray, width, rows: Uint32Array, out: Uint8Array)
//   takeBits(map: Uint8Array, rows, out: Uint8Array) → zero bits (an empty map reads as all ones)
//   takeBytes(offsets: Int32Array, values: Uint8Array, rows) → { offsets: Int32Array, data: Uint8Array }
//   maskRows(mask: Uint8Array, length) → Uint32Array: the rows i < length with mask[i] === 1
//   ascendingRows(parts: Int32Array[], n) → Int32Array: every row of the parts (each < n,
//     repeats kept) in ascending order, by counting
// Every index is checked against its buffer before any copy, so bad input is a
// TypeError/RangeError, never an out-of-bounds read.
#include "maintenance/gather.h"

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tributary::maintenance::gather {

namespace {

struct View {
  uint8_t* data = nullptr;
  size_t size = 0;
};

View ViewOf(Napi::Env env, Napi::Value v, const char* fn, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string(fn) + ": " + what + " must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  return {static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
}

std::vector<View> ViewList(Napi::Env env, Napi::Value v, const char* fn, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(fn) + ": " + what + " must be an array of typed arrays");
  auto a = v.As<Napi::Array>();
  std::vector<View> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = ViewOf(env, a.Get(i), fn, what);
  return out;
}

struct U32 {
  const uint32_t* data = nullptr;
  size_t length = 0;
};

U32 U32Of(Napi::Env env, Napi::Value v, const char* fn, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    throw Napi::TypeError::New(env, std::string(fn) + ": " + what + " must be a Uint32Array");
  auto ta = v.As<Napi::Uint32Array>();
  return {ta.Data(), ta.ElementLength()};
}

// The plan (batch, row, dest) of arguments first..first+2, all the same length.
struct Plan {
  U32 batch, row, dest;
  size_t n = 0;
};

Plan PlanOf(const Napi::CallbackInfo& info, size_t first, const char* fn) {
  Napi::Env env = info.Env();
  Plan p{U32Of(env, info[first], fn, "batch"), U32Of(env, info[first + 1], fn, "row"), U32Of(env, info[first + 2], fn, "dest")};
  p.n = p.batch.length;
  if (p.row.length != p.n || p.dest.length != p.n) throw Napi::RangeError::New(env, std::string(fn) + ": batch, row and dest differ in length");
  return p;
}

// The copies shared by gathers (plan entries over several sources) and takes
// (a row list of one source). `at(j)` names entry j's source value and its
// output position; the callers check every index first.

// out[dest·w…] = value bytes, w bytes each (a fixed width when it is a common one).
template <typename At>  // At(j) → std::pair<const uint8_t* value, size_t dest>
void CopyFixed(size_t n, size_t w, uint8_t* out, At at) {
  auto copy = [&](auto width_const) {
    constexpr size_t kW = decltype(width_const)::value;
    for (size_t j = 0; j < n; ++j) {
      const auto [value, dest] = at(j);
      std::memcpy(out + dest * kW, value, kW);
    }
  };
  switch (w) {
    case 1: copy(std::integral_constant<size_t, 1>{}); break;
    case 2: copy(std::integral_constant<size_t, 2>{}); break;
    case 4: copy(std::integral_constant<size_t, 4>{}); break;
    case 8: copy(std::integral_constant<size_t, 8>{}); break;
    case 16: copy(std::integral_constant<size_t, 16>{}); break;
    default:
      for (size_t j = 0; j < n; ++j) {
        const auto [value, dest] = at(j);
        std::memcpy(out + dest * w, value, w);
      }
  }
}

// Bit `row` of `map` to bit `dest` of out (an empty map reads as all ones); returns how many bits were 0.
struct BitEntry {
  const View* map;
  uint32_t row;
  uint32_t dest;
};

template <typename At>  // At(j) → BitEntry
double CopyBits(size_t n, uint8_t* out, At at) {
  double zeros = 0;
  for (size_t j = 0; j < n; ++j) {
    const BitEntry e = at(j);
    if (e.map->size == 0 || ((e.map->data[e.row >> 3] >> (e.row & 7)) & 1)) out[e.dest >> 3] |= static_cast<uint8_t>(1u << (e.dest & 7));
    else zeros += 1;
  }
  return zeros;
}

// Value `row` of (offsets, values) to output position `dest` (each position once): { offsets, data }.
struct ByteEntry {
  const View* offsets;
  const View* values;
  uint32_t row;
  uint32_t dest;
};

template <typename At, typename Name>  // At(j) → ByteEntry; Name(j) → what entry j is, for errors
Napi::Object CopyBytes(Napi::Env env, const char* fn, const char* what, size_t n, At at, Name name) {
  auto out_offsets = Napi::Int32Array::New(env, n + 1);
  int32_t* o = out_offsets.Data();
  o[0] = 0;
  for (size_t j = 0; j < n; ++j) {
    const ByteEntry e = at(j);
    int32_t ab[2];
    std::memcpy(ab, e.offsets->data + static_cast<size_t>(e.row) * 4, 8);
    if (ab[0] < 0 || ab[1] < ab[0] || static_cast<size_t>(ab[1]) > e.values->size)
      throw Napi::RangeError::New(env, std::string(fn) + ": offsets of " + name(j) + " are out of range");
    o[e.dest + 1] = ab[1] - ab[0];
  }
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    total += o[i + 1];
    if (total > 0x7fffffff) throw Napi::RangeError::New(env, std::string(fn) + ": more than 2 GiB of values in one " + what);
    o[i + 1] = static_cast<int32_t>(total);
  }
  auto data = Napi::Uint8Array::New(env, static_cast<size_t>(total));
  uint8_t* d = data.Data();
  for (size_t j = 0; j < n; ++j) {
    const ByteEntry e = at(j);
    int32_t a;
    std::memcpy(&a, e.offsets->data + static_cast<size_t>(e.row) * 4, 4);
    // The length the output holds for this position (the same as the entry's, as each position is written once).
    std::memcpy(d + o[e.dest], e.values->data + a, static_cast<size_t>(o[e.dest + 1] - o[e.dest]));
  }
  auto out = Napi::Object::New(env);
  out.Set("offsets", out_offsets);
  out.Set("data", data);
  return out;
}

// Every row of a row list below `limit` (the rows a source holds).
void CheckRows(Napi::Env env, const U32& rows, size_t limit, const char* fn) {
  for (size_t j = 0; j < rows.length; ++j)
    if (rows.data[j] >= limit) throw Napi::RangeError::New(env, std::string(fn) + ": row " + std::to_string(rows.data[j]) + " is out of range");
}

// A fixed value width in bytes (1 to 64).
size_t WidthOf(Napi::Env env, Napi::Value v, const char* fn) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(fn) + ": width must be a number");
  const int64_t width = v.As<Napi::Number>().Int64Value();
  if (width < 1 || width > 64) throw Napi::RangeError::New(env, std::string(fn) + ": width must be 1 to 64 bytes");
  return static_cast<size_t>(width);
}

Napi::Value GatherPlanJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gatherPlan";
  const U32 batch_of = U32Of(env, info[0], fn, "batchOf");
  const U32 row_of = U32Of(env, info[1], fn, "rowOf");
  const U32 rows = U32Of(env, info[2], fn, "rows");
  if (row_of.length != batch_of.length) throw Napi::RangeError::New(env, "gatherPlan: batchOf and rowOf differ in length");
  const size_t n = rows.length;
  CheckRows(env, rows, batch_of.length, fn);
  // (global row, position) pairs in ascending row order: two 16-bit LSD radix passes (stable).
  std::vector<uint64_t> a(n), b(n);
  for (size_t i = 0; i < n; ++i) a[i] = (static_cast<uint64_t>(rows.data[i]) << 32) | i;
  for (int shift = 32; shift < 64; shift += 16) {
    std::vector<size_t> count(65537, 0);
    for (uint64_t x : a) ++count[((x >> shift) & 0xffff) + 1];
    for (size_t k = 1; k < count.size(); ++k) count[k] += count[k - 1];
    for (uint64_t x : a) b[count[(x >> shift) & 0xffff]++] = x;
    a.swap(b);
  }
  auto batch = Napi::Uint32Array::New(env, n);
  auto row = Napi::Uint32Array::New(env, n);
  auto dest = Napi::Uint32Array::New(env, n);
  for (size_t j = 0; j < n; ++j) {
    const uint32_t g = static_cast<uint32_t>(a[j] >> 32);
    batch[j] = batch_of.data[g];
    row[j] = row_of.data[g];
    dest[j] = static_cast<uint32_t>(a[j]);
  }
  auto out = Napi::Object::New(env);
  out.Set("batch", batch);
  out.Set("row", row);
  out.Set("dest", dest);
  return out;
}

Napi::Value GatherFixedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gatherFixed";
  const auto srcs = ViewList(env, info[0], fn, "values");
  const size_t w = WidthOf(env, info[1], fn);
  const Plan p = PlanOf(info, 2, fn);
  const View out = ViewOf(env, info[5], fn, "out");
  for (size_t j = 0; j < p.n; ++j) {
    const uint32_t bi = p.batch.data[j];
    if (bi >= srcs.size() || (static_cast<size_t>(p.row.data[j]) + 1) * w > srcs[bi].size || (static_cast<size_t>(p.dest.data[j]) + 1) * w > out.size)
      throw Napi::RangeError::New(env, "gatherFixed: plan entry " + std::to_string(j) + " is out of range");
  }
  CopyFixed(p.n, w, out.data, [&](size_t j) { return std::pair<const uint8_t*, size_t>(srcs[p.batch.data[j]].data + p.row.data[j] * w, p.dest.data[j]); });
  return env.Undefined();
}

Napi::Value GatherBitsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gatherBits";
  const auto maps = ViewList(env, info[0], fn, "maps");
  const Plan p = PlanOf(info, 1, fn);
  const View out = ViewOf(env, info[4], fn, "out");
  for (size_t j = 0; j < p.n; ++j) {
    const uint32_t bi = p.batch.data[j];
    if (bi >= maps.size() || (maps[bi].size != 0 && (p.row.data[j] >> 3) >= maps[bi].size) || (p.dest.data[j] >> 3) >= out.size)
      throw Napi::RangeError::New(env, "gatherBits: plan entry " + std::to_string(j) + " is out of range");
  }
  return Napi::Number::New(env, CopyBits(p.n, out.data, [&](size_t j) { return BitEntry{&maps[p.batch.data[j]], p.row.data[j], p.dest.data[j]}; }));
}

Napi::Value GatherBytesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gatherBytes";
  const auto offs = ViewList(env, info[0], fn, "offsets");
  const auto vals = ViewList(env, info[1], fn, "values");
  if (offs.size() != vals.size()) throw Napi::RangeError::New(env, "gatherBytes: offsets and values differ in length");
  const Plan p = PlanOf(info, 2, fn);
  for (size_t j = 0; j < p.n; ++j) {
    const uint32_t bi = p.batch.data[j];
    if (bi >= offs.size() || (static_cast<size_t>(p.row.data[j]) + 2) * 4 > offs[bi].size || p.dest.data[j] >= p.n)
      throw Napi::RangeError::New(env, "gatherBytes: plan entry " + std::to_string(j) + " is out of range");
  }
  return CopyBytes(
      env, fn, "gather", p.n, [&](size_t j) { return ByteEntry{&offs[p.batch.data[j]], &vals[p.batch.data[j]], p.row.data[j], p.dest.data[j]}; },
      [](size_t j) { return "plan entry " + std::to_string(j); });
}

Napi::Value TakeFixedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "takeFixed";
  const View src = ViewOf(env, info[0], fn, "values");
  const size_t w = WidthOf(env, info[1], fn);
  const U32 rows = U32Of(env, info[2], fn, "rows");
  const View out = ViewOf(env, info[3], fn, "out");
  CheckRows(env, rows, src.size / w, fn);
  if (rows.length * w > out.size) throw Napi::RangeError::New(env, "takeFixed: out is too small");
  CopyFixed(rows.length, w, out.data, [&](size_t j) { return std::pair<const uint8_t*, size_t>(src.data + rows.data[j] * w, j); });
  return env.Undefined();
}

Napi::Value TakeBitsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "takeBits";
  const View map = ViewOf(env, info[0], fn, "map");
  const U32 rows = U32Of(env, info[1], fn, "rows");
  const View out = ViewOf(env, info[2], fn, "out");
  if (map.size != 0) CheckRows(env, rows, map.size * 8, fn);
  if ((rows.length + 7) / 8 > out.size) throw Napi::RangeError::New(env, "takeBits: out is too small");
  return Napi::Number::New(env, CopyBits(rows.length, out.data, [&](size_t j) { return BitEntry{&map, rows.data[j], static_cast<uint32_t>(j)}; }));
}

Napi::Value TakeBytesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "takeBytes";
  const View offs = ViewOf(env, info[0], fn, "offsets");
  const View vals = ViewOf(env, info[1], fn, "values");
  const U32 rows = U32Of(env, info[2], fn, "rows");
  const size_t n = rows.length;
  const size_t source_rows = offs.size >= 4 ? offs.size / 4 - 1 : 0;
  CheckRows(env, rows, source_rows, fn);
  return CopyBytes(
      env, fn, "take", n, [&](size_t j) { return ByteEntry{&offs, &vals, rows.data[j], static_cast<uint32_t>(j)}; },
      [&](size_t j) { return "row " + std::to_string(rows.data[j]); });
}

Napi::Value MaskRowsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const View mask = ViewOf(env, info[0], "maskRows", "mask");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "maskRows: length must be a number");
  const int64_t length = info[1].As<Napi::Number>().Int64Value();
  if (length < 0 || static_cast<size_t>(length) > mask.size) throw Napi::RangeError::New(env, "maskRows: length exceeds the mask");
  size_t count = 0;
  for (int64_t i = 0; i < length; ++i) count += mask.data[i] == 1;
  auto rows = Napi::Uint32Array::New(env, count);
  uint32_t* r = rows.Data();
  for (int64_t i = 0, k = 0; i < length; ++i)
    if (mask.data[i] == 1) r[k++] = static_cast<uint32_t>(i);
  return rows;
}

Napi::Value AscendingRowsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "ascendingRows";
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "ascendingRows: parts must be an array of Int32Array");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "ascendingRows: n must be a number");
  const int64_t n = info[1].As<Napi::Number>().Int64Value();
  if (n < 0 || n > 2147483647) throw Napi::RangeError::New(env, "ascendingRows: n must be in [0, 2^31)");
  auto parts_js = info[0].As<Napi::Array>();
  std::vector<std::pair<const int32_t*, size_t>> parts;
  size_t total = 0;
  for (uint32_t p = 0; p < parts_js.Length(); ++p) {
    Napi::Value v = parts_js.Get(p);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "ascendingRows: parts must be Int32Arrays");
    auto a = v.As<Napi::Int32Array>();
    for (size_t i = 0; i < a.ElementLength(); ++i)
      if (a[i] < 0 || a[i] >= n) throw Napi::RangeError::New(env, std::string(fn) + ": row " + std::to_string(a[i]) + " is out of range");
    parts.emplace_back(a.Data(), a.ElementLength());
    total += a.ElementLength();
  }
  std::vector<uint32_t> count(static_cast<size_t>(n), 0);
  for (const auto& [rows, len] : parts)
    for (size_t i = 0; i < len; ++i) ++count[static_cast<size_t>(rows[i])];
  auto out = Napi::Int32Array::New(env, total);
  int32_t* o = out.Data();
  size_t k = 0;
  for (int64_t r = 0; r < n && k < total; ++r)
    for (uint32_t c = count[static_cast<size_t>(r)]; c > 0; --c) o[k++] = static_cast<int32_t>(r);
  return out;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherPlan", Napi::Function::New(env, GatherPlanJs, "gatherPlan"));
  exports.Set("gatherFixed", Napi::Function::New(env, GatherFixedJs, "gatherFixed"));
  exports.Set("gatherBits", Napi::Function::New(env, GatherBitsJs, "gatherBits"));
  exports.Set("gatherBytes", Napi::Function::New(env, GatherBytesJs, "gatherBytes"));
  exports.Set("takeFixed", Napi::Function::New(env, TakeFixedJs, "takeFixed"));
  exports.Set("takeBits", Napi::Function::New(env, TakeBitsJs, "takeBits"));
  exports.Set("takeBytes", Napi::Function::New(env, TakeBytesJs, "takeBytes"));
  exports.Set("maskRows", Napi::Function::New(env, MaskRowsJs, "maskRows"));
  exports.Set("ascendingRows", Napi::Function::New(env, AscendingRowsJs, "ascendingRows"));
}

}  // namespace tributary::maintenance::gather
