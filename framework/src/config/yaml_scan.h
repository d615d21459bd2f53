// One pass over a YAML stream's parser events, before anything is built from it: where each
// document starts, where its top node is, and how much its aliases repeat. yaml-cpp expands an
// alias only when its tree is walked, so a few hundred bytes of nested aliases ("billion laughs")
// become billions of nodes; counted here, as events, the cost grows with the file, not with the
// expansion.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minimr::config {

class YamlScan : public YAML::EventHandler {
 public:
  // What all the aliases of a document may add up to: nodes, and bytes of keys and values.
  struct Limits {
    uint64_t nodes;
    uint64_t bytes;
  };
  // The first alias at which a document passed a limit: where it is and the key path it is the
  // value of ("input.paths[3]"; empty at the top level).
  struct Excess {
    YAML::Mark mark;
    std::string key;
    bool of_bytes;  // false: of nodes
  };

  explicit YamlScan(Limits limits) : limits_(limits) {}

  const std::vector<YAML::Mark>& starts() const { return starts_; }
  // One per document, once its top node is seen.
  const std::vector<YAML::Mark>& tops() const { return tops_; }
  const std::optional<Excess>& excess() const { return excess_; }

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override { Close(); }

 private:
  struct Size {
    uint64_t nodes = 0;
    uint64_t bytes = 0;
  };
  struct Open {  // a sequence or mapping whose end is not yet seen
    bool is_map;
    YAML::anchor_t anchor;
    Size size;             // itself and what is in it so far, aliases expanded
    uint64_t children = 0;  // a mapping's keys and values alternate
    std::string last_key;
  };

  void Top(const YAML::Mark& mark);
  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string* text);
  void Start(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map);
  void Close();
  void AddToParent(const Size& size, const std::string* text);
  std::string KeyPath() const;

  Limits limits_;
  std::vector<YAML::Mark> starts_;
  std::vector<YAML::Mark> tops_;
  std::optional<Excess> excess_;
  std::vector<Open> open_;
  std::vector<Size> anchored_;  // by anchor id, as each anchor's value ends
  Size aliased_;                // what the document's aliases have added so far
};

}  // namespace minimr::config
