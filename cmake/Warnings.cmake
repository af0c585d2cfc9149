# Project-wide warning flags, applied per target by plexus_add_* so that third-party code is untouched.
set(PLEXUS_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND PLEXUS_WARNING_FLAGS -Wshadow=local)  # GCC-only spelling
endif()
if(PLEXUS_WERROR)
  list(APPEND PLEXUS_WARNING_FLAGS -Werror)
endif()
