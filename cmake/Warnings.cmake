# Project-wide warning flags, applied per target by plexus_add_* so that third-party code is untouched.
set(PLEXUS_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(PLEXUS_WERROR)
  list(APPEND PLEXUS_WARNING_FLAGS -Werror)
endif()
