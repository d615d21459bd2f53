#include "framework/src/config/yaml_scan.h"

#include <algorithm>
#include <limits>

namespace minimr::config {

namespace {

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

}  // namespace

void YamlScan::OnDocumentStart(const YAML::Mark& mark) {
  starts_.push_back(mark);
  open_.clear();
  anchored_.clear();  // yaml-cpp numbers anchors afresh in each document
  aliased_ = {};
}

void YamlScan::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  Leaf(mark, anchor, nullptr);
}

void YamlScan::OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                        const std::string& value) {
  Leaf(mark, anchor, &value);
}

void YamlScan::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  Top(mark);
  // An alias of an anchor whose value is still open refers to itself: one node here; the reader
  // refuses the cycle by its depth when it walks the tree.
  const Size added = anchor < anchored_.size() ? anchored_[anchor] : Size{1, 0};
  aliased_.nodes = SaturatingAdd(aliased_.nodes, added.nodes);
  aliased_.bytes = SaturatingAdd(aliased_.bytes, added.bytes);
  if (!excess_ && (aliased_.nodes > limits_.nodes || aliased_.bytes > limits_.bytes)) {
    excess_ = Excess{mark, KeyPath(), aliased_.bytes > limits_.bytes};
  }
  AddToParent(added, nullptr);
}

void YamlScan::OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                               YAML::EmitterStyle::value) {
  Start(mark, anchor, false);
}

void YamlScan::OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                          YAML::EmitterStyle::value) {
  Start(mark, anchor, true);
}

void YamlScan::Top(const YAML::Mark& mark) {
  if (tops_.size() < starts_.size()) tops_.push_back(mark);
}

void YamlScan::Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string* text) {
  Top(mark);
  const Size size{1, text == nullptr ? 0 : text->size()};
  if (anchor != YAML::NullAnchor) {
    anchored_.resize(std::max<size_t>(anchored_.size(), anchor + 1));
    anchored_[anchor] = size;
  }
  AddToParent(size, text);
}

void YamlScan::Start(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
  Top(mark);
  open_.push_back(Open{is_map, anchor, Size{1, 0}, 0, {}});
}

void YamlScan::Close() {
  if (open_.empty()) return;
  const Open closed = std::move(open_.back());
  open_.pop_back();
  if (closed.anchor != YAML::NullAnchor) {
    anchored_.resize(std::max<size_t>(anchored_.size(), closed.anchor + 1));
    anchored_[closed.anchor] = closed.size;
  }
  AddToParent(closed.size, nullptr);
}

void YamlScan::AddToParent(const Size& size, const std::string* text) {
  if (open_.empty()) return;
  Open& parent = open_.back();
  parent.size.nodes = SaturatingAdd(parent.size.nodes, size.nodes);
  parent.size.bytes = SaturatingAdd(parent.size.bytes, size.bytes);
  if (parent.is_map && parent.children % 2 == 0) parent.last_key = text ? *text : "?";
  ++parent.children;
}

// The key path of the node about to be added, spelled as the job reader's messages spell it.
std::string YamlScan::KeyPath() const {
  std::string path;
  for (const Open& open : open_) {
    if (!open.is_map) {
      path += "[" + std::to_string(open.children) + "]";
    } else if (open.children % 2 == 1) {
      path += (path.empty() ? "" : ".") + open.last_key;
    }
  }
  return path;
}

}  // namespace minimr::config
