#include "experiments/result_store.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "sim/error.h"

namespace marketsim {
namespace {

Json column_json(const ColumnSpec& c) {
  std::vector<std::uint8_t> initial(c.initial.size());
  std::memcpy(initial.data(), c.initial.data(), initial.size());
  return Json{{"owner", c.owner},
              {"name", c.name},
              {"element_bytes", c.element_bytes},
              {"width", c.width},
              {"initial", Json::binary(std::move(initial))}};
}

ColumnSpec column_from_json(const Json& j) {
  ColumnSpec c{j.at("owner").get<std::string>(), j.at("name").get<std::string>(),
               j.at("element_bytes").get<std::size_t>(), j.at("width").get<std::size_t>(), {}};
  const auto& bytes = j.at("initial").get_binary();
  c.initial.resize(bytes.size());
  std::memcpy(c.initial.data(), bytes.data(), bytes.size());
  return c;
}

}  // namespace

std::vector<std::uint8_t> encode_unit_result(const UnitResult& result) {
  Json runs = Json::array();
  for (const RunResult& r : result.runs) runs.push_back(run_result_json(r));
  Json columns = Json::array();
  for (const ColumnSpec& c : result.columns) columns.push_back(column_json(c));
  const Json doc{{"format", kUnitResultFormat},
                 {"version", kUnitResultVersion},
                 {"replication", result.replication},
                 {"runs", runs},
                 {"columns", columns},
                 {"measured", Json{{"setup_seconds", result.setup_seconds}, {"run_seconds", result.run_seconds}}}};
  return Json::to_cbor(doc);
}

UnitResult decode_unit_result(std::span<const std::uint8_t> bytes) {
  Json doc;
  try {
    doc = Json::from_cbor(bytes.begin(), bytes.end());
  } catch (const Json::exception& e) {
    throw Error(std::string("stored unit result: not CBOR: ") + e.what());
  }
  if (!doc.is_object() || doc.value("format", std::string()) != kUnitResultFormat) {
    throw Error(std::string("stored unit result: not a \"") + kUnitResultFormat + "\" document");
  }
  if (doc.value("version", 0) != kUnitResultVersion) {
    throw Error("stored unit result: version " + doc.value("version", Json()).dump() + ", this build reads version " +
                std::to_string(kUnitResultVersion));
  }
  try {
    UnitResult out;
    out.replication = doc.at("replication").get<std::uint64_t>();
    for (const Json& r : doc.at("runs")) out.runs.push_back(run_result_from_json(r));
    for (const Json& c : doc.at("columns")) out.columns.push_back(column_from_json(c));
    out.setup_seconds = doc.at("measured").at("setup_seconds").get<double>();
    out.run_seconds = doc.at("measured").at("run_seconds").get<double>();
    return out;
  } catch (const Json::exception& e) {
    throw Error(std::string("stored unit result: ") + e.what());
  }
}

void write_unit_result_file(const std::string& path, const UnitResult& result) {
  const std::vector<std::uint8_t> bytes = encode_unit_result(result);
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw Error(path + ": cannot write the unit result");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temporary.c_str());
    throw Error(path + ": cannot write the unit result: " + std::strerror(err));
  }
}

UnitResult read_unit_result_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the unit result");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return decode_unit_result(bytes);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace marketsim
