// The media routes through the real ClientApiServer on 127.0.0.1 port 0, in front of the real
// account-sync service (tokens) and media service on SQLite: upload → mxc, downloads on the
// authenticated and legacy paths with their headers, thumbnails, config, errors, and uploads
// larger than the server's general body limit (which still holds on the other routes).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "accountsync/impl/accountsync_service.h"
#include "clientapi/impl/client_api_server.h"
#include "clientapi/impl/media_routes.h"
#include "media/impl/image_codec.h"
#include "media/impl/media_service.h"
#include "plexus/bus/outbox.h"
#include "plexus/http/client.h"
#include "plexus/http/server.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/test_database.h"

namespace plexus::clientapi {
namespace {

constexpr std::string_view kServer = "media.test";
constexpr std::int64_t kMaxUpload = 64 * 1024;
constexpr std::size_t kGeneralBodyLimit = 4 * 1024;  // JSON routes: far below the upload limit

std::string gradientPng(int w, int h) {
  media::Image img;
  img.width = w;
  img.height = h;
  img.channels = 4;
  img.pixels.resize(static_cast<std::size_t>(w) * h * 4);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i * 7);
  return *media::encodePng(img);
}

class MediaRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    database_ = std::move(*made);
    storage::Database& db = database_->db();
    ASSERT_TRUE(accountsync::AccountSyncService::migrate(db).ok());
    ASSERT_TRUE(media::MediaService::migrate(db).ok());
    auto outbox = bus::Outbox::open(db);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    accounts_ = std::make_unique<accountsync::AccountSyncService>(
        std::string(kServer), db, *outbox_, accountsync::AccountSyncOptions::forTests());
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("plexus-media-http-" + std::to_string(rd()) + std::to_string(rd()));
    media::MediaService::Options options;
    options.maxUploadBytes = kMaxUpload;
    media_ = std::make_unique<media::MediaService>(std::string(kServer), db, dir_.string(), options);

    deps_.accounts = accounts_.get();
    deps_.media = media_.get();
    deps_.config.serverName = std::string(kServer);
    deps_.config.rateLimit.enabled = false;
    deps_.config.maxBodyBytes = kGeneralBodyLimit;
    deps_.config.workerThreads = 2;
    server_ = std::make_unique<ClientApiServer>(deps_);
    ASSERT_TRUE(server_->start().ok());
    client_ = std::make_unique<http::Client>("127.0.0.1", server_->port());

    accountsync::RegisterRequest reg;
    reg.localpart = "alice";
    reg.password = "secret-password";
    auto login = accounts_->performRegister(CallContext{}, reg);
    ASSERT_TRUE(login.ok()) << login.error().message;
    token_ = login->accessToken;
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->stop();
    server_.reset();
    media_.reset();
    accounts_.reset();
    outbox_.reset();
    database_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  http::ClientResponse send(const std::string& method, const std::string& target,
                            std::string body = "", std::string contentType = "",
                            bool withToken = true) {
    http::ClientRequest req;
    req.method = method;
    req.target = target;
    req.body = std::move(body);
    if (!contentType.empty()) req.headers.set("Content-Type", contentType);
    if (withToken) req.headers.set("Authorization", "Bearer " + token_);
    auto res = client_->request(req);
    EXPECT_TRUE(res.ok()) << method << " " << target;
    return res.ok() ? *res : http::ClientResponse{};
  }
  static json::Value jsonOf(const http::ClientResponse& r) {
    auto v = json::parse(r.body);
    return v.ok() ? *v : json::Value();
  }
  static std::string errcode(const http::ClientResponse& r) {
    json::Value body = jsonOf(r);
    auto v = body.getStringAt("errcode");
    return v ? std::string(*v) : "";
  }
  static std::optional<std::int64_t> intAt(const http::ClientResponse& r, std::string_view key) {
    json::Value body = jsonOf(r);
    const json::Value* v = body.get(key);
    return v ? v->getInt() : std::nullopt;
  }
  // Uploads and returns the media ID.
  std::string uploadMedia(const std::string& bytes, const std::string& type,
                          const std::string& query = "") {
    auto r = send("POST", "/_matrix/media/v3/upload" + query, bytes, type);
    EXPECT_EQ(r.status, 200) << r.body;
    json::Value body = jsonOf(r);
    auto uri = body.getStringAt("content_uri");
    if (!uri) return "";
    std::string prefix = "mxc://" + std::string(kServer) + "/";
    EXPECT_EQ(uri->substr(0, prefix.size()), prefix);
    return std::string(uri->substr(prefix.size()));
  }

  std::unique_ptr<storage::testing::TestDatabase> database_;
  std::unique_ptr<bus::Outbox> outbox_;  // destroyed before the database, after the service
  std::unique_ptr<accountsync::AccountSyncService> accounts_;
  std::unique_ptr<media::MediaService> media_;
  std::filesystem::path dir_;
  ClientApiDeps deps_;
  std::unique_ptr<ClientApiServer> server_;
  std::unique_ptr<http::Client> client_;
  std::string token_;
};

TEST_F(MediaRoutesTest, UploadThenAuthenticatedDownloadReturnsSameBytesAndHeaders) {
  std::string id = uploadMedia("plain text body", "text/plain", "?filename=notes.txt");
  auto r = send("GET", "/_matrix/client/v1/media/download/media.test/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "plain text body");
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "text/plain");
  EXPECT_EQ(r.headers.get("Content-Disposition").value_or(""), "inline; filename=\"notes.txt\"");
  EXPECT_NE(r.headers.get("Content-Security-Policy").value_or("").find("sandbox"),
            std::string_view::npos);
  EXPECT_EQ(r.headers.get("Cross-Origin-Resource-Policy").value_or(""), "cross-origin");
}

TEST_F(MediaRoutesTest, AuthenticatedDownloadNeedsTokenButLegacyDoesNot) {
  std::string id = uploadMedia("abc", "application/octet-stream");
  auto noToken = send("GET", "/_matrix/client/v1/media/download/media.test/" + id, "", "", false);
  EXPECT_EQ(noToken.status, 401);
  EXPECT_EQ(errcode(noToken), "M_MISSING_TOKEN");
  for (const char* prefix : {"/_matrix/media/v3", "/_matrix/media/r0"}) {
    auto legacy = send("GET", std::string(prefix) + "/download/media.test/" + id, "", "", false);
    EXPECT_EQ(legacy.status, 200) << prefix;
    EXPECT_EQ(legacy.body, "abc");
  }
}

TEST_F(MediaRoutesTest, UploadNeedsToken) {
  auto r = send("POST", "/_matrix/media/v3/upload", "x", "text/plain", false);
  EXPECT_EQ(r.status, 401);
}

TEST_F(MediaRoutesTest, UnsafeTypesAreAttachmentsAndFileNamesAreEncoded) {
  std::string id = uploadMedia("<script>alert(1)</script>", "text/html");
  auto r = send("GET", "/_matrix/client/v1/media/download/media.test/" + id + "/caf%C3%A9.html");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Disposition").value_or(""),
            "attachment; filename*=utf-8''caf%C3%A9.html");
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "text/html");
}

TEST_F(MediaRoutesTest, UnknownAndRemoteMediaAre404) {
  auto unknown = send("GET", "/_matrix/client/v1/media/download/media.test/doesnotexist");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(errcode(unknown), "M_NOT_FOUND");
  std::string id = uploadMedia("x", "text/plain");
  auto remote = send("GET", "/_matrix/media/v3/download/elsewhere.org/" + id);
  EXPECT_EQ(remote.status, 404);
  EXPECT_EQ(errcode(remote), "M_NOT_FOUND");
  auto traversal = send("GET", "/_matrix/media/v3/download/media.test/..%2F..%2Fetc");
  EXPECT_EQ(traversal.status, 404);
}

TEST_F(MediaRoutesTest, UploadOverLimitIs413TooLarge) {
  auto r = send("POST", "/_matrix/media/v3/upload", std::string(kMaxUpload + 1, 'x'),
                "application/octet-stream");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(errcode(r), "M_TOO_LARGE");
  auto huge = send("POST", "/_matrix/media/v3/upload", std::string(kMaxUpload * 2 + 1, 'x'),
                   "application/octet-stream");
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(errcode(huge), "M_TOO_LARGE");
}

TEST_F(MediaRoutesTest, UploadsUpToTheMediaLimitPassTheSmallerGeneralBodyLimit) {
  // Exactly the upload limit, 16 times the general limit, on every upload route.
  const std::string bytes(kMaxUpload, 'b');
  auto r =
      send("POST", "/_matrix/media/v3/upload?filename=big.bin", bytes, "application/octet-stream");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string uri(jsonOf(r).getStringAt("content_uri").value_or(""));
  const std::string id = uri.substr(uri.rfind('/') + 1);
  auto back = send("GET", "/_matrix/client/v1/media/download/media.test/" + id);
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.body, bytes);
  EXPECT_EQ(send("POST", "/_matrix/media/r0/upload", bytes, "application/octet-stream").status,
            200);

  auto created = send("POST", "/_matrix/media/v1/create");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string pending(jsonOf(created).getStringAt("content_uri").value_or(""));
  const std::string pendingId = pending.substr(pending.rfind('/') + 1);
  auto put = send("PUT", "/_matrix/media/v3/upload/media.test/" + pendingId, bytes,
                  "application/octet-stream");
  EXPECT_EQ(put.status, 200) << put.body;
  auto tooBig = send("PUT", "/_matrix/media/v3/upload/media.test/" + pendingId,
                     std::string(kMaxUpload + 1, 'b'), "application/octet-stream");
  EXPECT_EQ(tooBig.status, 413);
  EXPECT_EQ(errcode(tooBig), "M_TOO_LARGE");
}

TEST_F(MediaRoutesTest, OtherRoutesKeepTheGeneralBodyLimit) {
  // A JSON body just over the general limit is refused before any handler runs, even on a
  // media path (create takes no upload).
  std::string body = "{\"pad\":\"" + std::string(kGeneralBodyLimit, 'p') + "\"}";
  auto create = send("POST", "/_matrix/media/v1/create", body, "application/json");
  EXPECT_EQ(create.status, 413);
  EXPECT_EQ(errcode(create), "M_TOO_LARGE");
  auto login = send("POST", "/_matrix/client/v3/login", body, "application/json", false);
  EXPECT_EQ(login.status, 413);
  EXPECT_EQ(errcode(login), "M_TOO_LARGE");
}

TEST_F(MediaRoutesTest, SuspendedUserDownloadsButUploadsNothing) {
  std::string id = uploadMedia("before", "text/plain");
  auto alice = accounts_->queryAccessToken(CallContext{}, token_);
  ASSERT_TRUE(alice.ok());
  ASSERT_TRUE(accounts_->performSetSuspended(CallContext{}, alice->userId, true).ok());
  auto upload = send("POST", "/_matrix/media/v3/upload", "after", "text/plain");
  EXPECT_EQ(upload.status, 403);
  EXPECT_EQ(errcode(upload), "M_USER_SUSPENDED");
  auto create = send("POST", "/_matrix/media/v1/create");
  EXPECT_EQ(errcode(create), "M_USER_SUSPENDED");
  auto download = send("GET", "/_matrix/client/v1/media/download/media.test/" + id);
  EXPECT_EQ(download.status, 200);
  EXPECT_EQ(download.body, "before");
}

TEST_F(MediaRoutesTest, ConfigReportsUploadSizeOnBothPaths) {
  for (const char* path : {"/_matrix/client/v1/media/config", "/_matrix/media/v3/config"}) {
    auto r = send("GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(intAt(r, "m.upload.size").value_or(-1), kMaxUpload) << path;
  }
}

TEST_F(MediaRoutesTest, ThumbnailHasRequestedCropSize) {
  std::string id = uploadMedia(gradientPng(200, 100), "image/png");
  auto r = send("GET", "/_matrix/client/v1/media/thumbnail/media.test/" + id +
                           "?width=32&height=32&method=crop");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "image/png");
  auto info = media::probeImage(r.body);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->width, 32);
  EXPECT_EQ(info->height, 32);
  auto legacy = send("GET", "/_matrix/media/v3/thumbnail/media.test/" + id +
                                "?width=32&height=32&method=crop", "", "", false);
  EXPECT_EQ(legacy.status, 200);
  EXPECT_EQ(legacy.body, r.body);
}

TEST_F(MediaRoutesTest, ThumbnailParametersAreValidated) {
  std::string id = uploadMedia(gradientPng(64, 64), "image/png");
  std::string base = "/_matrix/client/v1/media/thumbnail/media.test/" + id;
  EXPECT_EQ(send("GET", base + "?width=32").status, 400);
  EXPECT_EQ(send("GET", base + "?width=abc&height=32").status, 400);
  EXPECT_EQ(send("GET", base + "?width=32&height=32&method=stretch").status, 400);
  auto text = uploadMedia("not an image", "image/png");
  EXPECT_EQ(send("GET", "/_matrix/client/v1/media/thumbnail/media.test/" + text +
                            "?width=32&height=32").status,
            400);
}

TEST_F(MediaRoutesTest, AsyncCreateThenUploadThenDownload) {
  auto created = send("POST", "/_matrix/media/v1/create");
  ASSERT_EQ(created.status, 200) << created.body;
  json::Value body = jsonOf(created);
  auto uri = body.getStringAt("content_uri");
  ASSERT_TRUE(uri.has_value());
  EXPECT_TRUE(intAt(created, "unused_expires_at").has_value());
  std::string id(uri->substr(std::string("mxc://media.test/").size()));

  auto early = send("GET", "/_matrix/client/v1/media/download/media.test/" + id + "?timeout_ms=0");
  EXPECT_EQ(early.status, 504);
  EXPECT_EQ(errcode(early), "M_NOT_YET_UPLOADED");

  auto put = send("PUT", "/_matrix/media/v3/upload/media.test/" + id, "async", "text/plain");
  EXPECT_EQ(put.status, 200) << put.body;
  auto again = send("PUT", "/_matrix/media/v3/upload/media.test/" + id, "twice", "text/plain");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(errcode(again), "M_CANNOT_OVERWRITE_MEDIA");
  EXPECT_EQ(send("GET", "/_matrix/client/v1/media/download/media.test/" + id).body, "async");
}

TEST_F(MediaRoutesTest, PreviewUrlIsCleanlyRefused) {
  auto r = send("GET", "/_matrix/client/v1/media/preview_url?url=https%3A%2F%2Fexample.org");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(errcode(r), "M_FORBIDDEN");
}

}  // namespace
}  // namespace plexus::clientapi
