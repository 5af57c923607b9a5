#include "parquet/parquet_binding.h"
namespace tributary::parquet {
void Register(Napi::Env, Napi::Object) {}
}
