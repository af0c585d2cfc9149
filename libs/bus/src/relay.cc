// relay() (relay.h): a batch consumer of the source that publishes each message to the target.
#include "plexus/bus/relay.h"

#include <string>

namespace plexus::bus {

Result<std::unique_ptr<Subscription>> relay(Bus& from, std::string_view topic, Bus& to,
                                            std::string_view group) {
  return from.subscribeBatch(
      topic, group, [&to, topicName = std::string(topic)](std::span<const Message> run) -> Status {
        for (const Message& m : run) {
          auto published = to.publish(topicName, m.key, m.payload);
          if (!published.ok()) return published.error();
        }
        return {};
      });
}

}  // namespace plexus::bus
