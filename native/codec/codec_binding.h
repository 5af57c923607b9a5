#pragma once
#include <napi.h>
namespace tributary::codec {
void Register(Napi::Env env, Napi::Object exports);
}
