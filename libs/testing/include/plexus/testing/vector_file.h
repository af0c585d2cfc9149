// Reader for the spec-vector data files under libs/*/vectors/: `#` header comments, then blocks
// that start with `case: <name>`, each a list of `key: value` fields. A field left empty
// followed by lines indented by two spaces takes those lines (joined by \n) as its value.
// Fields named `<key>-hex` hold bytes as hex pairs, for inputs that are not printable UTF-8.
// Header-only; part of plexus_testing, the helpers shared by test binaries.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace plexus::testing {

struct VectorCase {
  std::string name;
  int line = 0;  // line of `case:` in the file, for failure messages
  std::vector<std::pair<std::string, std::string>> fields;

  bool has(const std::string& key) const { return raw(key) || raw(key + "-hex"); }

  // The value of `key`, or of `key-hex` decoded; nullopt when neither is present.
  std::optional<std::string> get(const std::string& key) const {
    if (const std::string* v = raw(key)) return *v;
    if (const std::string* hex = raw(key + "-hex")) return decodeHex(*hex);
    return std::nullopt;
  }

  std::string where() const { return "case '" + name + "' (line " + std::to_string(line) + ")"; }

 private:
  const std::string* raw(const std::string& key) const {
    for (const auto& [k, v] : fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }

  static std::string decodeHex(const std::string& hex) {
    std::string out;
    std::istringstream in(hex);
    std::string pair;
    while (in >> pair) {
      if (pair.size() != 2) throw std::runtime_error("bad hex byte '" + pair + "'");
      out.push_back(static_cast<char>(std::stoi(pair, nullptr, 16)));
    }
    return out;
  }
};

struct VectorFile {
  std::vector<std::string> header;  // the leading `#` lines
  std::vector<VectorCase> cases;
};

inline VectorFile readVectorFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open vector file " + path);
  VectorFile file;
  std::string line;
  int lineNo = 0;
  bool inHeader = true;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '#') {
      if (inHeader) file.header.push_back(line);
      continue;
    }
    if (line.empty()) continue;
    inHeader = false;
    if (line.rfind("  ", 0) == 0) {
      if (file.cases.empty() || file.cases.back().fields.empty()) {
        throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": continuation without a field");
      }
      std::string& value = file.cases.back().fields.back().second;
      if (!value.empty()) value.push_back('\n');
      value += line.substr(2);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": expected 'key: value'");
    }
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (key == "case") {
      file.cases.push_back(VectorCase{value, lineNo, {}});
    } else if (file.cases.empty()) {
      throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": field before the first case");
    } else {
      file.cases.back().fields.emplace_back(std::move(key), std::move(value));
    }
  }
  return file;
}

}  // namespace plexus::testing
