#pragma once
#include <napi.h>
namespace tributary::join {
void Register(Napi::Env env, Napi::Object exports);
}
