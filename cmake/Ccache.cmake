# Uses ccache for every compile when it is installed (CI keeps its cache warm between runs).
find_program(PLEXUS_CCACHE ccache)
if(PLEXUS_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${PLEXUS_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${PLEXUS_CCACHE})
endif()
