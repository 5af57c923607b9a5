#pragma once
#include <napi.h>
namespace tributary::parquet {
void Register(Napi::Env env, Napi::Object exports);
}
