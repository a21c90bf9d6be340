#include "interpreter/io/onnx/onnx_graph.hpp"

namespace yamlnet {

namespace {

void set_attr(onnx::AttributeProto& a, const OnnxAttr& attr) {
  a.set_name(attr.name);
  struct Visitor {
    onnx::AttributeProto& a;
    void operator()(std::int64_t v) {
      a.set_type(onnx::AttributeProto::INT);
      a.set_i(v);
    }
    void operator()(float v) {
      a.set_type(onnx::AttributeProto::FLOAT);
      a.set_f(v);
    }
    void operator()(const std::string& v) {
      a.set_type(onnx::AttributeProto::STRING);
      a.set_s(v);
    }
    void operator()(const std::vector<std::int64_t>& v) {
      a.set_type(onnx::AttributeProto::INTS);
      for (auto x : v) a.add_ints(x);
    }
    void operator()(const std::vector<float>& v) {
      a.set_type(onnx::AttributeProto::FLOATS);
      for (auto x : v) a.add_floats(x);
    }
    void operator()(const std::vector<std::string>& v) {
      a.set_type(onnx::AttributeProto::STRINGS);
      for (const auto& x : v) a.add_strings(x);
    }
  };
  std::visit(Visitor{a}, attr.value);
}

void set_type(onnx::ValueInfoProto& info, const std::string& name, onnx::TensorProto::DataType type,
              const std::vector<std::int64_t>& dims) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  auto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  for (auto d : dims) shape->add_dim()->set_dim_value(d);
}

}  // namespace

std::string OnnxGraph::fresh(const std::string& stem) {
  std::string name = stem;
  for (int n = 1; names_.count(name); ++n) name = stem + "_" + std::to_string(n);
  names_.insert(name);
  return name;
}

std::string OnnxGraph::floats(const std::string& stem, const std::vector<std::int64_t>& dims,
                              const std::vector<float>& values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh(stem));
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  // Raw little-endian bytes: the compact form, and what ONNX Runtime reads without conversion.
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return t->name();
}

std::string OnnxGraph::ints(const std::string& stem, const std::vector<std::int64_t>& values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh(stem));
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  for (auto v : values) t->add_int64_data(v);
  return t->name();
}

std::string OnnxGraph::int32_scalar(const std::string& stem, std::int32_t value) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh(stem));
  t->set_data_type(onnx::TensorProto::INT32);
  t->add_int32_data(value);
  return t->name();
}

std::string OnnxGraph::scalar(const std::string& stem, float value) {
  return floats(stem, {}, {value});
}

std::vector<std::string> OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs,
                                         const std::string& stem, const std::vector<OnnxAttr>& attrs,
                                         size_t outputs) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(fresh(stem + "/" + op));
  for (const auto& in : inputs) n->add_input(in);
  std::vector<std::string> out;
  for (size_t k = 0; k < outputs; ++k) {
    out.push_back(fresh(stem + "/" + op + (outputs > 1 ? ":" + std::to_string(k) : "")));
    n->add_output(out.back());
  }
  for (const auto& attr : attrs) set_attr(*n->add_attribute(), attr);
  return out;
}

void OnnxGraph::add_input(const std::string& name, onnx::TensorProto::DataType type,
                          const std::vector<std::int64_t>& dims) {
  names_.insert(name);
  set_type(*graph_.add_input(), name, type, dims);
}

void OnnxGraph::add_output(const std::string& name, const std::vector<std::int64_t>& dims) {
  set_type(*graph_.add_output(), name, onnx::TensorProto::FLOAT, dims);
}

}  // namespace yamlnet
