#include "interpreter/docs/reference.hpp"

#include <cctype>

#include "interpreter/data/data_source.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/fit_spec.hpp"
#include "interpreter/train/learning_rate_schedules.hpp"
#include "interpreter/train/losses.hpp"
#include "interpreter/train/metrics.hpp"
#include "interpreter/train/optimizers.hpp"
#include "layers/functional/activations.hpp"
#include "layers/functional/constraints.hpp"
#include "layers/functional/initializers.hpp"
#include "layers/functional/regularizers.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

namespace {

std::string capitalized(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

std::string base_type_name(const ArgSpec& a) {
  switch (a.type) {
    case ArgType::Int:
      return "int";
    case ArgType::Float:
      return a.family ? "float or " + a.family->name : "float";
    case ArgType::Bool:
      return "bool";
    case ArgType::String:
      return "string";
    case ArgType::Enum: {
      std::string out;
      for (const auto& c : a.choices) out += (out.empty() ? "" : " \\| ") + c;
      return out;
    }
    case ArgType::IntList:
      return "list of int";
    case ArgType::FloatList:
      return "list of float";
    case ArgType::StringList:
      return "list of names";
    case ArgType::Function:
      return a.family->name;
    case ArgType::FunctionList:
      return "list of " + a.family->name + "s";
    case ArgType::Layer:
      return "layer";
  }
  return "";
}

std::string type_name(const ArgSpec& a) {
  switch (a.keying) {
    case Keying::PerOutput:
      return base_type_name(a) + ", or one per output (a list, or a map by output name)";
    case Keying::PerClass:
      return "map from class index to " + base_type_name(a);
    case Keying::None:
      break;
  }
  return base_type_name(a);
}

std::string default_text(const ArgSpec& a) {
  if (a.required) return "required";
  if (a.default_value.is_none()) return "none";
  std::string out(1, '`');
  out += a.default_value.to_string();
  out += '`';
  return out;
}

std::string table(const std::vector<ArgSpec>& args) {
  if (args.empty()) return "No arguments.\n";
  std::string out = "| argument | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& a : args)
    out += "| `" + a.name + "` | " + type_name(a) + " | " + default_text(a) + " | " + a.doc + " |\n";
  return out;
}

std::string aliases(const std::vector<KerasAlias>& list) {
  if (list.empty()) return "";
  bool keras1 = false;
  for (const auto& a : list) keras1 = keras1 || a.keras1_only;
  std::string out =
      keras1 ? "\nKeras 1 names (a warning unless `keras_version: 1`):" : "\nOld names (a warning):";
  for (const auto& a : list) {
    std::string ignored = " (ignored";
    for (size_t k = 0; k < a.values.size(); ++k) ignored += (k ? " | " : ": ") + a.values[k].first;
    out += " `" + a.old_name + "`" + (a.new_name.empty() ? ignored + ")" : " -> `" + a.new_name + "`") + ";";
  }
  out.back() = '.';
  return out + "\n";
}

std::string family_section(const FunctionFamily& family, const std::string& title) {
  std::string out =
      "## " + title + "\n\nWrite a name (`" + family.members.front().name +
      "`) or a mapping with `type` and arguments. Keras's CamelCase class names are accepted too.\n\n";
  for (const auto& m : family.members) {
    out += "### `" + m.name + "`\n\n" + m.doc + ".";
    if (!m.aliases.empty()) {
      out += " Also: ";
      for (size_t i = 0; i < m.aliases.size(); ++i) out += (i ? ", `" : "`") + m.aliases[i] + "`";
      out += ".";
    }
    out += "\n\n" + (m.args.empty() ? std::string() : table(m.args)) + aliases(m.keras_aliases) +
           (m.args.empty() ? "" : "\n");
  }
  return out;
}

}  // namespace

std::string config_reference_markdown() {
  std::string out =
      "# Config reference\n\n"
      "Generated from the argument tables (`yamlnet reference`); a test fails when this file drifts from "
      "them.\n\n"
      "## Top-level keys\n\n"
      "| key | meaning |\n|---|---|\n"
      "| `name` | model name (default: the file name) |\n"
      "| `description` | free text |\n"
      "| `seed` | seed of every random choice; same seed and build give byte-identical weights (default 0) "
      "|\n"
      "| `keras_version` | 1, 2 or 3 (default 2): whose defaults and formulas apply. 1: LSTM and GRU gates "
      "`hard_sigmoid`, GRU `reset_after: false`, Keras 1's argument names without a warning; 3: "
      "`hard_sigmoid` "
      "is relu6(x + 3) / 6 and Concatenate's mask is any() of its inputs' (all() before) |\n"
      "| `inputs` | mapping of input names to `{shape, dtype}` (shape without the batch) |\n"
      "| `layers` | list of layers: `name`, `type`, optional `inputs`, `trainable`, and the type's arguments "
      "|\n"
      "| `outputs` | output layer name or list of names (default: the last layer) |\n"
      "| `compile` | optimizer, loss, metrics |\n"
      "| `data` | where the arrays come from |\n"
      "| `fit` | epochs, batch size, validation, callbacks |\n\n"
      "A layer without `inputs` takes the previous layer's output (the only model input for the first "
      "layer). "
      "`inputs: a`, `inputs: [a, b]` and `inputs: a:1` (output 1 of `a`) name producers.\n\n"
      "Keras's Sequential form works without `inputs`: the first layer gives the model's input with "
      "`input_shape` (per sample), `batch_input_shape` (the batch size first, `null` for any), `input_dim` "
      "(with Keras 1's `input_length` for a sequence: `(input_length, input_dim)`), or an Embedding's "
      "`input_length`; the input is named `<layer>_input`. These keys on any other layer are errors. An "
      "input "
      "also takes Keras 3's `batch_shape`. Keras 1's `type: merge` (or `Merge`) takes `mode: sum | mul | ave "
      "| "
      "max | concat | dot | cos` (default sum) and becomes Add, Multiply, Average, Maximum, Concatenate "
      "(`concat_axis`), Dot (`dot_axes`, default -1) or Dot with `normalize: true`.\n\n"
      "# Layers\n\n";
  for (const auto& info : builtin_registry().all()) {
    out += "## " + info.type + "\n\n" + info.doc + "\n\n";
    if (info.max_inputs > 1)
      out += "Takes " +
             std::string(info.max_inputs == SIZE_MAX ? "at least " + std::to_string(info.min_inputs)
                                                     : std::to_string(info.min_inputs)) +
             " inputs.\n\n";
    out += table(info.args) + aliases(info.aliases) + "\n";
  }
  out += "# Blocks\n\n## compile\n\n" + table(compile_table()) + "\nMetrics: ";
  for (size_t i = 0; i < metric_names().size(); ++i) out += (i ? ", `" : "`") + metric_names()[i] + "`";
  out +=
      ". `accuracy` is binary, categorical or sparse categorical from the output and target widths, as in "
      "Keras.\n\n";
  out += "## fit\n\n" + table(fit_table()) + "\n";
  out += "## data\n\n`type` names one of the data types below (default `" + std::string(kDefaultDataType) +
         "`). Relative paths are relative to the working folder.\n\n";
  for (const DataTypeInfo* type : data_type_declarations()) {
    out += "### type: " + type->info.name + "\n\n" + capitalized(type->info.doc) + ".\n\n";
    if (type->splits == SplitForm::NamedFiles)
      out +=
          "Splits `train`, `validation` and `test` each map model input/output names to files (`x` and `y` "
          "stand for the only input and output).\n\n";
    if (type->splits == SplitForm::OnePath)
      out +=
          "Splits `train`, `validation` and `test` are each a path (or `{path: FILE}`); `columns` maps "
          "input/output names to column names (or 0-based indices without a header).\n\n";
    if (!type->info.args.empty()) out += table(type->info.args) + "\n";
    for (const auto& block : type->blocks)
      out += "#### data." + block.key + (block.required ? " (required)" : "") + "\n\n" + table(block.args) +
             "\n";
  }
  out += family_section(activation_family(), "Activations");
  out += family_section(initializer_family(), "Initializers");
  out += family_section(regularizer_family(), "Regularizers");
  out += family_section(constraint_family(), "Constraints");
  out += family_section(optimizer_family(), "Optimizers");
  out += family_section(schedule_family(), "Learning-rate schedules");
  out += family_section(loss_family(), "Losses");
  out += family_section(callback_family(), "Callbacks");
  return out;
}

}  // namespace yamlnet
