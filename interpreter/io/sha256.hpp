#pragma once
#include <string>

namespace yamlnet {

// SHA-256 (FIPS 180-4) of `data`, as 64 lowercase hex digits.
std::string sha256_hex(const std::string& data);

}  // namespace yamlnet
