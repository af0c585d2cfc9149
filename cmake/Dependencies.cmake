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
# gRPC bindings (optional: the tree builds without them; services add their grpc/ parts only when
# PLEXUS_HAVE_GRPC). Debian ships no protobuf CMake config (FindProtobuf module) but does ship
# gRPCConfig.cmake.
# PLEXUS_WITH_GRPC=OFF leaves them out on purpose (the fuzz build: fuzzers drive the in-process
# paths, and the generated code would only lengthen the build).
option(PLEXUS_WITH_GRPC "Build the gRPC bindings when gRPC is found" ON)
set(PLEXUS_HAVE_GRPC OFF)
if(PLEXUS_WITH_GRPC)
  find_package(Protobuf QUIET)
  find_package(gRPC CONFIG QUIET)
  find_program(PLEXUS_GRPC_CPP_PLUGIN grpc_cpp_plugin)
endif()
if(NOT PLEXUS_WITH_GRPC)
  message(STATUS "gRPC bindings: off (PLEXUS_WITH_GRPC=OFF)")
elseif(Protobuf_FOUND AND gRPC_FOUND AND TARGET gRPC::grpc++ AND Protobuf_PROTOC_EXECUTABLE AND
   PLEXUS_GRPC_CPP_PLUGIN)
  set(PLEXUS_HAVE_GRPC ON)
  set(PLEXUS_PROTOC ${Protobuf_PROTOC_EXECUTABLE})
  set(PLEXUS_GRPC_LIBS gRPC::grpc++ protobuf::libprotobuf)
  message(STATUS "gRPC bindings: on (protoc ${Protobuf_VERSION})")
elseif("$ENV{PLEXUS_REQUIRE_GRPC}" STREQUAL "1")
  message(FATAL_ERROR "gRPC bindings required (PLEXUS_REQUIRE_GRPC=1) but gRPC/protobuf were not "
                      "found: install libgrpc++-dev protobuf-compiler-grpc (scripts/install-deps.sh)")
else()
  message(STATUS "gRPC bindings: off (install libgrpc++-dev protobuf-compiler-grpc)")
endif()
