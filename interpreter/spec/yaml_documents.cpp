#include "interpreter/spec/yaml_documents.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace yamlnet {

namespace {

// Records where each document's first node is; nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> first_node;

  void OnDocumentStart(const YAML::Mark&) override { first_node.reset(); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { note(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { note(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    note(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& mark) {
    if (!first_node) first_node = mark;
  }
};

}  // namespace

YamlDocuments read_yaml_documents(const std::string& text) {
  YamlDocuments out;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  if (!parser.HandleNextDocument(starts)) return out;
  const std::optional<YAML::Mark> first = starts.first_node;
  if (parser.HandleNextDocument(starts)) {
    // A second document that starts where the first did is the parser standing still on a token it cannot
    // place (a ',' in block context).
    if (first && starts.first_node && starts.first_node->pos == first->pos)
      throw YAML::ParserException(*first, "a ',' outside a flow collection ([...] or {...})");
    out.second_start = starts.first_node ? *starts.first_node : YAML::Mark();
  }
  out.first = YAML::Load(text);
  return out;
}

}  // namespace yamlnet
