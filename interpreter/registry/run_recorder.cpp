#include "interpreter/registry/run_recorder.hpp"

#include <chrono>

#include "interpreter/core/threads.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/sha256.hpp"

namespace yamlnet {

namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nlohmann::ordered_json logs_object(const Logs& logs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : logs) j[name] = value;
  return j;
}

}  // namespace

RunRecorder::RunRecorder(const RegistryChoice& choice, const std::string& verb, const ModelSpec& spec,
                         const std::vector<std::string>& overrides) {
  started_ = seconds_now();
  if (choice.off) return;
  run_.verb = verb;
  run_.config_name = spec.name;
  run_.config_path = spec.file;
  run_.config_yaml = spec.effective_config;
  run_.config_hash = sha256_hex(spec.effective_config);
  run_.overrides = overrides;
  run_.threads = spec.threads;
  run_.sweep_id = choice.sweep_id;
  run_.trial = choice.trial;
  try {
    registry_ = std::make_unique<RunRegistry>(registry_path(choice.path));
    run_.id = registry_->begin_run(run_);
  } catch (const Error& e) {
    lost("not recorded in the run registry", e);
  }
}

RunRecorder::~RunRecorder() {
  // An exception that is not a yamlnet::Error (a bug) still leaves the run marked as ended.
  if (registry_ && !ended_) fail("the run ended without finishing");
}

void RunRecorder::lost(const std::string& doing, const std::exception& e) {
  warnings_.push_back("warning: run " + doing + ": " + e.what());
  registry_.reset();
}

void RunRecorder::on_epoch_end(EpochEnd& end) {
  if (!registry_) return;
  nlohmann::ordered_json row = {{"epoch", end.epoch + 1}};
  for (const auto& [name, value] : end.logs) row[name] = value;
  try {
    registry_->add_epoch(run_.id, row);
  } catch (const Error& e) {
    lost("stopped being recorded", e);
  }
}

void RunRecorder::end() {
  ended_ = true;
  run_.threads = threads_in_use();
  run_.wall_seconds = seconds_now() - started_;
  try {
    registry_->finish_run(run_);
  } catch (const Error& e) {
    lost("end not recorded", e);
  }
}

void RunRecorder::finish(const Logs& final_logs, const Logs& test_logs, const std::string& weights_path) {
  if (!registry_) return;
  run_.final_metrics = logs_object(final_logs);
  run_.test_metrics = logs_object(test_logs);
  run_.weights_path = weights_path;
  try {
    if (!weights_path.empty()) run_.weights_sha256 = sha256_hex(read_file(weights_path));
  } catch (const Error& e) {
    warnings_.push_back(std::string("warning: run registry: no sha256 of the weights: ") + e.what());
  }
  end();
}

void RunRecorder::fail(const std::string& message) {
  if (!registry_) return;
  run_.error = message.empty() ? "failed" : message;
  end();
}

void ObserverList::on_epoch_begin(int epoch, int epochs, long steps) {
  for (auto* o : observers_) o->on_epoch_begin(epoch, epochs, steps);
}
void ObserverList::on_batch_end(long step, const Logs& running) {
  for (auto* o : observers_) o->on_batch_end(step, running);
}
void ObserverList::on_epoch_end(EpochEnd& end) {
  for (auto* o : observers_) o->on_epoch_end(end);
}
void ObserverList::on_train_end() {
  for (auto* o : observers_) o->on_train_end();
}
void ObserverList::on_message(const std::string& text) {
  for (auto* o : observers_) o->on_message(text);
}

std::string recorded_weights_path(const ModelSpec& spec, const std::string& run_id) {
  return "runs/" + spec.name + "/" + run_id + "/" + spec.name + ".weights.json";
}

}  // namespace yamlnet
