// Federation media: download and thumbnail answered as multipart/mixed (a JSON part, then the
// content), served from a fake MediaApi.
#include "federation_routes_fixture.h"
#include "media/api/media_api.h"

namespace plexus::federationapi {
namespace {

class FakeMedia final : public media::MediaApi {
 public:
  std::string lastServer;
  media::ThumbnailRequest lastThumbnail;

  Result<media::MediaContent> queryMedia(const CallContext&, std::string_view serverName,
                                         std::string_view mediaId, std::int64_t) override {
    lastServer = std::string(serverName);
    if (mediaId != "abc") return fail(ErrorCode::kNotFound, "no such media");
    media::MediaContent content;
    content.metadata.contentType = "text/plain";
    content.bytes = "hello media";
    content.metadata.fileName = "notes \r\nX-Injected: 1.txt";
    return content;
  }
  Result<media::Thumbnail> queryThumbnail(const CallContext&,
                                          const media::ThumbnailRequest& request) override {
    lastThumbnail = request;
    return media::Thumbnail{"image/png", "PNGDATA", 32, 32, false};
  }
  Result<media::UploadResult> performUpload(const CallContext&,
                                            const media::UploadRequest&) override {
    return no();
  }
  Result<media::CreatedMedia> performCreate(const CallContext&, std::string_view) override {
    return no();
  }
  Status performUploadTo(const CallContext&, std::string_view, std::string_view,
                         const media::UploadRequest&) override {
    return no();
  }
  Result<media::MediaMetadata> queryMetadata(const CallContext&, std::string_view,
                                             std::string_view) override {
    return no();
  }
  media::MediaConfig queryConfig(const CallContext&) override { return {}; }

 private:
  static Unexpected no() { return fail(ErrorCode::kUnrecognized, "not in this fake"); }
};

class FederationMediaTest : public testing::FederationRoutesTest {
 protected:
  void configure(FederationDeps& deps) override { deps.media = &media_; }
  FakeMedia media_;
};

std::string boundaryOf(const std::string& contentType) {
  auto at = contentType.find("boundary=");
  return at == std::string::npos ? std::string() : contentType.substr(at + 9);
}

TEST_F(FederationMediaTest, DownloadIsMultipartWithJsonThenContent) {
  auto reply = call("GET", "/_matrix/federation/v1/media/download/abc");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  ASSERT_EQ(reply.contentType.rfind("multipart/mixed; boundary=", 0), 0u) << reply.contentType;
  std::string b = boundaryOf(reply.contentType);
  ASSERT_FALSE(b.empty());
  // The file name travels in the part's Content-Disposition, percent-encoded when it is not
  // plain ASCII (no header can be smuggled in through it).
  EXPECT_EQ(reply.raw, "--" + b + "\r\nContent-Type: application/json\r\n\r\n{}\r\n--" + b +
                           "\r\nContent-Type: text/plain\r\nContent-Disposition: inline; "
                           "filename*=utf-8''notes%20%0D%0AX-Injected%3A%201.txt\r\n\r\nhello "
                           "media\r\n--" +
                           b + "--\r\n");
  EXPECT_EQ(media_.lastServer, "us.test");
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/media/download/nothing").status, 404);
}

TEST_F(FederationMediaTest, ThumbnailPassesSizeAndMethod) {
  auto reply =
      call("GET", "/_matrix/federation/v1/media/thumbnail/abc?width=32&height=24&method=crop");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_NE(reply.raw.find("Content-Type: image/png\r\nContent-Disposition: inline\r\n\r\nPNGDATA"),
            std::string::npos);
  EXPECT_EQ(media_.lastThumbnail.width, 32);
  EXPECT_EQ(media_.lastThumbnail.height, 24);
  EXPECT_EQ(media_.lastThumbnail.method, media::ThumbnailMethod::kCrop);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/media/thumbnail/abc?width=0&height=5").status, 400);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/media/thumbnail/abc").status, 400);
}

}  // namespace
}  // namespace plexus::federationapi
