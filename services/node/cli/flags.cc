// FlagReader: splits "--name=value" and takes separate values from the following argument.
#include "cli/flags.h"

namespace plexus::cli {

bool FlagReader::next() {
  if (index_ >= args_.size() || !error_.empty()) return false;
  std::string_view arg = args_[index_++];
  inline_.reset();
  std::size_t eq = arg.find('=');
  if (arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
    inline_ = std::string(arg.substr(eq + 1));
    arg = arg.substr(0, eq);
  }
  name_ = arg;
  return true;
}

std::optional<std::string> FlagReader::value() {
  if (inline_) return inline_;
  if (index_ >= args_.size()) {
    error_ = std::string(name_) + " needs a value";
    return std::nullopt;
  }
  return std::string(args_[index_++]);
}

}  // namespace plexus::cli
