# Every third-party dependency is found here, once. Debian package names live in scripts/packages.txt.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(ZLIB REQUIRED)
find_package(SQLite3 REQUIRED)      # SQLite::SQLite3
find_package(PostgreSQL REQUIRED)   # PostgreSQL::PostgreSQL (libpq)
find_package(OpenSSL 3 REQUIRED)   # OpenSSL::SSL, OpenSSL::Crypto: TLS in libs/http
if(PLEXUS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PLEXUS_BUILD_BENCHMARKS)
  find_package(benchmark CONFIG REQUIRED)
endif()
