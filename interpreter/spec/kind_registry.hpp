#pragma once
// One table per kind of function-like thing a config names (optimizer, loss, metric, callback): each entry
// names the kind, declares its arguments (the FunctionInfo the parser, the JSON Schema and docs/config.md
// read) and holds its factory. Adding a kind is adding one entry; there is no second list to keep in step.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/errors.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

template <class Product, class... Context>
struct KindEntry {
  FunctionInfo info;
  // Builds the product from its parsed spec (Value::Kind::Function with every argument, defaults filled in).
  std::function<std::unique_ptr<Product>(const Value& spec, Context... context)> create;
};

template <class Product, class... Context>
class KindRegistry {
 public:
  using Entry = KindEntry<Product, Context...>;

  KindRegistry(std::string kind, std::vector<Entry> entries) {
    family_.name = std::move(kind);
    for (Entry& e : entries) {
      family_.members.push_back(std::move(e.info));
      factories_.push_back(std::move(e.create));
    }
  }

  // The names, arguments and aliases of every entry, for the parser, the schema and the reference.
  const FunctionFamily& family() const { return family_; }

  // The product `spec` names. The parser already rejected unknown names at their line; an unknown one here
  // comes from a spec built in code, and is reported the same way.
  std::unique_ptr<Product> create(const Value& spec, Context... context) const {
    for (size_t i = 0; i < factories_.size(); ++i)
      if (family_.members[i].name == spec.s) return factories_[i](spec, context...);
    throw ConfigError({Diagnostic{spec.loc, "", "", "unknown " + family_.name + " '" + spec.s + "'"}});
  }

 private:
  FunctionFamily family_;
  std::vector<std::function<std::unique_ptr<Product>(const Value&, Context...)>> factories_;
};

}  // namespace yamlnet
