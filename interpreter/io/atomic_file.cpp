#include "interpreter/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/fault_injection.hpp"

namespace yamlnet {

void write_file_atomically(const std::string& path, const std::string& content) {
  write_file_atomically(path, [&](const ChunkWriter& write) { write(content); });
}

void link_file_atomically(const std::string& existing, const std::string& path) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(temp.c_str());
  if (::link(existing.c_str(), temp.c_str()) != 0) return write_file_atomically(path, read_file(existing));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw Error(path + ": cannot write: " + reason);
  }
}

void write_file_atomically(const std::string& path, const std::function<void(const ChunkWriter&)>& produce) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot write: " + std::strerror(errno));
  // Failure injection: die with half of the first piece written; the target must stay as it was.
  const auto fault = fault_setting("kill_in_write");
  const bool die = fault && !fault->empty() && path.find(*fault) != std::string::npos;
  const ChunkWriter write = [&](std::string_view piece) {
    const size_t limit = die ? piece.size() / 2 : piece.size();
    size_t written = 0;
    while (written < limit) {
      const ssize_t n = ::write(fd, piece.data() + written, limit - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(path + ": cannot write: " + std::strerror(errno));  // cleaned up below
      }
      written += static_cast<size_t>(n);
    }
    if (die) die_by_injected_fault();
  };
  try {
    produce(write);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (die) die_by_injected_fault();  // nothing was written at all
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
  // One allocation of the file's size and one read into it: a stream buffer that grows by doubling copies a
  // 100 MB weights file several times over (most of the reader's time before this).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open the file");
  struct stat info {};
  if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    ::close(fd);
    throw Error(path + ": cannot open the file");
  }
  std::string text;
  text.resize(static_cast<size_t>(info.st_size));
  size_t got = 0;
  while (true) {
    if (got == text.size()) text.resize(text.size() + 65536);  // a file that grew, or a pipe (size 0)
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw Error(path + ": cannot read: " + reason);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open the file");
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw Error(path + ": cannot open the file (not a regular file)");
  }
  size_ = static_cast<size_t>(info.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw Error(path + ": cannot read: " + reason);
    }
    data_ = static_cast<const char*>(mapped);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace yamlnet
