#pragma once
#include <napi.h>
namespace tributary::maintenance {
void Register(Napi::Env env, Napi::Object exports);
}
