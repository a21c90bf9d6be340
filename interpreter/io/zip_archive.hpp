#pragma once
// Zip archives as Keras's .keras files use them (a few named entries, stored uncompressed), through
// Debian's libzip. Read and written whole in memory: a .keras file is the size of its weights.
#include <string>
#include <utility>
#include <vector>

namespace yamlnet {

using ZipEntries = std::vector<std::pair<std::string, std::string>>;  // name and contents, in archive order

// Every entry of the zip archive `bytes`. Throws DataError naming `source` when they are not a zip archive
// (or a damaged one: a bad checksum, a truncated entry) or an entry is larger than `max_entry_bytes`.
ZipEntries read_zip(const std::string& bytes, const std::string& source,
                    unsigned long long max_entry_bytes = 1ULL << 34);

// The archive holding `entries`, stored uncompressed with a fixed time, so the same entries give the same
// bytes.
std::string write_zip(const ZipEntries& entries, const std::string& target);

}  // namespace yamlnet
