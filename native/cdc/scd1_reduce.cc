// The SCD1 reduction of src/cdc/applyChanges/scd1.ts for its common case, in
// one pass over the batch's key groups: integer sequence values (the column's
// own values, 32 or 64 bits), no TRUNCATE event in the batch, no column that
// ignores NULL updates. Per group: its events sorted by (sequence, kind,
// row); those newer than the key's state (and than the TRUNCATE watermark)
// apply; the last of them is the key's outcome — deleted or upserted.
//   scd1Reduce(leaders: Int32Array, next: Int32Array, kind: Uint8Array,
//              seq: BigInt64Array | Int32Array, has: Uint8Array,
//              stateSeq: BigInt64Array, stateRank: Uint8Array,
//              watermark: BigInt64Array (0 or 1 value), now: number, duplicatesError: boolean)
//     → { count, keyRow: Int32Array, seqRow: Int32Array, deleted: Uint8Array, at: Float64Array, ignored }
//     | { duplicate: [rowA, rowB, leader] }   (two events of a key with one sequence value)
//   has/stateSeq/stateRank are indexed by leader row; kind: 0 upsert, 1 delete.
// The JavaScript reduction handles every other case and defines the semantics;
// this one must agree with it (test/cdc/applyChanges model tests run both).
#include "cdc/scd1_reduce.h"

#include "common/typed_span.h"

#include <algorithm>
#include <string>
#include <vector>

namespace tributary::cdc {

namespace {

constexpr uint8_t kUpsert = 0;
constexpr uint8_t kTruncate = 2;

constexpr const char* kFn = "scd1Reduce";

// (sequence, rank) order: at equal sequence values a delete is the later event.
inline int CompareEvent(int64_t a, int a_rank, int64_t b, int b_rank) {
  if (a != b) return a < b ? -1 : 1;
  return a_rank == b_rank ? 0 : a_rank < b_rank ? -1 : 1;
}

Napi::Value Scd1ReduceJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto leaders = TypedSpanOf<int32_t, napi_int32_array>(env, info[0], kFn, "leaders");
  const auto next = TypedSpanOf<int32_t, napi_int32_array>(env, info[1], kFn, "next");
  const auto kind = TypedSpanOf<uint8_t, napi_uint8_array>(env, info[2], kFn, "kind");
  const size_t n = kind.length;
  std::vector<int64_t> seq(n);
  if (!info[3].IsTypedArray()) throw Napi::TypeError::New(env, "scd1Reduce: seq must be a BigInt64Array or Int32Array");
  if (info[3].As<Napi::TypedArray>().TypedArrayType() == napi_bigint64_array) {
    const auto s = TypedSpanOf<int64_t, napi_bigint64_array>(env, info[3], kFn, "seq");
    if (s.length != n) throw Napi::RangeError::New(env, "scd1Reduce: seq and kind differ in length");
    std::copy(s.data, s.data + n, seq.begin());
  } else {
    const auto s = TypedSpanOf<int32_t, napi_int32_array>(env, info[3], kFn, "seq");
    if (s.length != n) throw Napi::RangeError::New(env, "scd1Reduce: seq and kind differ in length");
    std::copy(s.data, s.data + n, seq.begin());
  }
  const auto has = TypedSpanOf<uint8_t, napi_uint8_array>(env, info[4], kFn, "has");
  const auto state_seq = TypedSpanOf<int64_t, napi_bigint64_array>(env, info[5], kFn, "stateSeq");
  const auto state_rank = TypedSpanOf<uint8_t, napi_uint8_array>(env, info[6], kFn, "stateRank");
  const auto watermark = TypedSpanOf<int64_t, napi_bigint64_array>(env, info[7], kFn, "watermark");
  if (!info[8].IsNumber()) throw Napi::TypeError::New(env, "scd1Reduce: now must be a number");
  const double now = info[8].As<Napi::Number>().DoubleValue();
  const bool duplicates_error = info[9].ToBoolean().Value();
  if (next.length != n || has.length != n || state_seq.length != n || state_rank.length != n)
    throw Napi::RangeError::New(env, "scd1Reduce: next, has, stateSeq and stateRank must have one entry per event");
  if (watermark.length > 1) throw Napi::RangeError::New(env, "scd1Reduce: at most one watermark");
  for (size_t i = 0; i < n; ++i) {
    if (kind.data[i] > 1) throw Napi::RangeError::New(env, "scd1Reduce: kinds must be upserts or deletes (no TRUNCATE)");
    if (next.data[i] != -1 && (next.data[i] < 0 || static_cast<size_t>(next.data[i]) <= i || static_cast<size_t>(next.data[i]) >= n))
      throw Napi::RangeError::New(env, "scd1Reduce: next must name later events");
  }
  for (size_t g = 0; g < leaders.length; ++g)
    if (leaders.data[g] < 0 || static_cast<size_t>(leaders.data[g]) >= n) throw Napi::RangeError::New(env, "scd1Reduce: a leader is out of range");

  const size_t cap = leaders.length;
  auto key_row = Napi::Int32Array::New(env, cap);
  auto seq_row = Napi::Int32Array::New(env, cap);
  auto deleted = Napi::Uint8Array::New(env, cap);
  auto at = Napi::Float64Array::New(env, cap);
  size_t count = 0;
  double ignored = 0;
  const bool has_watermark = watermark.length == 1;
  auto applies = [&](int32_t i, int32_t leader) {
    const int rank = kind.data[i] == kUpsert ? 0 : 1;
    if (has_watermark && CompareEvent(seq[i], rank, watermark.data[0], kTruncate) <= 0) return false;
    if (!has.data[leader]) return true;
    const int c = CompareEvent(seq[i], rank, state_seq.data[leader], state_rank.data[leader]);
    return c > 0 || (c == 0 && rank == 0);
  };
  auto emit = [&](int32_t leader, int32_t row) {
    const bool del = kind.data[row] != kUpsert;
    key_row[count] = leader;
    seq_row[count] = row;
    deleted[count] = del ? 1 : 0;
    at[count] = del ? now : 0;
    ++count;
  };
  std::vector<int32_t> own;
  for (size_t g = 0; g < cap; ++g) {
    const int32_t leader = leaders.data[g];
    if (next.data[leader] < 0) {
      // One event: the common case.
      if (applies(leader, leader)) emit(leader, leader);
      else ignored += 1;
      continue;
    }
    own.clear();
    for (int32_t i = leader; i >= 0; i = next.data[i]) own.push_back(i);
    // Rows ascend along the chain, so a stable sort by (sequence, kind) breaks ties by arrival.
    std::stable_sort(own.begin(), own.end(), [&](int32_t a, int32_t b) { return CompareEvent(seq[a], kind.data[a], seq[b], kind.data[b]) < 0; });
    if (duplicates_error) {
      for (size_t j = 1; j < own.size(); ++j) {
        if (seq[own[j - 1]] != seq[own[j]]) continue;
        auto dup = Napi::Array::New(env, 3);
        dup.Set(0u, Napi::Number::New(env, own[j - 1]));
        dup.Set(1u, Napi::Number::New(env, own[j]));
        dup.Set(2u, Napi::Number::New(env, leader));
        auto out = Napi::Object::New(env);
        out.Set("duplicate", dup);
        return out;
      }
    }
    int32_t last = -1;
    for (int32_t i : own) {
      if (applies(i, leader)) last = i;
      else ignored += 1;
    }
    if (last >= 0) emit(leader, last);
  }
  auto out = Napi::Object::New(env);
  out.Set("count", Napi::Number::New(env, static_cast<double>(count)));
  out.Set("keyRow", key_row);
  out.Set("seqRow", seq_row);
  out.Set("deleted", deleted);
  out.Set("at", at);
  out.Set("ignored", Napi::Number::New(env, ignored));
  return out;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("scd1Reduce", Napi::Function::New(env, Scd1ReduceJs, "scd1Reduce"));
}

}  // namespace tributary::cdc
