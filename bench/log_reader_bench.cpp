// The interaction-log reader's speed and memory on a u.data-format file (bench/make_interactions.py writes
// one the size of MovieLens-20M): seconds, MB/s of the file, interactions, users, items, and the resident
// memory it peaked at (the file is mapped, so its pages count while they are read).
// Usage: yamlnet_log_reader_bench LOG   (prints one JSON object)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/graph/graph.hpp"

using namespace yamlnet;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s LOG\n", argv[0]);
    return 2;
  }
  const std::string config =
      "inputs: {u: {shape: [1]}}\nlayers: [{name: d, type: Dense, units: 1}]\n"
      "data: {type: implicit_feedback, path: '" +
      std::string(argv[1]) + "'}\n";
  const ModelSpec spec = parse_model_spec(config, "log_reader.yaml");
  const auto start = std::chrono::steady_clock::now();
  const InteractionLog log = read_interaction_log(spec.data.args, std::nullopt, std::nullopt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t interactions = 0;
  for (const auto& h : log.by_user) interactions += h.size();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double mb = static_cast<double>(std::filesystem::file_size(argv[1])) / 1e6;
  std::printf(
      "{\"seconds\": %.3f, \"file_mb\": %.1f, \"mb_per_s\": %.1f, \"interactions\": %zu, \"users\": %zu, "
      "\"items\": %lld, \"peak_rss_mb\": %.1f}\n",
      seconds, mb, mb / seconds, interactions, log.by_user.size(), static_cast<long long>(log.num_items),
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}
