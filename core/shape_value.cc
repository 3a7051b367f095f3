#include "core/shape_value.h"

#include "core/attr_value.h"
#include "core/strided_slice.h"

namespace sluice {
namespace {

constexpr int kMaxDepth = 16;

std::optional<PartialIntValue> Evaluate(const Endpoint& e, int depth);

std::optional<std::vector<int64_t>> ConstInts(const Endpoint& e) {
  const Tensor* t = e.node->const_value();
  if (t == nullptr || t->dims() > 1) return std::nullopt;
  if (t->dtype() != DT_INT32 && t->dtype() != DT_INT64) return std::nullopt;
  return Int64Values(*t);
}

// A vector input: its partial value, or -1s when only its static length is known.
std::optional<std::vector<int64_t>> VectorOf(const Endpoint& e, int depth) {
  if (auto v = Evaluate(e, depth); v && !v->scalar) return v->values;
  const TensorShape& s = e.node->output_shape(e.index);
  if (s.rank() == 1 && s.dim(0) >= 0) return std::vector<int64_t>(s.dim(0), -1);
  return std::nullopt;
}

std::optional<PartialIntValue> Evaluate(const Endpoint& e, int depth) {
  const Node* n = e.node;
  const DataType dtype = BaseType(n->output_type(e.index));
  if (depth > kMaxDepth || (dtype != DT_INT32 && dtype != DT_INT64)) return std::nullopt;
  if (const Tensor* t = n->const_value()) {
    if (auto v = ConstInts(e)) return PartialIntValue{*v, t->dims() == 0};
    return std::nullopt;
  }
  const std::string& op = n->type_string();
  const auto& attrs = n->def().attr();
  if (op == "Shape") {
    const TensorShape& s = n->input(0).node->output_shape(n->input(0).index);
    if (s.unknown_rank()) return std::nullopt;
    return PartialIntValue{std::vector<int64_t>(s.dims().begin(), s.dims().end()), false};
  }
  if (op == "ShapeN") {
    const TensorShape& s = n->input(e.index).node->output_shape(n->input(e.index).index);
    if (s.unknown_rank()) return std::nullopt;
    return PartialIntValue{std::vector<int64_t>(s.dims().begin(), s.dims().end()), false};
  }
  if (op == "Identity" || op == "StopGradient" ||
      (op == "Cast" && (n->input_type(0) == DT_INT32 || n->input_type(0) == DT_INT64))) {
    return Evaluate(n->input(0), depth + 1);
  }
  if (op == "Pack") {
    int64_t axis = 0;
    if (!GetAttr(attrs, "axis", &axis).ok() || (axis != 0 && axis != -1)) return std::nullopt;
    PartialIntValue out;
    for (const Endpoint& in : n->inputs()) {
      auto v = Evaluate(in, depth + 1);
      if (v && v->scalar) {
        out.values.push_back(v->values[0]);
      } else if (in.node->output_shape(in.index).rank() == 0) {
        out.values.push_back(-1);
      } else {
        return std::nullopt;
      }
    }
    return out;
  }
  if (op == "ConcatV2") {
    const int k = n->num_inputs() - 1;
    auto axis = ConstInts(n->input(k));
    if (!axis || axis->size() != 1 || ((*axis)[0] != 0 && (*axis)[0] != -1)) return std::nullopt;
    PartialIntValue out;
    for (int i = 0; i < k; ++i) {
      auto v = VectorOf(n->input(i), depth + 1);
      if (!v) return std::nullopt;
      out.values.insert(out.values.end(), v->begin(), v->end());
    }
    return out;
  }
  if (op == "StridedSlice") {
    auto in = VectorOf(n->input(0), depth + 1);
    auto begin = ConstInts(n->input(1)), end = ConstInts(n->input(2)), strides = ConstInts(n->input(3));
    if (!in || !begin || !end || !strides) return std::nullopt;
    StridedSliceMasks m;
    if (!GetAttr(attrs, "begin_mask", &m.begin_mask).ok() || !GetAttr(attrs, "end_mask", &m.end_mask).ok() ||
        !GetAttr(attrs, "ellipsis_mask", &m.ellipsis_mask).ok() ||
        !GetAttr(attrs, "new_axis_mask", &m.new_axis_mask).ok() ||
        !GetAttr(attrs, "shrink_axis_mask", &m.shrink_axis_mask).ok()) {
      return std::nullopt;
    }
    auto spec = ComputeStridedSlice(TensorShape{static_cast<int64_t>(in->size())}, *begin, *end, *strides, m);
    if (!spec.ok() || spec->final_shape.rank() > 1 || spec->processing_shape.rank() != 1) return std::nullopt;
    PartialIntValue out;
    out.scalar = spec->final_shape.rank() == 0;
    for (int64_t j = 0; j < spec->processing_shape.dim(0); ++j) {
      out.values.push_back((*in)[spec->begin[0] + j * spec->strides[0]]);
    }
    return out;
  }
  if (op == "Prod" || op == "Sum") {
    bool keep_dims = false;
    auto axes = ConstInts(n->input(1));
    if (!GetAttr(attrs, "keep_dims", &keep_dims).ok() || keep_dims || !axes || axes->size() != 1 ||
        ((*axes)[0] != 0 && (*axes)[0] != -1)) {
      return std::nullopt;
    }
    auto in = VectorOf(n->input(0), depth + 1);
    if (!in) return std::nullopt;
    int64_t acc = op == "Prod" ? 1 : 0;
    for (int64_t v : *in) {
      if (v < 0) return PartialIntValue{{-1}, true};
      if (op == "Prod") {
        if (v != 0 && acc > INT64_MAX / v) return PartialIntValue{{-1}, true};
        acc *= v;
      } else {
        acc += v;
      }
    }
    return PartialIntValue{{acc}, true};
  }
  return std::nullopt;
}

}  // namespace

std::optional<PartialIntValue> PartialIntValueOf(const Endpoint& e) { return Evaluate(e, 0); }

}  // namespace sluice
