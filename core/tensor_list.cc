#include "core/tensor_list.h"

#include <atomic>

#include "absl/strings/str_cat.h"

namespace sluice {

namespace {
std::atomic<int64_t> copied{0};
}  // namespace

int64_t TensorList::copied_elements() { return copied.load(std::memory_order_relaxed); }

std::string TensorList::DebugString() const {
  return absl::StrCat("TensorList<", DataTypeString(element_dtype_), " ", element_shape_.DebugString(), " x ",
                      size_, ">");
}

Tensor TensorList::get(int64_t i) const {
  absl::MutexLock lock(&storage_->mu);
  return storage_->elems[i];
}

std::vector<Tensor> TensorList::elements() const {
  if (size_ == 0) return {};
  absl::MutexLock lock(&storage_->mu);
  return std::vector<Tensor>(storage_->elems.begin(), storage_->elems.begin() + size_);
}

void TensorList::MakeUnique() {
  if (storage_ == nullptr) {
    storage_ = std::make_shared<Storage>();
    return;
  }
  if (storage_.use_count() == 1) {  // nobody else can reach it: trim it to this list
    absl::MutexLock lock(&storage_->mu);
    storage_->elems.resize(size_);
    return;
  }
  auto fresh = std::make_shared<Storage>();
  {
    absl::MutexLock lock(&storage_->mu);
    absl::MutexLock fresh_lock(&fresh->mu);
    fresh->elems.assign(storage_->elems.begin(), storage_->elems.begin() + size_);
    copied.fetch_add(size_, std::memory_order_relaxed);
  }
  storage_ = std::move(fresh);
}

void TensorList::push_back(Tensor t) {
  if (storage_ != nullptr && storage_.use_count() > 1) {
    // Shared: append in place when no list sharing the storage is longer than this one (they
    // see only their own prefix, which the append leaves alone).
    absl::MutexLock lock(&storage_->mu);
    if (static_cast<int64_t>(storage_->elems.size()) == size_) {
      storage_->elems.push_back(std::move(t));
      ++size_;
      return;
    }
  }
  MakeUnique();
  absl::MutexLock lock(&storage_->mu);
  storage_->elems.push_back(std::move(t));
  ++size_;
}

Tensor TensorList::pop_back() {
  Tensor t = get(size_ - 1);
  --size_;
  if (storage_.use_count() == 1) {
    absl::MutexLock lock(&storage_->mu);
    storage_->elems.resize(size_);
  }
  return t;
}

void TensorList::set(int64_t i, Tensor t) {
  MakeUnique();
  absl::MutexLock lock(&storage_->mu);
  storage_->elems[i] = std::move(t);
}

void TensorList::resize(int64_t n) {
  if (n <= size_) {
    size_ = n;
    if (storage_ != nullptr && storage_.use_count() == 1) MakeUnique();
    return;
  }
  MakeUnique();
  absl::MutexLock lock(&storage_->mu);
  storage_->elems.resize(n);
  size_ = n;
}

}  // namespace sluice
