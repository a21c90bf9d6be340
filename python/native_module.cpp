// yamlnet._native: the public C++ API (include/yamlnet/) for Python, over numpy arrays. The package's
// __init__.py checks and converts what users pass (dtypes, shapes, `set` dictionaries); this layer hands the
// arrays' own memory to the library (no copy) and runs it without the GIL.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "yamlnet/yamlnet.hpp"

namespace py = pybind11;

namespace {

py::dict logs_dict(const yamlnet::Logs& logs) {
  py::dict out;  // insertion-ordered: Keras's order (loss, metrics, val_ ones)
  for (const auto& [name, value] : logs) out[py::str(name)] = value;
  return out;
}

py::dict tensor_info(const yamlnet::TensorInfo& info) {
  py::dict out;
  out["name"] = info.name;
  out["shape"] = py::tuple(py::cast(info.shape));
  out["dtype"] = info.type == yamlnet::ElementType::int32 ? "int32" : "float32";
  out["id_limit"] = info.id_limit;
  return out;
}

using IdArray = py::array_t<std::int32_t, py::array::c_style>;
using FloatArray = py::array_t<float, py::array::c_style>;

// `inputs`: name -> C-contiguous int32 or float32 array of `batch` rows (the package converted them).
std::vector<py::array> predict(const yamlnet::LoadedModel& model, std::int64_t batch, const py::dict& inputs,
                               const std::vector<std::string>& outputs) {
  std::vector<yamlnet::InputBuffer> buffers;
  for (const auto& [key, value] : inputs) {
    const std::string name = py::cast<std::string>(key);
    if (py::isinstance<IdArray>(value)) {
      const auto ids = py::cast<IdArray>(value);
      buffers.push_back({name, std::span<const std::int32_t>(ids.data(), static_cast<size_t>(ids.size()))});
    } else {
      const auto values = py::cast<FloatArray>(value);
      buffers.push_back({name, std::span<const float>(values.data(), static_cast<size_t>(values.size()))});
    }
  }
  std::vector<py::array> arrays;
  std::vector<yamlnet::OutputBuffer> fetches;
  for (const auto& name : outputs) {
    std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(batch)};
    const yamlnet::TensorInfo info = model.layer_output(name);
    shape.insert(shape.end(), info.shape.begin(), info.shape.end());
    FloatArray array(shape);
    fetches.push_back({name, std::span<float>(array.mutable_data(), static_cast<size_t>(array.size()))});
    arrays.push_back(std::move(array));
  }
  {
    py::gil_scoped_release release;
    model.predict(batch, buffers, fetches);
  }
  return arrays;
}

py::dict train(const std::string& config, const std::vector<std::string>& overrides,
               const std::string& weights_in, const std::string& weights_out, const std::string& resume,
               const py::object& on_epoch_end) {
  yamlnet::TrainOptions options;
  options.overrides = overrides;
  options.weights_in = weights_in;
  options.weights_out = weights_out;
  options.resume = resume;
  if (!on_epoch_end.is_none())
    options.on_epoch_end = [&on_epoch_end](int epoch, const yamlnet::Logs& logs) {
      py::gil_scoped_acquire acquire;
      on_epoch_end(epoch, logs_dict(logs));
    };
  yamlnet::TrainResult result;
  {
    py::gil_scoped_release release;
    result = yamlnet::train(config, options);
  }
  py::list history;
  for (const auto& logs : result.history) history.append(logs_dict(logs));
  py::dict out;
  out["history"] = history;
  out["test"] = logs_dict(result.test);
  out["weights_path"] = result.weights_path;
  out["history_path"] = result.history_path;
  out["config_path"] = result.config_path;
  out["warnings"] = result.warnings;
  return out;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "yamlnet's C++ library; use the yamlnet package, which checks and converts arguments.";
  // The C++ error types as Python exceptions with the same messages; every one is a yamlnet.Error.
  static py::exception<yamlnet::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception<yamlnet::ConfigError>(m, "ConfigError", error.ptr());
  py::register_exception<yamlnet::ShapeError>(m, "ShapeError", error.ptr());
  py::register_exception<yamlnet::DataError>(m, "DataError", error.ptr());
  py::register_exception<yamlnet::WeightsError>(m, "WeightsError", error.ptr());
  py::register_exception<yamlnet::TrainingError>(m, "TrainingError", error.ptr());
  py::register_exception<yamlnet::UsageError>(m, "UsageError", error.ptr());

  m.def("version", &yamlnet::version);
  py::class_<yamlnet::LoadedModel>(m, "LoadedModel")
      .def_static("load", &yamlnet::LoadedModel::load, py::arg("config"), py::arg("weights"),
                  py::arg("overrides"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("name", &yamlnet::LoadedModel::name)
      .def_property_readonly("inputs",
                             [](const yamlnet::LoadedModel& model) {
                               py::list out;
                               for (const auto& info : model.inputs()) out.append(tensor_info(info));
                               return out;
                             })
      .def_property_readonly("outputs",
                             [](const yamlnet::LoadedModel& model) {
                               py::list out;
                               for (const auto& info : model.outputs()) out.append(tensor_info(info));
                               return out;
                             })
      .def("layer_output", [](const yamlnet::LoadedModel& model,
                              const std::string& name) { return tensor_info(model.layer_output(name)); })
      .def("predict", &predict, py::arg("batch"), py::arg("inputs"), py::arg("outputs"))
      .def(
          "evaluate",
          [](const yamlnet::LoadedModel& model, const std::string& split) {
            yamlnet::Logs logs;
            {
              py::gil_scoped_release release;
              logs = model.evaluate(split);
            }
            return logs_dict(logs);
          },
          py::arg("split"));
  m.def("train", &train, py::arg("config"), py::arg("overrides"), py::arg("weights_in"),
        py::arg("weights_out"), py::arg("resume"), py::arg("on_epoch_end"));
  m.def(
      "evaluate",
      [](const std::string& config, const std::string& weights, const std::string& split,
         const std::vector<std::string>& overrides) {
        yamlnet::Logs logs;
        {
          py::gil_scoped_release release;
          logs = yamlnet::evaluate(config, weights, split, overrides);
        }
        return logs_dict(logs);
      },
      py::arg("config"), py::arg("weights"), py::arg("split"), py::arg("overrides"));
}
