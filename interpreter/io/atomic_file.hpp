#pragma once
// Files are written to a temporary file in the same folder, flushed, synced and renamed over the target,
// so a crash never leaves a half-written file behind.
#include <string>

namespace yamlnet {

// Throws Error naming the path when any step fails. Creates missing parent folders.
void write_file_atomically(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace yamlnet
