#pragma once
// Files are written to a temporary file in the same folder, flushed, synced and renamed over the target,
// so a crash never leaves a half-written file behind.
#include <functional>
#include <string>
#include <string_view>

namespace yamlnet {

// Throws Error naming the path when any step fails. Creates missing parent folders.
void write_file_atomically(const std::string& path, const std::string& content);
// The same for content made in pieces: `produce` hands each piece to the writer it is given, so a large file
// never exists whole in memory.
using ChunkWriter = std::function<void(std::string_view)>;
void write_file_atomically(const std::string& path, const std::function<void(const ChunkWriter&)>& produce);

std::string read_file(const std::string& path);

// Makes `path` a second name of the file `existing` (a hard link), replacing what was at `path` in one
// rename; copies (atomically) where the file system has no hard links.
void link_file_atomically(const std::string& existing, const std::string& path);

// A file mapped read-only into memory: no copy and no fresh pages to zero (reading a 100 MB weights file into
// a string spent more time in page faults than in parsing). Empty files map to an empty view.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace yamlnet
