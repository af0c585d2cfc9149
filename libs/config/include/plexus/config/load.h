// Reading and writing the YAML configuration: parse (unknown keys and wrong types are errors,
// all reported at once), environment overrides for secrets, verification, and the commented
// file that `plexus generate-config` prints.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "plexus/config/config.h"
#include "plexus/core/result.h"

namespace plexus::config {

// Parses YAML text into the defaults overlaid with what the text sets. Errors: kInvalidParam
// listing every problem (syntax, unknown keys, wrong types), one per line. `source` names the
// text in messages (a file path). Does not call verify() nor read the environment.
Result<Config> parseYaml(std::string_view text, std::string_view source = "config");

// Reads and parses a file. Errors: kNotFound when it cannot be read; those of parseYaml.
Result<Config> loadFile(const std::string& path);

// Environment variables that override secrets: PLEXUS_DATABASE_DSN (database.postgres_dsn),
// PLEXUS_TURN_PASSWORD (client_api.turn.password). `getenv` returns nullptr when unset; the
// default reads the process environment.
using Getenv = std::function<const char*(const char*)>;
void applyEnvironment(Config& config, const Getenv& getenv = {});

// Fails with kInvalidParam listing every problem of config.verify(), one per line.
Status verifyOrFail(const Config& config);

struct GenerateOptions {
  std::string serverName = "localhost";
  std::string dataDir = "./var";
  std::string postgresDsn;  // empty: SQLite
};

// A complete, commented YAML file with every key at its default (except the options given);
// parseYaml() reads it back to the same values.
std::string generateYaml(const GenerateOptions& options);

// The commented YAML form of any Config; parseYaml(toYaml(c)) gives back c.
std::string toYaml(const Config& config);

}  // namespace plexus::config
