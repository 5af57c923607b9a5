#include "codec/codec_binding.h"
namespace tributary::codec {
void Register(Napi::Env, Napi::Object) {}
}
