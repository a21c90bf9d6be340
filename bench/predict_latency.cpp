// Serving figures of the public API (include/yamlnet/): single-request latency (batch 1, p50 and p99) and
// batch throughput, for NeuMF's score and YouTube-DNN's user tower, on one thread and on two threads sharing
// one loaded model. Weights are the configs' seeded initial ones (the values do not change the work). Usage:
// yamlnet_predict_latency SOURCE_DIR [requests]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "yamlnet/yamlnet.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Random valid ids (or features) for `batch` rows of every input.
struct Request {
  std::vector<std::vector<std::int32_t>> ids;
  std::vector<yamlnet::InputBuffer> buffers;
  Request(const yamlnet::LoadedModel& model, std::int64_t batch, unsigned seed) {
    ids.reserve(model.inputs().size());
    for (const auto& input : model.inputs()) {
      std::vector<std::int32_t> values(static_cast<size_t>(batch * input.sample_size()));
      for (auto& v : values) {
        seed = seed * 1664525u + 1013904223u;
        v = static_cast<std::int32_t>(seed %
                                      static_cast<unsigned>(std::max<std::int64_t>(input.id_limit, 1)));
      }
      ids.push_back(std::move(values));
      buffers.push_back({input.name, std::span<const std::int32_t>(ids.back())});
    }
  }
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

void measure(const std::string& label, const yamlnet::LoadedModel& model, const std::string& output,
             int requests) {
  const yamlnet::TensorInfo info = model.layer_output(output);
  // Latency: one row per call.
  const Request one(model, 1, 7);
  std::vector<float> y(static_cast<size_t>(info.sample_size()));
  const yamlnet::OutputBuffer out{output, y};
  for (int w = 0; w < 50; ++w) model.predict(1, one.buffers, std::span(&out, 1));
  std::vector<double> micros;
  for (int r = 0; r < requests; ++r) {
    const auto t0 = Clock::now();
    model.predict(1, one.buffers, std::span(&out, 1));
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  // Throughput: batches of 1024 rows, on one thread, then on two threads sharing the model.
  constexpr std::int64_t kBatch = 1024;
  const Request many(model, kBatch, 11);
  auto rows_per_second = [&](int threads) {
    const int calls = std::max(4, requests / 50);
    std::vector<std::thread> pool;
    const auto t0 = Clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        std::vector<float> ys(static_cast<size_t>(kBatch * info.sample_size()));
        const yamlnet::OutputBuffer o{output, ys};
        for (int c = 0; c < calls; ++c) model.predict(kBatch, many.buffers, std::span(&o, 1));
      });
    for (auto& t : pool) t.join();
    return static_cast<double>(threads * calls * kBatch) /
           std::chrono::duration<double>(Clock::now() - t0).count();
  };
  const double one_thread = rows_per_second(1), two_threads = rows_per_second(2);
  std::printf(
      "%-22s batch 1: p50 %7.1f us  p99 %7.1f us | batch %lld: %10.0f rows/s (1 thread) %10.0f rows/s "
      "(2 threads)\n",
      label.c_str(), percentile(micros, 0.5), percentile(micros, 0.99), static_cast<long long>(kBatch),
      one_thread, two_threads);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR [requests]\n", argv[0]);
    return 2;
  }
  const std::string source = argv[1];
  const int requests = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5000;
  try {
    // One thread per call inside the model, so that two callers use the two cores.
    const auto neumf = yamlnet::LoadedModel::load(source + "/configs/ncf_neumf.yaml", "", {"threads=1"});
    measure("NeuMF score", neumf, "score", requests);
    const auto youtube = yamlnet::LoadedModel::load(source + "/configs/youtube_dnn.yaml", "", {"threads=1"});
    measure("YouTube-DNN user tower", youtube, "user_vector", requests);
  } catch (const yamlnet::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
