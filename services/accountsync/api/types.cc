// JSON forms of the account-sync value types.
#include "accountsync/api/types.h"

namespace plexus::accountsync {

json::Object Pusher::toJson() const {
  json::Object o{{"pushkey", pushkey},
                 {"kind", kind},
                 {"app_id", appId},
                 {"app_display_name", appDisplayName},
                 {"device_display_name", deviceDisplayName},
                 {"lang", lang},
                 {"data", data}};
  if (profileTag) o.set("profile_tag", *profileTag);
  return o;
}

}  // namespace plexus::accountsync
