// `plexus state replay`: placeholder until libs/stateres provides the replay engine.
#include <cstdio>
#include <span>

namespace plexus::cli {
int runStateReplay(std::span<char* const>) {
  std::fprintf(stderr, "plexus state replay: not implemented yet\n");
  return 2;
}
}  // namespace plexus::cli
