#pragma once
// What the loops over units (sweeps, optimisations) share when they write their directory: a
// file replaced whole (written to a temporary name beside it, then renamed over it, so a reader
// or a killed process never sees half of it) and the time stamps of their metadata.
#include <filesystem>
#include <string>
#include <utility>

#include "sim/params.h"

namespace marketsim {

/// Writes `text` to `path` through `path`.tmp and a rename. Throws Error when it cannot.
void write_file_replacing(const std::filesystem::path& path, const std::string& text);

/// The text of a sweep's, an optimisation's or an A/B test's file (`what`: "sweep file", ...).
/// Throws ScenarioError naming the file when it cannot be read.
std::string read_work_file(const std::string& path, const std::string& what);

/// The current time in UTC, as 2026-12-07T04:05:06Z.
std::string utc_now();

/// What every loop's metadata file starts with (sweep.json, optimize.json, abtest.json): the
/// marketsim version, commit and build, the threads, the host, the command line, and when it
/// started (as given) and finished (now).
Json run_metadata(std::size_t threads, const std::string& command_line, const std::string& started);

/// A JSON value as a CSV field: a string as its text (quoted where CSV needs), anything else as JSON.
std::string csv_json_field(const Json& v);

/// The base scenario of a sweep or an optimisation file, given at `pointer` of `file` as a path
/// (relative to the file's folder) or inline: the document and its name for messages (the path,
/// or "FILE (POINTER)"). Throws ScenarioError naming the file and the pointer.
std::pair<Json, std::string> read_base_scenario(const Json& value, const std::string& file, const std::string& pointer);

/// A fingerprint of a sweep's or an optimisation's file (its text), its resolved base scenario
/// and marketsim's commit: a store refuses to serve the work of another.
std::string work_fingerprint(const std::string& text, const Json& base);

}  // namespace marketsim
