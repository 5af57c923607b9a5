// MERGE's decisions for one target file of a key-only join (see
// src/cdc/merge/match.ts): the file's rows whose key the page probe found,
// paired with every joinable source row of that key, each pair given the
// first WHEN MATCHED clause whose (source-only) condition holds.
//   keyedMatches(rows: Int32Array, first: Int32Array, deleted: Uint32Array,
//                indexFirst: Int32Array, next: Int32Array, joinable: Uint8Array,
//                clauseMasks: (Uint8Array | null)[], singleDelete: boolean,
//                sourceMatched: Uint8Array)
//     → { positions: Int32Array, physical: Uint32Array, action: Int32Array, sourceRow: Int32Array }
//     | { duplicate: [position, previousSourceRow, sourceRow] } | { notFirst: index }
//   rows: physical rows of the file with a key of the index, ascending; first:
//   per row, the first source row of its key; deleted: the file's deletion
//   vector (ascending). positions are live-row positions (the deletion vector
//   applied), physical their rows. Every source row paired with a live row is
//   marked in sourceMatched, whether or not a clause holds for it.
// In JavaScript these loops ran cold in a process applying one batch; here
// they are one pass. Every index is checked against its buffer first.
#include "join/keyed_matches.h"

#include "common/typed_span.h"

#include <cstring>
#include <string>
#include <vector>

namespace tributary::join {

namespace {

constexpr const char* kFn = "keyedMatches";

Napi::Value KeyedMatchesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto rows = TypedSpanOf<int32_t, napi_int32_array>(env, info[0], kFn, "rows");
  const auto first = TypedSpanOf<int32_t, napi_int32_array>(env, info[1], kFn, "first");
  const auto deleted = TypedSpanOf<uint32_t, napi_uint32_array>(env, info[2], kFn, "deleted");
  const auto index_first = TypedSpanOf<int32_t, napi_int32_array>(env, info[3], kFn, "indexFirst");
  const auto next = TypedSpanOf<int32_t, napi_int32_array>(env, info[4], kFn, "next");
  const auto joinable = TypedSpanOf<uint8_t, napi_uint8_array>(env, info[5], kFn, "joinable");
  if (!info[6].IsArray()) throw Napi::TypeError::New(env, "keyedMatches: clauseMasks must be an array");
  auto masks_js = info[6].As<Napi::Array>();
  const bool single_delete = info[7].ToBoolean().Value();
  if (!info[8].IsTypedArray() || info[8].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "keyedMatches: sourceMatched must be a Uint8Array");
  auto matched_js = info[8].As<Napi::Uint8Array>();
  uint8_t* source_matched = matched_js.Data();

  const size_t sources = index_first.length;
  if (first.length != rows.length) throw Napi::RangeError::New(env, "keyedMatches: rows and first differ in length");
  if (next.length != sources || joinable.length != sources || matched_js.ElementLength() != sources)
    throw Napi::RangeError::New(env, "keyedMatches: indexFirst, next, joinable and sourceMatched differ in length");
  // Null: the clause has no condition.
  std::vector<const uint8_t*> masks(masks_js.Length(), nullptr);
  for (uint32_t c = 0; c < masks_js.Length(); ++c) {
    Napi::Value m = masks_js.Get(c);
    if (m.IsNull() || m.IsUndefined()) continue;
    const auto span = TypedSpanOf<uint8_t, napi_uint8_array>(env, m, kFn, "a clause mask");
    if (span.length != sources) throw Napi::RangeError::New(env, "keyedMatches: a clause mask differs in length from the source");
    masks[c] = span.data;
  }
  for (size_t i = 0; i < rows.length; ++i) {
    if (rows.data[i] < 0 || (i > 0 && rows.data[i] <= rows.data[i - 1])) throw Napi::RangeError::New(env, "keyedMatches: rows must be ascending and non-negative");
    const int32_t f = first.data[i];
    if (f < 0 || static_cast<size_t>(f) >= sources) throw Napi::RangeError::New(env, "keyedMatches: first row " + std::to_string(f) + " is out of range");
    if (index_first.data[f] != f) {
      auto out = Napi::Object::New(env);
      out.Set("notFirst", Napi::Number::New(env, static_cast<double>(i)));
      return out;
    }
  }
  for (size_t s = 0; s < sources; ++s)
    if (next.data[s] < -1 || next.data[s] >= static_cast<int32_t>(sources) || (next.data[s] >= 0 && static_cast<size_t>(next.data[s]) <= s))
      throw Napi::RangeError::New(env, "keyedMatches: next must name later source rows");

  std::vector<int32_t> positions, action, source_row;
  std::vector<uint32_t> physical;
  positions.reserve(rows.length);
  action.reserve(rows.length);
  source_row.reserve(rows.length);
  physical.reserve(rows.length);
  size_t d = 0;
  for (size_t i = 0; i < rows.length; ++i) {
    const uint32_t row = static_cast<uint32_t>(rows.data[i]);
    while (d < deleted.length && deleted.data[d] < row) ++d;
    if (d < deleted.length && deleted.data[d] == row) continue;  // deleted already: not a live row
    const int32_t position = static_cast<int32_t>(row - d);
    for (int32_t s = first.data[i]; s >= 0; s = next.data[s]) {
      if (!joinable.data[s]) continue;
      source_matched[s] = 1;
      int32_t clause = -1;
      for (size_t c = 0; c < masks.size(); ++c) {
        if (masks[c] == nullptr || masks[c][s] == 1) {
          clause = static_cast<int32_t>(c);
          break;
        }
      }
      if (clause < 0) continue;
      if (!positions.empty() && positions.back() == position) {
        if (single_delete) continue;
        auto dup = Napi::Array::New(env, 3);
        dup.Set(0u, Napi::Number::New(env, position));
        dup.Set(1u, Napi::Number::New(env, source_row.back()));
        dup.Set(2u, Napi::Number::New(env, s));
        auto out = Napi::Object::New(env);
        out.Set("duplicate", dup);
        return out;
      }
      positions.push_back(position);
      action.push_back(clause);
      source_row.push_back(s);
      physical.push_back(row);
    }
  }
  const size_t n = positions.size();
  auto pos_js = Napi::Int32Array::New(env, n);
  auto act_js = Napi::Int32Array::New(env, n);
  auto src_js = Napi::Int32Array::New(env, n);
  auto phys_js = Napi::Uint32Array::New(env, n);
  if (n > 0) {
    std::memcpy(pos_js.Data(), positions.data(), n * 4);
    std::memcpy(act_js.Data(), action.data(), n * 4);
    std::memcpy(src_js.Data(), source_row.data(), n * 4);
    std::memcpy(phys_js.Data(), physical.data(), n * 4);
  }
  auto out = Napi::Object::New(env);
  out.Set("positions", pos_js);
  out.Set("physical", phys_js);
  out.Set("action", act_js);
  out.Set("sourceRow", src_js);
  return out;
}

}  // namespace

void RegisterKeyedMatches(Napi::Env env, Napi::Object exports) {
  exports.Set("keyedMatches", Napi::Function::New(env, KeyedMatchesJs, "keyedMatches"));
}

}  // namespace tributary::join
