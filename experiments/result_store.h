#pragma once
// A unit's result in its stored form: CBOR (RFC 8949, nlohmann::json's encoder) of one JSON
// document, compact and lossless: doubles are written as doubles (NaN and infinities included;
// one that a float holds exactly is written as a float, which reads back to the same double),
// integers as integers, rows as arrays. What a sweep's store, an MPI rank or a worker process
// hands back; the experiment's output files are rebuilt from a list of these
// (experiments/experiment.h assemble_experiment) byte for byte, summary.json's "performance"
// block apart (rebuilt from the stored measurements).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "experiments/run_unit.h"

namespace marketsim {

/// The stored form's format name and version (the document's "format" and "version").
inline constexpr const char* kUnitResultFormat = "marketsim-unit-result";
inline constexpr int kUnitResultVersion = 6;  // 2: the funnel and price paths; 3: metrics by consumer group; 4: recommendation metrics, offline scores; 5: inventory metrics, stock alerts; 6: warehouses (stock alerts by warehouse, fulfilment cost)

/// Encodes a unit's result.
std::vector<std::uint8_t> encode_unit_result(const UnitResult& result);

/// Decodes encode_unit_result's bytes; throws Error ("stored unit result: ...") on bytes that are
/// not CBOR, of another format or version, or malformed.
UnitResult decode_unit_result(std::span<const std::uint8_t> bytes);

/// Writes / reads a file of encode_unit_result's bytes (written to a temporary name beside it,
/// then renamed, so a reader never sees half a result). Errors name the file.
void write_unit_result_file(const std::string& path, const UnitResult& result);
UnitResult read_unit_result_file(const std::string& path);

}  // namespace marketsim
