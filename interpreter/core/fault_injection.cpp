#include "interpreter/core/fault_injection.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace yamlnet {

std::optional<std::string> fault_setting(const std::string& key) {
  const char* env = std::getenv("YAMLNET_FAULT");
  if (!env) return std::nullopt;
  const std::string all(env);
  size_t start = 0;
  while (start <= all.size()) {
    const size_t end = std::min(all.find(',', start), all.size());
    const std::string item = all.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq != std::string::npos && item.substr(0, eq) == key) return item.substr(eq + 1);
    start = end + 1;
  }
  return std::nullopt;
}

void die_by_injected_fault() {
  ::kill(::getpid(), SIGKILL);
  std::abort();  // not reached
}

std::optional<RankFault> rank_fault(int rank) {
  for (const bool hangs : {false, true}) {
    const auto setting = fault_setting(hangs ? "rank_hangs_at" : "rank_dies_at");
    if (!setting) continue;
    const size_t colon = setting->find(':');
    if (colon == std::string::npos || std::atoi(setting->c_str()) != rank) continue;
    return RankFault{std::atol(setting->c_str() + colon + 1), hangs};
  }
  return std::nullopt;
}

void hang_by_injected_fault() {
  for (;;) ::pause();
}

}  // namespace yamlnet
