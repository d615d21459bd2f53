#include "framework/src/shuffle/merger.h"

#include <algorithm>
#include <string>

namespace minimr::shuffle {
namespace {

class Merge : public ValueIterator {
 public:
  explicit Merge(std::vector<std::unique_ptr<RecordSource>> sources)
      : sources_(std::move(sources)) {
    for (size_t i = 0; i < sources_.size(); ++i) {
      if (sources_[i]->Next()) heap_.push_back(i);
    }
    std::make_heap(heap_.begin(), heap_.end(), Later{this});
  }

  // Starts the next group; false when every source is done.
  bool NextGroup() {
    while (Next(nullptr)) {
    }
    if (heap_.empty()) return false;
    key_.assign(sources_[heap_.front()]->key());
    in_group_ = true;
    return true;
  }

  const std::string& key() const { return key_; }

  bool Next(std::string_view* value) override {
    if (!in_group_) return false;
    if (advance_ != kNone) {
      if (sources_[advance_]->Next()) {
        heap_.push_back(advance_);
        std::push_heap(heap_.begin(), heap_.end(), Later{this});
      }
      advance_ = kNone;
    }
    if (heap_.empty() || sources_[heap_.front()]->key() != key_) {
      in_group_ = false;
      return false;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Later{this});
    advance_ = heap_.back();
    heap_.pop_back();
    if (value) *value = sources_[advance_]->value();
    return true;
  }

 private:
  static constexpr size_t kNone = ~size_t(0);
  struct Later {
    const Merge* merge;
    bool operator()(size_t a, size_t b) const {
      return merge->sources_[a]->key() > merge->sources_[b]->key();
    }
  };

  std::vector<std::unique_ptr<RecordSource>> sources_;
  std::vector<size_t> heap_;
  std::string key_;
  size_t advance_ = kNone;
  bool in_group_ = false;
};

}  // namespace

void MergeGroups(std::vector<std::unique_ptr<RecordSource>> sources,
                 const std::function<void(std::string_view key, ValueIterator& values)>& group) {
  Merge merge(std::move(sources));
  while (merge.NextGroup()) group(merge.key(), merge);
}

}  // namespace minimr::shuffle
