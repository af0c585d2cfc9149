// Channel and server settings (channel.h).
#include "plexus/grpcutil/channel.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <mutex>

namespace plexus::grpcutil {

namespace {

// Debian builds Abseil without NDEBUG, which leaves its mutexes' deadlock detection on: every
// lock of gRPC's internal mutexes updated a lock-order graph, 2-3 % of all CPU in the cluster
// under load (perf). gRPC's own tests are where that check belongs.
void tuneAbseilOnce() {
  static std::once_flag once;
  std::call_once(once, [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
}

// gRPC 1.51 (Debian's) runs callback-API completions on a small pool of "nexting" threads that
// lives while some channel or server uses it: the first user starts it, the last one to go shuts
// it down and joins its threads. When that last user goes from inside a completion (a finished
// call dropping the last reference to its channel), the pool joins its own thread, which fails,
// and frees the queue the thread goes on reading: an abort in grpc_cq_internal_unref
// ("prior > 0"; grpc/grpc#32584). One channel that is never destroyed and has made a callback
// call keeps the pool for the life of the process, so it is never torn down at all.
void pinCallbackThreadsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct Pin {
      std::shared_ptr<grpc::Channel> channel;
      std::unique_ptr<grpc::GenericStub> stub;
      grpc::ClientContext context;
      grpc::ByteBuffer request, response;
    };
    // Reachable from this static until exit: not a leak to LeakSanitizer.
    static Pin* pin = new Pin;
    // Port 1 on loopback refuses at once; the call exists only to take the pool's reference.
    pin->channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
    pin->stub = std::make_unique<grpc::GenericStub>(pin->channel);
    grpc::Slice empty("");
    pin->request = grpc::ByteBuffer(&empty, 1);  // a default ByteBuffer is no message at all
    pin->context.set_deadline(std::chrono::system_clock::now());
    pin->stub->UnaryCall(&pin->context, "/plexus.grpcutil/Pin", grpc::StubOptions(), &pin->request,
                         &pin->response, [](grpc::Status) {});
  });
}

}  // namespace

grpc::ChannelArguments channelArguments() {
  tuneAbseilOnce();
  pinCallbackThreadsOnce();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return args;
}

std::shared_ptr<grpc::Channel> makeInsecureChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), channelArguments());
}

void configureServerBuilder(grpc::ServerBuilder& builder) {
  tuneAbseilOnce();
  pinCallbackThreadsOnce();
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
}

}  // namespace plexus::grpcutil
