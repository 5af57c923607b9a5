// The base of every native function that works off the JS thread and answers
// with a promise. A subclass validates and copies its arguments in its
// constructor (JS thread), keeps alive the JS buffers it reads in place,
// does its work in Run() (a worker thread: any exception rejects the promise
// with its message, out of memory with what was being done), and builds the
// resolution in Result() (JS thread).
//
//   Napi::Value CopyRangeJs(const Napi::CallbackInfo& info) {
//     return (new CopyWorker(info.Env(), ...))->Start();
//   }
#pragma once
#include <napi.h>

#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace tributary {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  // Queues the work; the promise settles when it is done. The worker deletes
  // itself after settling, never before this returns (settling runs in a
  // later turn of the event loop).
  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  // `resource` names the async resource ("tributary:fn"); `doing` completes
  // "out of memory while …".
  PromiseWorker(Napi::Env env, const char* resource, const char* doing)
      : Napi::AsyncWorker(env, resource), deferred_(Napi::Promise::Deferred::New(env)), doing_(doing) {}

  // The work, on a worker thread.
  virtual void Run() = 0;
  // The resolution, on the JS thread (default: undefined).
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  // The rejection for an error Run() threw (default: an Error with its message).
  virtual Napi::Value Rejection(const Napi::Error& e) { return e.Value(); }

  // Keeps `o` (a buffer or an object holding buffers read in place) alive until the promise settles.
  void KeepAlive(Napi::Object o) { kept_.push_back(Napi::Persistent(o)); }
  // The i-th object given to KeepAlive.
  Napi::Object Kept(size_t i) const { return kept_[i].Value(); }

 private:
  void Execute() final {
    try {
      Run();
    } catch (const std::bad_alloc&) {
      SetError(std::string("out of memory while ") + doing_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() final { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error& e) final { deferred_.Reject(Rejection(e)); }

  Napi::Promise::Deferred deferred_;
  const char* doing_;
  std::vector<Napi::ObjectReference> kept_;
};

}  // namespace tributary
