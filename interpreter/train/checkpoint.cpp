#include "interpreter/train/checkpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "interpreter/core/fault_injection.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/sha256.hpp"
#include "interpreter/io/weights.hpp"

namespace yamlnet {

namespace fs = std::filesystem;

const FunctionFamily& checkpoint_family() {
  static const FunctionFamily family{
      "checkpoint",
      {{"checkpoint",
        "write a resumable checkpoint (weights, optimizer, callbacks, history) every few epochs",
        {required(string_arg("dir", std::nullopt, "folder of the checkpoints (epoch-NNNN inside)")),
         int_arg("every_epochs", 1, "epochs between checkpoints", 1),
         int_arg("keep", 3, "how many of the newest checkpoints to keep", 1)}}}};
  return family;
}

namespace {

constexpr const char* kFormat = "yamlnet.checkpoint";
constexpr int kFormatVersion = 1;

std::string folder_name(int epochs_done) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "epoch-%04d", epochs_done);
  return buf;
}

// Checkpoint folders of `dir`, newest first (temporary folders of a write that died are ignored).
std::vector<fs::path> checkpoints(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("epoch-", 0) == 0 && name.find('.') == std::string::npos)
      out.push_back(entry.path());
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

std::string sealed(nlohmann::ordered_json j) {
  j["sha256"] = sha256_hex(j.dump());
  return j.dump(1) + "\n";
}

}  // namespace

Checkpointer::Checkpointer(std::string dir, int every_epochs, int keep)
    : dir_(std::move(dir)), every_(every_epochs), keep_(keep) {}

std::string Checkpointer::after_epoch(int epochs_done, bool last, const TrainingState& state,
                                      const std::string& config_yaml) {
  if (!due(epochs_done, last)) return "";
  const std::string weights = weights_to_json(*state.model);
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["format_version"] = kFormatVersion;
  j["epochs_done"] = epochs_done;
  j["finished"] = last;
  j["model"] = state.model->spec().name;
  j["spec_sha256"] = spec_sha256(state.model->spec());
  j["weights_sha256"] = sha256_hex(weights);
  nlohmann::ordered_json opt;
  opt["name"] = state.optimizer->name();
  opt["iterations"] = state.optimizer->iterations();
  opt["slots"] = nlohmann::ordered_json::object();
  for (const auto& [key, slots] : state.optimizer->slots()) opt["slots"][key] = slots;
  j["optimizer"] = opt;
  j["callbacks"] = nlohmann::ordered_json::array();
  for (const auto& cb : *state.callbacks) j["callbacks"].push_back(cb->state());
  j["history"] = logs_to_json(*state.history);
  j["config"] = config_yaml;

  // Written beside its final name, then renamed: a folder named epoch-NNNN is always complete.
  const fs::path final_path = fs::path(dir_) / folder_name(epochs_done);
  const fs::path temp = fs::path(dir_) / (folder_name(epochs_done) + ".partial");
  std::error_code ec;
  fs::remove_all(temp, ec);
  write_file_atomically((temp / "weights.json").string(), weights);
  write_file_atomically((temp / "state.json").string(), sealed(std::move(j)));
  fs::remove_all(final_path, ec);
  fs::rename(temp, final_path, ec);
  if (ec) throw TrainingError(final_path.string() + ": cannot write the checkpoint: " + ec.message());
  const auto all = checkpoints(dir_);
  for (size_t i = static_cast<size_t>(keep_); i < all.size(); ++i) fs::remove_all(all[i], ec);
  last_ = final_path.string();
  if (const auto k = fault_setting("kill_after_epoch"); k && std::to_string(epochs_done) == *k)
    die_by_injected_fault();
  return last_;
}

namespace {

// Reads and checks one checkpoint; throws Error naming what is wrong.
nlohmann::ordered_json read_checkpoint(const fs::path& folder, const Model& model, std::string& weights) {
  const std::string state_path = (folder / "state.json").string();
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(read_file(state_path));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(state_path + ": not valid JSON (truncated?)");
  }
  if (!j.is_object() || j.value("format", "") != kFormat || j.value("format_version", 0) != kFormatVersion)
    throw Error(state_path + ": not a yamlnet checkpoint of format version " +
                std::to_string(kFormatVersion));
  const std::string seal = j.value("sha256", "");
  j.erase("sha256");
  if (seal != sha256_hex(j.dump())) throw Error(state_path + ": checksum mismatch (the file was damaged)");
  weights = read_file((folder / "weights.json").string());
  if (sha256_hex(weights) != j.value("weights_sha256", ""))
    throw Error((folder / "weights.json").string() + ": checksum mismatch (the file was damaged)");
  if (j.value("spec_sha256", "") != spec_sha256(model.spec()))
    throw TrainingError(folder.string() +
                        ": this checkpoint is of a different model (the config's layers changed)");
  return j;
}

}  // namespace

ResumePoint resume_from(const std::string& dir, const TrainingState& state) {
  ResumePoint point;
  const auto all = checkpoints(dir);
  if (all.empty()) throw TrainingError(dir + ": no checkpoint to resume from (epoch-NNNN folders)");
  for (const auto& folder : all) {
    std::string weights;
    nlohmann::ordered_json j;
    try {
      j = read_checkpoint(folder, *state.model, weights);
    } catch (const TrainingError&) {
      throw;
    } catch (const Error& e) {
      point.warnings.push_back(std::string("skipping a damaged checkpoint: ") + e.what());
      continue;
    }
    load_weights_from_text(*state.model, weights, (folder / "weights.json").string());
    const auto& opt = j.at("optimizer");
    if (opt.at("name").get<std::string>() != state.optimizer->name())
      throw TrainingError(folder.string() + ": the checkpoint's optimizer is " +
                          opt.at("name").get<std::string>() + ", the config's " + state.optimizer->name());
    state.optimizer->set_iterations(opt.at("iterations").get<int64_t>());
    state.optimizer->slots().clear();
    for (const auto& slot : state.model->parameters()) {
      if (!opt.at("slots").contains(slot.key)) continue;  // not updated yet (e.g. frozen until now)
      auto values = opt.at("slots").at(slot.key).get<SlotValues>();
      const Index whole = shape_size(full_shape(*slot.param));
      const auto [begin, end] = own_values(*slot.param);
      for (auto& v : values) {
        if (static_cast<Index>(v.size()) != whole)
          throw TrainingError(folder.string() + ": optimizer state of '" + slot.key + "' has " +
                              std::to_string(v.size()) + " values, the parameter " + std::to_string(whole));
        // A table split across processes keeps the state of its own rows.
        if (end - begin != whole) RealBuffer(v.begin() + begin, v.begin() + end).swap(v);
      }
      state.optimizer->slots()[slot.key] = std::move(values);
    }
    const auto& cbs = j.at("callbacks");
    if (cbs.size() != state.callbacks->size())
      throw TrainingError(folder.string() + ": the checkpoint has " + std::to_string(cbs.size()) +
                          " callbacks, the config " + std::to_string(state.callbacks->size()));
    for (size_t i = 0; i < cbs.size(); ++i) (*state.callbacks)[i]->restore_state(cbs[i]);
    *state.history = logs_from_json(j.at("history"));
    point.epochs_done = j.at("epochs_done").get<int>();
    point.finished = j.at("finished").get<bool>();
    point.folder = folder.string();
    return point;
  }
  throw TrainingError(dir + ": every checkpoint is damaged; nothing to resume from");
}

}  // namespace yamlnet
