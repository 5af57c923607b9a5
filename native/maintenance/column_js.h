// The JS side of column decoding, shared by decodeColumns and the spill
// functions. Arguments:
//   columns: { type, typeLength, maxDef, chunks: { start, end, numValues, codec }[] }[]
//   source:  the whole file as a Uint8Array, or an open file descriptor (a
//            number) from which only the chunks' span is read (ReadChunkSpan).
// Everything is validated on the JS thread. Results: decoded columns as
//   { rows, nullCount, values: Uint8Array, validity: Uint8Array | null, offsets: Int32Array | null }[]
// whose buffers are the native vectors, handed over without a copy.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "maintenance/column_reader.h"

namespace tributary::maintenance {

struct ChunkSource {
  const uint8_t* data = nullptr;  // whole file, when given as bytes
  size_t size = 0;
  int fd = -1;  // else: a descriptor to read the chunks from
};

// `fn` names the calling function in error messages.
ChunkSource ChunkSourceArg(Napi::Env env, Napi::Value v, const std::string& fn);
std::vector<ColumnSpec> ColumnSpecsArg(Napi::Env env, Napi::Value v, const ChunkSource& source, const std::string& fn);

// The bytes the specs' ranges index, for the life of this object: the
// caller's buffer, or (for a descriptor) the chunks' span read here, with the
// specs rebased onto it. Worker thread.
class LoadedChunks {
 public:
  LoadedChunks(const ChunkSource& source, std::vector<ColumnSpec>& specs);
  DecodedColumn Decode(const ColumnSpec& spec) const { return DecodeColumn(data_, size_, spec); }
  DecodedColumn DecodeRows(const ColumnSpec& spec, const int32_t* rows, size_t count) const { return DecodeColumnRows(data_, size_, spec, rows, count); }
  void DecodePages(const ColumnSpec& spec, const PageSink& sink) const { DecodeColumnPages(data_, size_, spec, sink); }

 private:
  BigVector<uint8_t> owned_;
  const uint8_t* data_;
  size_t size_;
};

// Moves decoded columns into JS objects (JS thread).
Napi::Array DecodedToJs(Napi::Env env, std::vector<DecodedColumn>& columns);

// Hand a vector's storage to JS without copying (JS thread).
Napi::Uint8Array AdoptBytes(Napi::Env env, BigVector<uint8_t>&& v);
Napi::Int32Array AdoptInt32(Napi::Env env, BigVector<int32_t>&& v);
Napi::Uint32Array AdoptUint32(Napi::Env env, BigVector<uint32_t>&& v);

}  // namespace tributary::maintenance
