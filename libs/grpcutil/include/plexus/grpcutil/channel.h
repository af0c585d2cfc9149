// Channel and server settings every binding uses: message-size limits large enough for media
// content (gRPC's default receive limit is 4 MiB), and plain-text channels for loopback and
// tests. Transport security for the cluster is the composition root's choice.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

namespace plexus::grpcutil {

// Largest message a binding sends or accepts; above the largest media upload limit we expect.
inline constexpr int kMaxMessageBytes = 256 * 1024 * 1024;

// Channel arguments with the limits above.
grpc::ChannelArguments channelArguments();

// An unencrypted channel to `target` ("127.0.0.1:port"), with channelArguments().
std::shared_ptr<grpc::Channel> makeInsecureChannel(const std::string& target);

// Applies the limits above to a server under construction.
void configureServerBuilder(grpc::ServerBuilder& builder);

}  // namespace plexus::grpcutil
