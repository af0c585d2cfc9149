// gRPC's callback-API completion threads outlive every channel made through grpcutil: a
// completion may drop the last reference to its channel (as a caller that let go of its call
// handle does) without the pool tearing itself down from one of its own threads, which in
// gRPC 1.51 aborts the process a moment later (channel.cc).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>

#include "plexus/grpcutil/channel.h"

namespace plexus::grpcutil {
namespace {

using namespace std::chrono_literals;

// One callback call on a fresh channel whose only owner left is the call's completion.
grpc::StatusCode callDroppingTheChannelInItsCompletion() {
  struct Call {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
  };
  auto call = std::make_shared<Call>();
  call->channel = makeInsecureChannel("127.0.0.1:1");  // loopback port 1 refuses at once
  call->stub = std::make_unique<grpc::GenericStub>(call->channel);
  grpc::Slice empty("");
  call->request = grpc::ByteBuffer(&empty, 1);
  call->context.set_deadline(std::chrono::system_clock::now() + 5s);
  auto done = std::make_shared<std::promise<grpc::StatusCode>>();
  auto answered = done->get_future();
  Call* raw = call.get();
  raw->stub->UnaryCall(&raw->context, "/plexus.test/Nothing", grpc::StubOptions(), &raw->request,
                       &raw->response, [call = std::move(call), done](grpc::Status status) mutable {
                         done->set_value(status.error_code());
                         call.reset();  // the channel's last owner, on a completion thread
                       });
  if (answered.wait_for(10s) != std::future_status::ready) return grpc::StatusCode::OK;
  return answered.get();
}

TEST(CallbackThreadsTest, ACompletionMayDropTheLastReferenceToItsChannel) {
  // Without the pool kept alive the first round tears it down from inside itself and a later
  // round (or the process exit) aborts.
  for (int round = 0; round < 20; ++round) {
    grpc::StatusCode code = callDroppingTheChannelInItsCompletion();
    EXPECT_NE(code, grpc::StatusCode::OK) << "round " << round << ": no answer or no failure";
  }
  std::this_thread::sleep_for(100ms);  // the completions' threads finish dropping the channels
}

}  // namespace
}  // namespace plexus::grpcutil
