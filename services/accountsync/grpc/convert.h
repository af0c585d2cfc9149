// The one place that knows both the account-sync value types (accountsync/api/types.h) and
// their protobuf messages (proto/plexus/accountsync/v1/accountsync.proto): conversions in both
// directions, used by the gRPC client and the service adapter. Conversions that can meet bad
// wire input (unparsable *_json text, an unknown enum value) return Result: kBadJson for JSON,
// kInvalidParam for enums, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accountsync/api/types.h"
#include "plexus/accountsync/v1/accountsync.pb.h"
#include "plexus/core/result.h"
#include "plexus/grpcutil/json_text.h"
#include "plexus/json/value.h"

namespace plexus::accountsync::convert {

// ---- JSON payloads (`*_json` fields) ------------------------------------------------------

// Matrix JSON in *_json fields (libs/grpcutil/json_text.h).
using grpcutil::jsonArrayField;
using grpcutil::jsonObjectField;
using grpcutil::jsonText;

// ---- Values --------------------------------------------------------------------------------

v1::AccountKind toProto(AccountKind kind);
// UNSPECIFIED reads as kUser (the C++ default). Errors: kInvalidParam for unknown values.
Result<AccountKind> fromProto(v1::AccountKind kind);

void toProto(const RegisterRequest& in, v1::RegisterRequest& out);
Result<RegisterRequest> fromProto(const v1::RegisterRequest& in);

void toProto(const LoginResult& in, v1::LoginResult& out);
LoginResult fromProto(const v1::LoginResult& in);

void toProto(const PasswordLoginRequest& in, v1::PasswordLoginRequest& out);
PasswordLoginRequest fromProto(const v1::PasswordLoginRequest& in);

void toProto(const TokenLoginRequest& in, v1::TokenLoginRequest& out);
TokenLoginRequest fromProto(const v1::TokenLoginRequest& in);

void toProto(const AccessTokenInfo& in, v1::AccessTokenInfo& out);
AccessTokenInfo fromProto(const v1::AccessTokenInfo& in);

void toProto(const Account& in, v1::Account& out);
Result<Account> fromProto(const v1::Account& in);

void toProto(const Device& in, v1::Device& out);
Device fromProto(const v1::Device& in);

void toProto(const std::vector<Device>& in, v1::QueryDevicesResponse& out);
std::vector<Device> fromProto(const v1::QueryDevicesResponse& in);

void toProto(const Profile& in, v1::Profile& out);
Profile fromProto(const v1::Profile& in);

void toProto(const UserDirectoryResult& in, v1::UserDirectoryResult& out);
UserDirectoryResult fromProto(const v1::UserDirectoryResult& in);

void toProto(const AccountDataChanges& in, v1::AccountDataChanges& out);
Result<AccountDataChanges> fromProto(const v1::AccountDataChanges& in);

void toProto(const Pusher& in, v1::Pusher& out);
Result<Pusher> fromProto(const v1::Pusher& in);

void toProto(const std::vector<Pusher>& in, v1::QueryPushersResponse& out);
Result<std::vector<Pusher>> fromProto(const v1::QueryPushersResponse& in);

// ---- Scalar answers ------------------------------------------------------------------------

void toProto(const json::Object& in, v1::JsonObject& out);
Result<json::Object> fromProto(const v1::JsonObject& in);

void toProto(std::int64_t in, v1::StreamPosition& out);
std::int64_t fromProto(const v1::StreamPosition& in);

}  // namespace plexus::accountsync::convert
