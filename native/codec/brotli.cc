#include "codec/brotli.h"

#include <stdexcept>
#include <string>

// Node links Brotli statically and exports its C API, but ships no headers
// for it, so the three one-shot entry points used here are declared by hand
// (signatures from brotli's encode.h/decode.h; BROTLI_BOOL and the enums are int).
extern "C" {
int BrotliEncoderCompress(int quality, int lgwin, int mode, size_t input_size, const uint8_t* input_buffer,
                          size_t* encoded_size, uint8_t* encoded_buffer);
size_t BrotliEncoderMaxCompressedSize(size_t input_size);
int BrotliDecoderDecompress(size_t encoded_size, const uint8_t* encoded_buffer, size_t* decoded_size,
                            uint8_t* decoded_buffer);
}

namespace tributary::codec::brotli {

namespace {
constexpr int kWindowBits = 22;        // BROTLI_DEFAULT_WINDOW
constexpr int kModeGeneric = 0;        // BROTLI_MODE_GENERIC
constexpr int kDecoderSuccess = 1;     // BROTLI_DECODER_RESULT_SUCCESS
}  // namespace

size_t MaxCompressedLength(size_t n) {
  const size_t bound = BrotliEncoderMaxCompressedSize(n);
  if (bound == 0) throw std::runtime_error("BROTLI: input of " + std::to_string(n) + " bytes is too large");
  return bound;
}

size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity) {
  if (level < 0) level = kDefaultLevel;
  if (level > 11) throw std::runtime_error("BROTLI: compression level " + std::to_string(level) + " is outside 0..11");
  size_t written = capacity;
  if (!BrotliEncoderCompress(level, kWindowBits, kModeGeneric, n, src, &written, dst)) {
    throw std::runtime_error("BROTLI: compression of " + std::to_string(n) + " bytes failed");
  }
  return written;
}

void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size) {
  size_t decoded = uncompressed_size;
  // A stream longer than the buffer fails here too (the decoder reports an error).
  if (BrotliDecoderDecompress(n, src, &decoded, dst) != kDecoderSuccess) {
    throw std::runtime_error("BROTLI: corrupt stream, or it does not decode to " + std::to_string(uncompressed_size) +
                             " bytes");
  }
  if (decoded != uncompressed_size) {
    throw std::runtime_error("BROTLI: stream decoded to " + std::to_string(decoded) + " bytes, expected " +
                             std::to_string(uncompressed_size));
  }
}

}  // namespace tributary::codec::brotli
