#include "interpreter/io/run_outputs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace fs = std::filesystem;

namespace {

fs::path folder_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

bool process_alive(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The pid at the end of a leftover's name ("x.weights.json.tmp.1234", ".x.partial-1234"), or -1.
long trailing_pid(const std::string& name, const std::string& marker) {
  const auto at = name.rfind(marker);
  if (at == std::string::npos) return -1;
  const std::string digits = name.substr(at + marker.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stol(digits);
}

// Moves `from` to `to` (replacing it) and makes the move durable.
void move_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != EXDEV) throw Error(to + ": cannot write: " + std::strerror(errno));
    // Another file system (a history path elsewhere): copy beside the target, then rename there.
    const std::string temp = to + ".tmp." + std::to_string(::getpid());
    fs::copy_file(from, temp, fs::copy_options::overwrite_existing, ec);
    if (ec || ::rename(temp.c_str(), to.c_str()) != 0) {
      fs::remove(temp, ec);
      throw Error(to + ": cannot write: " + (ec ? ec.message() : std::string(std::strerror(errno))));
    }
  }
  const int dir = ::open(folder_of(to).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

void remove_stale_run_files(const std::string& path) {
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(path), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    long pid = -1;
    if (name.size() > 1 && name[0] == '.' && name.find(".partial-") != std::string::npos)
      pid = trailing_pid(name, ".partial-");
    else if (name.find(".tmp.") != std::string::npos)
      pid = trailing_pid(name, ".tmp.");
    if (pid > 0 && pid != ::getpid() && !process_alive(pid)) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

RunOutputs::RunOutputs(std::string weights_path, std::string history_path, std::string config_path)
    : weights_(std::move(weights_path)), history_(std::move(history_path)), config_(std::move(config_path)) {
  const fs::path folder = folder_of(weights_);
  std::error_code ec;
  fs::create_directories(folder, ec);
  remove_stale_run_files(weights_);
  // Built by appending: GCC 12 warns (a false -Wstringop-overflow) on "." + string and on = "." here.
  std::string staging_name(1, '.');
  staging_name += fs::path(weights_).filename().string();
  staging_name += ".partial-";
  staging_name += std::to_string(::getpid());
  staging_ = (folder / staging_name).string();
  fs::remove_all(staging_, ec);
  if (!fs::create_directories(staging_, ec) || ec)
    throw Error(weights_ + ": cannot create the staging folder " + staging_ + ": " + ec.message());
  staged_weights_ = staging_ + "/weights.json";
  staged_history_ = staging_ + "/history.csv";
  staged_config_ = staging_ + "/config.yaml";
}

RunOutputs::~RunOutputs() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void RunOutputs::commit() {
  // A lock file beside the weights: two runs committing to the same paths take turns, so each leaves a
  // complete set (the last one's), never a mix.
  const std::string lock_path = weights_ + ".lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) throw Error(lock_path + ": cannot create the lock file: " + std::strerror(errno));
  while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
  }
  try {
    // What would stop a move is checked before the first one: a folder where a file goes, a target folder
    // that cannot be written.
    for (const std::string& to : {config_, history_, weights_}) {
      std::error_code ec;
      if (fs::is_directory(to, ec)) throw Error(to + ": cannot write: a folder is in the way");
      fs::create_directories(folder_of(to), ec);
      if (::access(folder_of(to).c_str(), W_OK) != 0)
        throw Error(to + ": cannot write: " + std::strerror(errno));
    }
    for (const auto& [from, to] : {std::pair{staged_config_, config_}, std::pair{staged_history_, history_},
                                   std::pair{staged_weights_, weights_}})
      if (fs::exists(from)) move_into_place(from, to);
  } catch (...) {
    ::close(lock);  // releases the lock
    throw;
  }
  ::close(lock);
  committed_ = true;
}

}  // namespace yamlnet
