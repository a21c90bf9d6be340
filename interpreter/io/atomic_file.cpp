#include "interpreter/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/fault_injection.hpp"

namespace yamlnet {

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot write: " + std::strerror(errno));
  // Failure injection: die with half the temp file written; the target must stay as it was.
  const auto fault = fault_setting("kill_in_write");
  const bool die = fault && !fault->empty() && path.find(*fault) != std::string::npos;
  const size_t limit = die ? content.size() / 2 : content.size();
  size_t written = 0;
  while (written < limit) {
    const ssize_t n = ::write(fd, content.data() + written, limit - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      throw Error(path + ": cannot write: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (die) die_by_injected_fault();
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw Error(path + ": cannot write: " + reason);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw Error(path + ": cannot replace the file: " + reason);
  }
  // The rename itself must reach the disk: sync the folder that holds the entry.
  const std::string folder = target.has_parent_path() ? target.parent_path().string() : ".";
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace yamlnet
