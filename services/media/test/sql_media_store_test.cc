// SqlMediaStore on SQLite and PostgreSQL: items round-trip, duplicate IDs, pending uploads
// completing once, expiry, and thumbnail rows.
#include "media/storage/migrations.h"
#include "media/storage/sql_media_store.h"
#include "plexus/storage/errors.h"
#include "plexus/storage/migrations.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::media {
namespace {

class SqlMediaStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto m = storage::migrate(db(), "media", mediaMigrations());
    ASSERT_TRUE(m.ok()) << m.error().message;
  }
  static MediaRow item(std::string id, std::string sha = "ab") {
    MediaRow row;
    row.serverName = "example.org";
    row.mediaId = std::move(id);
    row.uploaderUserId = "@a:example.org";
    row.contentType = "image/png";
    row.fileName = "cat.png";
    row.sizeBytes = 10;
    row.sha256 = std::move(sha);
    row.createdMs = 5;
    row.uploadedMs = 5;
    return row;
  }
  SqlMediaStore store_;
};

TEST_P(SqlMediaStoreTest, MigrationIsIdempotent) {
  auto again = storage::migrate(db(), "media", mediaMigrations());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
}

TEST_P(SqlMediaStoreTest, ItemRoundTripsAndDuplicateIdIsUniqueViolation) {
  ASSERT_TRUE(store_.insertMedia(db(), item("m1")).ok());
  auto got = store_.getMedia(db(), "example.org", "m1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->contentType, "image/png");
  EXPECT_EQ((*got)->fileName, "cat.png");
  EXPECT_EQ((*got)->sizeBytes, 10);
  EXPECT_EQ((*got)->uploadedMs, 5);
  EXPECT_FALSE((*got)->expiresMs.has_value());
  EXPECT_FALSE((*got)->pending());
  auto dup = store_.insertMedia(db(), item("m1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(storage::isUniqueViolation(dup.error()));
  EXPECT_FALSE(store_.getMedia(db(), "other.org", "m1")->has_value());
  EXPECT_FALSE(store_.getMedia(db(), "example.org", "m2")->has_value());
}

TEST_P(SqlMediaStoreTest, PendingUploadCompletesOnlyOnce) {
  MediaRow pending = item("p1", "");
  pending.fileName.reset();
  pending.uploadedMs.reset();
  pending.expiresMs = 100;
  ASSERT_TRUE(store_.insertMedia(db(), pending).ok());
  EXPECT_TRUE((*store_.getMedia(db(), "example.org", "p1"))->pending());
  EXPECT_EQ(*store_.countPending(db(), "@a:example.org", 50), 1);

  MediaRow done = item("p1", "cafe");
  done.uploadedMs = 60;
  EXPECT_TRUE(*store_.completeUpload(db(), done));
  EXPECT_FALSE(*store_.completeUpload(db(), done));
  auto got = *store_.getMedia(db(), "example.org", "p1");
  EXPECT_EQ(got->sha256, "cafe");
  EXPECT_FALSE(got->expiresMs.has_value());
  EXPECT_EQ(*store_.countPending(db(), "@a:example.org", 50), 0);
}

TEST_P(SqlMediaStoreTest, ExpiredPendingUploadsAreDeleted) {
  MediaRow old = item("old", "");
  old.expiresMs = 100;
  MediaRow fresh = item("fresh", "");
  fresh.expiresMs = 300;
  ASSERT_TRUE(store_.insertMedia(db(), old).ok());
  ASSERT_TRUE(store_.insertMedia(db(), fresh).ok());
  ASSERT_TRUE(store_.insertMedia(db(), item("done")).ok());
  EXPECT_EQ(*store_.countPending(db(), "@a:example.org", 200), 1);
  EXPECT_EQ(*store_.deleteExpiredPending(db(), 200), 1);
  EXPECT_FALSE(store_.getMedia(db(), "example.org", "old")->has_value());
  EXPECT_TRUE(store_.getMedia(db(), "example.org", "fresh")->has_value());
  EXPECT_TRUE(store_.getMedia(db(), "example.org", "done")->has_value());
}

TEST_P(SqlMediaStoreTest, ThumbnailsAreListedSmallestFirstAndDuplicatesIgnored) {
  ASSERT_TRUE(store_.insertMedia(db(), item("m1")).ok());
  ThumbnailRow big{320, 240, "scale", "image/png", 900, "s1", 7};
  ThumbnailRow small{32, 32, "crop", "image/png", 90, "s2", 7};
  ASSERT_TRUE(store_.insertThumbnail(db(), "example.org", "m1", big).ok());
  ASSERT_TRUE(store_.insertThumbnail(db(), "example.org", "m1", small).ok());
  ASSERT_TRUE(store_.insertThumbnail(db(), "example.org", "m1", small).ok());
  auto list = store_.listThumbnails(db(), "example.org", "m1");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2U);
  EXPECT_EQ((*list)[0].width, 32);
  EXPECT_EQ((*list)[0].method, "crop");
  EXPECT_EQ((*list)[1].height, 240);
  EXPECT_EQ((*list)[1].sha256, "s1");
  EXPECT_TRUE(store_.listThumbnails(db(), "example.org", "m2")->empty());
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(SqlMediaStoreTest);

}  // namespace plexus::media
