// CPU kernels of Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, DepthwiseConv2dNative (and
// its BackpropInput and BackpropFilter), _FusedConv2D, MaxPool, AvgPool, MaxPoolGrad and
// AvgPoolGrad.
//
// float runs oneDNN's convolution (forward, backward data, backward weights) and pooling
// (forward, average backward) primitives. Tensors keep TensorFlow's layouts (images nhwc or
// nchw, filters hwio: [height, width, in, out]); a convolution asks oneDNN for its own filter
// layout (blocked), and an NHWC convolution with 16 or more channels each way for its own image
// layouts too where that was measured to pay (BlockedImages), and those arguments are reordered
// from and to the tensors per call (staged arguments). A kernel caches its primitives per shape (its attrs are fixed),
// under a mutex since one kernel may run on several threads at once; each call brings its own
// scratchpad (scratchpad_mode::user), so concurrent executions of one primitive share nothing.
// double runs plain loops.
//
// A depthwise convolution is oneDNN's grouped convolution with one group per input channel:
// TensorFlow's filter [height, width, in, multiplier] is the grouped weights (g = in, o =
// multiplier, i = 1, h, w) with strides; the primitive picks its own layout (its depthwise
// kernels want a blocked one) and the filter is reordered to and from it.
//
// _FusedConv2D (made by runtime/conv_fusion_pass.cc from Conv2D + BiasAdd [+ Relu]) is the
// forward convolution primitive with its bias argument and, for Relu, an eltwise_relu post-op:
// one pass over the output instead of three.
//
// MaxPoolGrad is a loop for both dtypes: TensorFlow sends each window's gradient to the first
// maximum of the window (row-major), and oneDNN's max-pool backward needs the workspace of a
// forward pass that a separate MaxPool node cannot hand over and does not promise that order.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/type_lists.h"
#include "core/window_geometry.h"
#include "kernels/cpu/parallel_for.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace sluice {
namespace {

using cpu::ParallelFor;

// ---- Geometry --------------------------------------------------------------------------------

// One call's sizes: the input image [n, ih, iw, ic], the window [kh, kw] (with ic in and oc out
// channels for a convolution), the output [n, oh, ow, oc], strides, dilations and paddings.
struct Geometry {
  bool nchw = false;
  int64_t n = 0, ih = 0, iw = 0, ic = 0;
  int64_t kh = 0, kw = 0, oc = 0;
  int64_t oh = 0, ow = 0;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  // A depthwise convolution's: ic groups of oc / ic output channels each; 1 otherwise.
  int64_t groups = 1;

  // Offset of (b, y, x, c) in an image of `h` x `w` with `c_count` channels.
  int64_t At(int64_t b, int64_t y, int64_t x, int64_t c, int64_t h, int64_t w, int64_t c_count) const {
    return nchw ? ((b * c_count + c) * h + y) * w + x : ((b * h + y) * w + x) * c_count + c;
  }
  int64_t In(int64_t b, int64_t y, int64_t x, int64_t c) const { return At(b, y, x, c, ih, iw, ic); }
  int64_t Out(int64_t b, int64_t y, int64_t x, int64_t c) const { return At(b, y, x, c, oh, ow, oc); }
  int64_t Filter(int64_t i, int64_t j, int64_t c, int64_t o) const {
    return ((i * kw + j) * ic + c) * oc + o;
  }
  // A depthwise convolution's filter [kh, kw, ic, multiplier].
  int64_t Multiplier() const { return oc / ic; }
  int64_t DepthwiseFilter(int64_t i, int64_t j, int64_t c, int64_t m) const {
    return ((i * kw + j) * ic + c) * Multiplier() + m;
  }
  TensorShape OutputShape() const {
    return nchw ? TensorShape{n, oc, oh, ow} : TensorShape{n, oh, ow, oc};
  }
  // A cache key: every size that shapes a primitive.
  std::vector<int64_t> Key() const { return {n, ih, iw, ic, kh, kw, oc, oh, ow, groups}; }
};

const char* Format(const Window2DAttrs& w) { return w.nchw ? "NCHW" : "NHWC"; }

// Fills the spatial output sizes and paddings from the input and window sizes.
Status SetOutputDims(const Window2DAttrs& w, Geometry* g) {
  SLUICE_ASSIGN_OR_RETURN(WindowedDim y, ComputeWindowedDim(g->ih, g->kh, g->dh, g->sh, w.padding,
                                                            w.explicit_pads[0], w.explicit_pads[1]));
  SLUICE_ASSIGN_OR_RETURN(WindowedDim x, ComputeWindowedDim(g->iw, g->kw, g->dw, g->sw, w.padding,
                                                            w.explicit_pads[2], w.explicit_pads[3]));
  g->oh = y.output;
  g->pad_top = y.pad_before;
  g->pad_bottom = y.pad_after;
  g->ow = x.output;
  g->pad_left = x.pad_before;
  g->pad_right = x.pad_after;
  return absl::OkStatus();
}

StatusOr<Geometry> ConvGeometry(const Window2DAttrs& w, const TensorShape& input,
                                const TensorShape& filter) {
  if (input.rank() != 4) {
    return errors::InvalidArgument("input must be 4-D (", Format(w), "), got shape ", input.DebugString());
  }
  if (filter.rank() != 4) {
    return errors::InvalidArgument("filter must be 4-D [height, width, in_channels, out_channels], got shape ",
                                   filter.DebugString());
  }
  Geometry g;
  g.nchw = w.nchw;
  g.n = input.dim(0);
  g.ih = input.dim(w.height_dim());
  g.iw = input.dim(w.width_dim());
  g.ic = input.dim(w.channel_dim());
  g.kh = filter.dim(0);
  g.kw = filter.dim(1);
  g.oc = filter.dim(3);
  if (filter.dim(2) != g.ic) {
    return errors::InvalidArgument("input of shape ", input.DebugString(), " has ", g.ic,
                                   " channels but filter of shape ", filter.DebugString(), " expects ",
                                   filter.dim(2));
  }
  if (g.kh < 1 || g.kw < 1) {
    return errors::InvalidArgument("filter of shape ", filter.DebugString(), " has an empty window");
  }
  g.sh = w.strides[0];
  g.sw = w.strides[1];
  g.dh = w.dilations[0];
  g.dw = w.dilations[1];
  SLUICE_RETURN_IF_ERROR(SetOutputDims(w, &g));
  return g;
}

StatusOr<Geometry> DepthwiseGeometry(const Window2DAttrs& w, const TensorShape& input,
                                     const TensorShape& filter) {
  if (filter.rank() != 4) {
    return errors::InvalidArgument(
        "filter must be 4-D [height, width, in_channels, channel_multiplier], got shape ", filter.DebugString());
  }
  if (input.rank() == 4 && input.dim(w.channel_dim()) != filter.dim(2)) {
    return errors::InvalidArgument("input of shape ", input.DebugString(), " has ", input.dim(w.channel_dim()),
                                   " channels but filter of shape ", filter.DebugString(), " expects ",
                                   filter.dim(2));
  }
  // As a convolution with filter [kh, kw, ic, ic * multiplier], then grouped.
  TensorShape as_conv{filter.dim(0), filter.dim(1), filter.dim(2), filter.dim(2) * filter.dim(3)};
  SLUICE_ASSIGN_OR_RETURN(Geometry g, ConvGeometry(w, input, as_conv));
  g.groups = g.ic;  // with no channels the output is empty and no primitive is made
  return g;
}

StatusOr<Geometry> PoolGeometry(const Window2DAttrs& w, const TensorShape& input) {
  if (input.rank() != 4) {
    return errors::InvalidArgument("input must be 4-D (", Format(w), "), got shape ", input.DebugString());
  }
  Geometry g;
  g.nchw = w.nchw;
  g.n = input.dim(0);
  g.ih = input.dim(w.height_dim());
  g.iw = input.dim(w.width_dim());
  g.ic = g.oc = input.dim(w.channel_dim());
  g.kh = w.ksize[0];
  g.kw = w.ksize[1];
  g.sh = w.strides[0];
  g.sw = w.strides[1];
  SLUICE_RETURN_IF_ERROR(SetOutputDims(w, &g));
  return g;
}

// A size input (input_sizes, filter_sizes, orig_input_shape): an int32 vector of 4.
StatusOr<TensorShape> SizesInput(const Tensor& t, const char* what) {
  if (t.dims() != 1 || t.NumElements() != 4) {
    return errors::InvalidArgument(what, " must be a vector of 4 sizes, got shape ", t.shape().DebugString());
  }
  std::vector<int64_t> dims(t.data<int32_t>(), t.data<int32_t>() + 4);
  return TensorShape::FromDims(dims);
}

Status CheckShape(const Tensor& t, const TensorShape& want, const char* what) {
  if (t.shape() != want) {
    return errors::InvalidArgument(what, " has shape ", t.shape().DebugString(), " but the geometry needs ",
                                   want.DebugString());
  }
  return absl::OkStatus();
}

// ---- oneDNN ----------------------------------------------------------------------------------

using dnnl::memory;
using Tag = memory::format_tag;

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

memory::desc ImageDesc(const Geometry& g, int64_t c, int64_t h, int64_t w) {
  return memory::desc({g.n, c, h, w}, memory::data_type::f32, g.nchw ? Tag::nchw : Tag::nhwc);
}
memory::desc SrcDesc(const Geometry& g) { return ImageDesc(g, g.ic, g.ih, g.iw); }
memory::desc DstDesc(const Geometry& g) { return ImageDesc(g, g.oc, g.oh, g.ow); }
memory::desc FilterDesc(const Geometry& g) {
  if (g.groups > 1) {
    // (g, o, i, h, w) over TF's [kh, kw, ic, multiplier].
    const int64_t m = g.Multiplier();
    return memory::desc({g.groups, m, 1, g.kh, g.kw}, memory::data_type::f32,
                        memory::dims{m, 1, 1, g.kw * g.ic * m, g.ic * m});
  }
  return memory::desc({g.oc, g.ic, g.kh, g.kw}, memory::data_type::f32, Tag::hwio);
}
memory::dims Strides(const Geometry& g) { return {g.sh, g.sw}; }
memory::dims Dilations(const Geometry& g) { return {g.dh - 1, g.dw - 1}; }  // oneDNN counts gaps
memory::dims PadBefore(const Geometry& g) { return {g.pad_top, g.pad_left}; }
memory::dims PadAfter(const Geometry& g) { return {g.pad_bottom, g.pad_right}; }
memory::dims Window(const Geometry& g) { return {g.kh, g.kw}; }

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// An argument a primitive takes in a layout of its own choosing: staged per call through a
// buffer, reordered from the tensor before the primitive (an input) or to it after (an output).
struct StagedArg {
  int arg = 0;  // DNNL_ARG_*
  memory::desc layout;
  bool output = false;
  dnnl::reorder reorder;
};

struct CachedPrimitive {
  dnnl::primitive primitive;
  memory::desc scratchpad;
  // The arguments whose layout is not the tensor's (the filter when oneDNN picks a blocked one;
  // the images of a backward-data pass that runs blocked).
  std::vector<StagedArg> staged;

  // Stages `arg` when the primitive's layout `wanted` differs from the tensor's `user` layout.
  void Stage(int arg, const memory::desc& wanted, const memory::desc& user, bool output) {
    if (wanted == user) return;
    staged.push_back({arg, wanted, output,
                      output ? dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), wanted, Engine(), user))
                             : dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), user, Engine(), wanted))});
  }
};

// The filter layout a convolution asks for: oneDNN's choice (a blocked layout), reordered from
// or to the graph's hwio per call. With hwio itself oneDNN's NHWC convolutions run about half
// as fast (bench/conv_probe: LeNet's conv2 forward 15.1 ms hwio, 5.7 ms blocked), and the
// reorder of a filter costs a fraction of the convolution (the filter is small beside the images).
memory::desc FilterRequest(const Geometry& g) {
  if (g.groups > 1) {
    return memory::desc({g.groups, g.Multiplier(), 1, g.kh, g.kw}, memory::data_type::f32, Tag::any);
  }
  return memory::desc({g.oc, g.ic, g.kh, g.kw}, memory::data_type::f32, Tag::any);
}

// A CachedPrimitive for `pd`, whose filter layout is `filter` (the pd's weights or diff-weights
// desc); `to_hwio` for a filter the primitive writes.
template <typename PrimitiveDesc, typename Primitive>
CachedPrimitive ConvPrimitive(const Geometry& g, const PrimitiveDesc& pd, const memory::desc& filter,
                              bool to_hwio) {
  CachedPrimitive p{Primitive(pd), pd.scratchpad_desc(), {}};
  p.Stage(to_hwio ? DNNL_ARG_DIFF_WEIGHTS : DNNL_ARG_WEIGHTS, filter, FilterDesc(g), to_hwio);
  return p;
}

// A kernel's primitives, one per geometry.
class PrimitiveCache {
 public:
  // The primitive for `g`, made by `make` (which may throw dnnl::error) on first use.
  StatusOr<CachedPrimitive> Get(const Geometry& g, absl::FunctionRef<CachedPrimitive()> make) {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(g.Key());
    if (it != cache_.end()) return it->second;
    // Shapes that change every step (a variable batch) must not grow the cache without bound.
    if (cache_.size() >= kMaxEntries) cache_.clear();
    try {
      return cache_.emplace(g.Key(), make()).first->second;
    } catch (const dnnl::error& e) {
      return errors::Internal("oneDNN could not make a primitive for input [", g.n, ",", g.ih, ",", g.iw,
                              ",", g.ic, "] and window [", g.kh, ",", g.kw, "]: ", e.what());
    }
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  absl::Mutex mu_;
  absl::flat_hash_map<std::vector<int64_t>, CachedPrimitive> cache_ ABSL_GUARDED_BY(mu_);
};

memory Memory(const memory::desc& d, const Tensor& t) {
  return memory(d, Engine(), const_cast<void*>(static_cast<const void*>(t.data<float>())));
}

// Runs `p` on `args` (DNNL_ARG_* to memory, in the tensors' layouts) with a scratchpad of its
// own; its staged arguments go through their reorders.
Status Execute(const CachedPrimitive& p, std::unordered_map<int, memory> args) {
  try {
    // Uninitialized buffers: every byte is written by the reorder or the primitive before it is read.
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[p.scratchpad.get_size()]);
    args[DNNL_ARG_SCRATCHPAD] = memory(p.scratchpad, Engine(), scratch.get());
    dnnl::stream stream(Engine());
    absl::InlinedVector<std::unique_ptr<uint8_t[]>, 3> buffers(p.staged.size());
    absl::InlinedVector<memory, 3> user(p.staged.size());
    for (size_t i = 0; i < p.staged.size(); ++i) {
      const StagedArg& s = p.staged[i];
      user[i] = args[s.arg];
      buffers[i].reset(new uint8_t[s.layout.get_size()]);
      args[s.arg] = memory(s.layout, Engine(), buffers[i].get());
      if (!s.output) s.reorder.execute(stream, user[i], args[s.arg]);
    }
    p.primitive.execute(stream, args);
    for (size_t i = 0; i < p.staged.size(); ++i) {
      const StagedArg& s = p.staged[i];
      if (s.output) s.reorder.execute(stream, args[s.arg], user[i]);
    }
    stream.wait();
  } catch (const dnnl::error& e) {
    return errors::Internal("oneDNN primitive failed: ", e.what());
  }
  return absl::OkStatus();
}

// `d`'s sizes in a layout the primitive picks.
memory::desc AnyLayout(const memory::desc& d) { return memory::desc(d.dims(), d.data_type(), Tag::any); }

// The passes of a convolution.
enum class ConvPass { kForward, kBackwardData, kBackwardWeights };

// Whether a convolution pass runs on blocked images (its NHWC image inputs reordered to
// oneDNN's choice of layout and its image output back, per call). Measured with
// bench/conv_microbench (alternating runs, this 2-core VM): with 16 or more channels each way
// the forward pass gains (LeNet conv2 5.1-5.5 -> 4.7-4.8 ms, VGG-like 56x56x128 3.4-4.1 -> 3.1
// ms), the input gradient gains at LeNet's batch of 64 (5.8-6.1 -> 5.3-5.4 ms; the primitive
// alone 9.6 ms NHWC against 3.5 ms blocked) but loses on one 56x56x128 image (3.4-4.0 -> 6.3-7.5
// ms), and the filter gradient does not gain (4.0-5.2 -> 4.4-6.5 ms). A reorder of LeNet's
// 64x14x14x64 gradient costs 0.1 ms. With fewer channels (an RGB or grey input) the images
// stay NHWC: not measured blocked yet through a kernel (LeNet conv1's forward might gain: 0.76 ms
// NHWC, 0.35 ms for the blocked primitive alone, before reordering its 64x28x28x32 output).
bool BlockedImages(const Geometry& g, ConvPass pass) {
  if (g.nchw || g.groups != 1 || g.ic < 16 || g.oc < 16) return false;
  switch (pass) {
    case ConvPass::kForward: return true;
    case ConvPass::kBackwardData: return g.n >= 16;
    case ConvPass::kBackwardWeights: return false;
  }
  return false;
}

// The layout a pass asks for an image argument: the tensor's own, or any when it runs blocked.
memory::desc ImageRequest(const Geometry& g, ConvPass pass, const memory::desc& image) {
  return BlockedImages(g, pass) ? AnyLayout(image) : image;
}

// The forward description of `pass` (its own, or the hint of a backward pass).
dnnl::convolution_forward::desc ConvForwardDesc(const Geometry& g, dnnl::prop_kind kind, ConvPass pass) {
  return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct,
                                         ImageRequest(g, pass, SrcDesc(g)), FilterRequest(g),
                                         ImageRequest(g, pass, DstDesc(g)), Strides(g), Dilations(g), PadBefore(g),
                                         PadAfter(g));
}

dnnl::pooling_forward::desc PoolForwardDesc(const Geometry& g, dnnl::prop_kind kind, dnnl::algorithm alg) {
  return dnnl::pooling_forward::desc(kind, alg, SrcDesc(g), DstDesc(g), Strides(g), Window(g), PadBefore(g),
                                     PadAfter(g));
}

// ---- Reference loops (double) ----------------------------------------------------------------

// fn(b, oy, ox, i, j, y, x) for every tap (i, j) of every output position whose input position
// (y, x) lies inside the image, for output rows [row_begin, row_end) of n * oh.
template <typename Fn>
void ForEachTap(const Geometry& g, int64_t row_begin, int64_t row_end, const Fn& fn) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t b = row / g.oh, oy = row % g.oh;
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t y = oy * g.sh + i * g.dh - g.pad_top;
        if (y < 0 || y >= g.ih) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t x = ox * g.sw + j * g.dw - g.pad_left;
          if (x < 0 || x >= g.iw) continue;
          fn(b, oy, ox, i, j, y, x);
        }
      }
    }
  }
}

template <typename T>
void ConvForwardLoop(const Geometry& g, const T* in, const T* filter, T* out) {
  const int64_t rows = g.n * g.oh;
  ParallelFor(rows, rows * g.ow * g.kh * g.kw * g.ic * g.oc, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t b = row / g.oh, oy = row % g.oh;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        for (int64_t o = 0; o < g.oc; ++o) out[g.Out(b, oy, ox, o)] = T(0);
      }
    }
    ForEachTap(g, r0, r1, [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
      for (int64_t c = 0; c < g.ic; ++c) {
        const T v = in[g.In(b, y, x, c)];
        const T* f = filter + g.Filter(i, j, c, 0);
        for (int64_t o = 0; o < g.oc; ++o) out[g.Out(b, oy, ox, o)] += v * f[o];
      }
    });
  });
}

template <typename T>
void ConvBackpropInputLoop(const Geometry& g, const T* filter, const T* dy, T* dx) {
  std::fill(dx, dx + g.n * g.ih * g.iw * g.ic, T(0));
  // Images of the batch are disjoint in dx: one range of them per thread.
  ParallelFor(g.n, g.n * g.oh * g.ow * g.kh * g.kw * g.ic * g.oc, [&](int64_t b0, int64_t b1) {
    ForEachTap(g, b0 * g.oh, b1 * g.oh,
               [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
                 for (int64_t c = 0; c < g.ic; ++c) {
                   const T* f = filter + g.Filter(i, j, c, 0);
                   T sum = T(0);
                   for (int64_t o = 0; o < g.oc; ++o) sum += dy[g.Out(b, oy, ox, o)] * f[o];
                   dx[g.In(b, y, x, c)] += sum;
                 }
               });
  });
}

template <typename T>
void ConvBackpropFilterLoop(const Geometry& g, const T* in, const T* dy, T* df) {
  std::fill(df, df + g.kh * g.kw * g.ic * g.oc, T(0));
  ForEachTap(g, 0, g.n * g.oh, [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
    for (int64_t c = 0; c < g.ic; ++c) {
      const T v = in[g.In(b, y, x, c)];
      T* f = df + g.Filter(i, j, c, 0);
      for (int64_t o = 0; o < g.oc; ++o) f[o] += v * dy[g.Out(b, oy, ox, o)];
    }
  });
}

// Depthwise loops: output channel c * multiplier + m reads input channel c only.
template <typename T>
void DepthwiseForwardLoop(const Geometry& g, const T* in, const T* filter, T* out) {
  const int64_t rows = g.n * g.oh, mult = g.Multiplier();
  ParallelFor(rows, rows * g.ow * g.kh * g.kw * g.oc, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t b = row / g.oh, oy = row % g.oh;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        for (int64_t o = 0; o < g.oc; ++o) out[g.Out(b, oy, ox, o)] = T(0);
      }
    }
    ForEachTap(g, r0, r1, [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
      for (int64_t c = 0; c < g.ic; ++c) {
        const T v = in[g.In(b, y, x, c)];
        const T* f = filter + g.DepthwiseFilter(i, j, c, 0);
        for (int64_t m = 0; m < mult; ++m) out[g.Out(b, oy, ox, c * mult + m)] += v * f[m];
      }
    });
  });
}

template <typename T>
void DepthwiseBackpropInputLoop(const Geometry& g, const T* filter, const T* dy, T* dx) {
  std::fill(dx, dx + g.n * g.ih * g.iw * g.ic, T(0));
  const int64_t mult = g.Multiplier();
  ParallelFor(g.n, g.n * g.oh * g.ow * g.kh * g.kw * g.oc, [&](int64_t b0, int64_t b1) {
    ForEachTap(g, b0 * g.oh, b1 * g.oh,
               [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
                 for (int64_t c = 0; c < g.ic; ++c) {
                   const T* f = filter + g.DepthwiseFilter(i, j, c, 0);
                   T sum = T(0);
                   for (int64_t m = 0; m < mult; ++m) sum += dy[g.Out(b, oy, ox, c * mult + m)] * f[m];
                   dx[g.In(b, y, x, c)] += sum;
                 }
               });
  });
}

template <typename T>
void DepthwiseBackpropFilterLoop(const Geometry& g, const T* in, const T* dy, T* df) {
  std::fill(df, df + g.kh * g.kw * g.oc, T(0));
  const int64_t mult = g.Multiplier();
  ForEachTap(g, 0, g.n * g.oh, [&](int64_t b, int64_t oy, int64_t ox, int64_t i, int64_t j, int64_t y, int64_t x) {
    for (int64_t c = 0; c < g.ic; ++c) {
      const T v = in[g.In(b, y, x, c)];
      T* f = df + g.DepthwiseFilter(i, j, c, 0);
      for (int64_t m = 0; m < mult; ++m) f[m] += v * dy[g.Out(b, oy, ox, c * mult + m)];
    }
  });
}

// The in-image part of output position (oy, ox)'s pooling window: rows [y0, y1), cols [x0, x1).
struct WindowRange {
  int64_t y0, y1, x0, x1;
};
WindowRange PoolWindow(const Geometry& g, int64_t oy, int64_t ox) {
  const int64_t ys = oy * g.sh - g.pad_top, xs = ox * g.sw - g.pad_left;
  return {std::max<int64_t>(ys, 0), std::min(ys + g.kh, g.ih), std::max<int64_t>(xs, 0),
          std::min(xs + g.kw, g.iw)};
}

template <typename T>
void PoolForwardLoop(const Geometry& g, bool max, const T* in, T* out) {
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const WindowRange r = PoolWindow(g, oy, ox);
        for (int64_t c = 0; c < g.ic; ++c) {
          T acc = max ? -std::numeric_limits<T>::infinity() : T(0);
          for (int64_t y = r.y0; y < r.y1; ++y) {
            for (int64_t x = r.x0; x < r.x1; ++x) {
              const T v = in[g.In(b, y, x, c)];
              acc = max ? std::max(acc, v) : acc + v;
            }
          }
          if (!max) acc /= static_cast<T>((r.y1 - r.y0) * (r.x1 - r.x0));
          out[g.Out(b, oy, ox, c)] = acc;
        }
      }
    }
  }
}

template <typename T>
void AvgPoolGradLoop(const Geometry& g, const T* dy, T* dx) {
  std::fill(dx, dx + g.n * g.ih * g.iw * g.ic, T(0));
  for (int64_t b = 0; b < g.n; ++b) {
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const WindowRange r = PoolWindow(g, oy, ox);
        const T scale = T(1) / static_cast<T>((r.y1 - r.y0) * (r.x1 - r.x0));
        for (int64_t c = 0; c < g.ic; ++c) {
          const T share = dy[g.Out(b, oy, ox, c)] * scale;
          for (int64_t y = r.y0; y < r.y1; ++y) {
            for (int64_t x = r.x0; x < r.x1; ++x) dx[g.In(b, y, x, c)] += share;
          }
        }
      }
    }
  }
}

// Each window's gradient goes to its first maximum (strictly greater replaces), as in
// TensorFlow's CPU kernel. Images of the batch are disjoint: one range of them per thread.
// NHWC runs a window position at a time over all channels (contiguous: the compiler vectorizes
// the compare-and-select), keeping each channel's best value and the window position it came
// from. Windows that do not overlap (the usual 2x2 / 2) then write every element of theirs once
// (the gradient or zero), with no separate zeroing pass when they tile the image.
template <typename T>
void MaxPoolGradLoop(const Geometry& g, const T* in, const T* dy, T* dx) {
  const int64_t image = g.ih * g.iw * g.ic;
  const bool disjoint = g.sh >= g.kh && g.sw >= g.kw;
  const bool tiled = disjoint && g.sh == g.kh && g.sw == g.kw && g.pad_top == 0 && g.pad_left == 0 &&
                     g.oh * g.kh == g.ih && g.ow * g.kw == g.iw;
  ParallelFor(g.n, g.n * g.oh * g.ow * g.ic * g.kh * g.kw, [&](int64_t b0, int64_t b1) {
    if (g.nchw || !tiled) std::fill(dx + b0 * image, dx + b1 * image, T(0));
    std::vector<T> best(g.nchw ? 0 : g.ic);
    std::vector<int32_t> which(g.nchw ? 0 : g.ic);
    std::vector<int64_t> offsets(g.kh * g.kw);
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const WindowRange r = PoolWindow(g, oy, ox);
          if (r.y0 >= r.y1 || r.x0 >= r.x1) continue;
          if (!g.nchw) {
            int32_t count = 0;
            for (int64_t y = r.y0; y < r.y1; ++y) {
              for (int64_t x = r.x0; x < r.x1; ++x) offsets[count++] = g.In(b, y, x, 0);
            }
            std::copy(in + offsets[0], in + offsets[0] + g.ic, best.begin());
            std::fill(which.begin(), which.end(), 0);
            T* bv = best.data();
            int32_t* w = which.data();
            for (int32_t k = 1; k < count; ++k) {
              const T* p = in + offsets[k];
              for (int64_t c = 0; c < g.ic; ++c) {
                const bool greater = p[c] > bv[c];
                bv[c] = greater ? p[c] : bv[c];
                w[c] = greater ? k : w[c];
              }
            }
            const T* d = dy + g.Out(b, oy, ox, 0);
            if (disjoint) {
              for (int32_t k = 0; k < count; ++k) {
                T* o = dx + offsets[k];
                for (int64_t c = 0; c < g.ic; ++c) o[c] = w[c] == k ? d[c] : T(0);
              }
            } else {
              for (int64_t c = 0; c < g.ic; ++c) dx[offsets[w[c]] + c] += d[c];
            }
            continue;
          }
          for (int64_t c = 0; c < g.ic; ++c) {
            int64_t best_at = -1;
            for (int64_t y = r.y0; y < r.y1; ++y) {
              for (int64_t x = r.x0; x < r.x1; ++x) {
                const int64_t at = g.In(b, y, x, c);
                if (best_at < 0 || in[at] > in[best_at]) best_at = at;
              }
            }
            dx[best_at] += dy[g.Out(b, oy, ox, c)];
          }
        }
      }
    }
  });
}

// ---- Kernels ---------------------------------------------------------------------------------

class WindowKernel : public OpKernel {
 public:
  WindowKernel(OpKernelConstruction* c, bool pool) : OpKernel(c) {
    auto attrs = pool ? ReadPoolAttrs(c->def().attr()) : ReadConvAttrs(c->def().attr());
    if (attrs.ok()) {
      attrs_ = *attrs;
    } else {
      c->SetStatus(attrs.status());
    }
  }
  bool IsExpensive() const override { return true; }

 protected:
  // The geometry of a convolution node: grouped for the depthwise ops.
  StatusOr<Geometry> Convolution(const TensorShape& input, const TensorShape& filter) const {
    return depthwise_ ? DepthwiseGeometry(attrs_, input, filter) : ConvGeometry(attrs_, input, filter);
  }

  Window2DAttrs attrs_;
  PrimitiveCache cache_;
  const bool depthwise_ = type_string().starts_with("Depthwise");
};

template <typename T>
class Conv2DOp : public WindowKernel {
 public:
  explicit Conv2DOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/false) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& filter = ctx->input(1);
    auto geometry = Convolution(input.shape(), filter.shape());
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, g.OutputShape(), &out));
    if (out->NumElements() == 0) return;
    if (g.ic == 0) {
      std::fill(out->data<T>(), out->data<T>() + out->NumElements(), T(0));
      return;
    }
    if constexpr (std::is_same_v<T, float>) {
      auto p = cache_.Get(g, [&] {
        dnnl::convolution_forward::primitive_desc pd(ConvForwardDesc(g, dnnl::prop_kind::forward_inference, ConvPass::kForward),
                                                     UserScratchpad(), Engine());
        CachedPrimitive p = ConvPrimitive<decltype(pd), dnnl::convolution_forward>(g, pd, pd.weights_desc(), false);
        p.Stage(DNNL_ARG_SRC, pd.src_desc(), SrcDesc(g), false);
        p.Stage(DNNL_ARG_DST, pd.dst_desc(), DstDesc(g), true);
        return p;
      });
      OP_REQUIRES_OK(ctx, p.status());
      OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(SrcDesc(g), input)},
                                       {DNNL_ARG_WEIGHTS, Memory(FilterDesc(g), filter)},
                                       {DNNL_ARG_DST, Memory(DstDesc(g), *out)}}));
    } else {
      if (depthwise_) {
        DepthwiseForwardLoop(g, input.data<T>(), filter.data<T>(), out->data<T>());
      } else {
        ConvForwardLoop(g, input.data<T>(), filter.data<T>(), out->data<T>());
      }
    }
  }
};

template <typename T>
class Conv2DBackpropInputOp : public WindowKernel {
 public:
  explicit Conv2DBackpropInputOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/false) {}
  void Compute(OpKernelContext* ctx) override {
    auto input_shape = SizesInput(ctx->input(0), "input_sizes");
    OP_REQUIRES_OK(ctx, input_shape.status());
    const Tensor& filter = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    auto geometry = Convolution(*input_shape, filter.shape());
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES_OK(ctx, CheckShape(dy, g.OutputShape(), "out_backprop"));
    Tensor* dx;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *input_shape, &dx));
    if (dx->NumElements() == 0) return;
    if (dy.NumElements() == 0) {
      std::fill(dx->data<T>(), dx->data<T>() + dx->NumElements(), T(0));
      return;
    }
    if constexpr (std::is_same_v<T, float>) {
      auto p = cache_.Get(g, [&] {
        dnnl::convolution_forward::primitive_desc hint(ConvForwardDesc(g, dnnl::prop_kind::forward_training, ConvPass::kBackwardData),
                                                       Engine());
        dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, ImageRequest(g, ConvPass::kBackwardData, SrcDesc(g)),
                                                FilterRequest(g), ImageRequest(g, ConvPass::kBackwardData, DstDesc(g)), Strides(g),
                                                Dilations(g), PadBefore(g), PadAfter(g));
        dnnl::convolution_backward_data::primitive_desc pd(d, UserScratchpad(), Engine(), hint);
        CachedPrimitive p = ConvPrimitive<decltype(pd), dnnl::convolution_backward_data>(g, pd, pd.weights_desc(), false);
        p.Stage(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), DstDesc(g), false);
        p.Stage(DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), SrcDesc(g), true);
        return p;
      });
      OP_REQUIRES_OK(ctx, p.status());
      OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_DIFF_DST, Memory(DstDesc(g), dy)},
                                       {DNNL_ARG_WEIGHTS, Memory(FilterDesc(g), filter)},
                                       {DNNL_ARG_DIFF_SRC, Memory(SrcDesc(g), *dx)}}));
    } else {
      if (depthwise_) {
        DepthwiseBackpropInputLoop(g, filter.data<T>(), dy.data<T>(), dx->data<T>());
      } else {
        ConvBackpropInputLoop(g, filter.data<T>(), dy.data<T>(), dx->data<T>());
      }
    }
  }
};

template <typename T>
class Conv2DBackpropFilterOp : public WindowKernel {
 public:
  explicit Conv2DBackpropFilterOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/false) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    auto filter_shape = SizesInput(ctx->input(1), "filter_sizes");
    OP_REQUIRES_OK(ctx, filter_shape.status());
    const Tensor& dy = ctx->input(2);
    auto geometry = Convolution(input.shape(), *filter_shape);
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES_OK(ctx, CheckShape(dy, g.OutputShape(), "out_backprop"));
    Tensor* df;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *filter_shape, &df));
    if (df->NumElements() == 0) return;
    if (dy.NumElements() == 0) {
      std::fill(df->data<T>(), df->data<T>() + df->NumElements(), T(0));
      return;
    }
    if constexpr (std::is_same_v<T, float>) {
      auto p = cache_.Get(g, [&] {
        dnnl::convolution_forward::primitive_desc hint(ConvForwardDesc(g, dnnl::prop_kind::forward_training, ConvPass::kBackwardWeights),
                                                       Engine());
        dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, ImageRequest(g, ConvPass::kBackwardWeights, SrcDesc(g)),
                                                   FilterRequest(g), ImageRequest(g, ConvPass::kBackwardWeights, DstDesc(g)), Strides(g),
                                                   Dilations(g), PadBefore(g), PadAfter(g));
        dnnl::convolution_backward_weights::primitive_desc pd(d, UserScratchpad(), Engine(), hint);
        CachedPrimitive p = ConvPrimitive<decltype(pd), dnnl::convolution_backward_weights>(
            g, pd, pd.diff_weights_desc(), true);
        p.Stage(DNNL_ARG_SRC, pd.src_desc(), SrcDesc(g), false);
        p.Stage(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), DstDesc(g), false);
        return p;
      });
      OP_REQUIRES_OK(ctx, p.status());
      OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(SrcDesc(g), input)},
                                       {DNNL_ARG_DIFF_DST, Memory(DstDesc(g), dy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, Memory(FilterDesc(g), *df)}}));
    } else {
      if (depthwise_) {
        DepthwiseBackpropFilterLoop(g, input.data<T>(), dy.data<T>(), df->data<T>());
      } else {
        ConvBackpropFilterLoop(g, input.data<T>(), dy.data<T>(), df->data<T>());
      }
    }
  }
};

// Conv2D + BiasAdd (+ Relu) in one kernel; fused_ops ["BiasAdd"] or ["BiasAdd", "Relu"], the
// bias the one arg.
template <typename T>
class FusedConv2DOp : public WindowKernel {
 public:
  explicit FusedConv2DOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/false) {
    std::vector<std::string> fused_ops;
    int64_t num_args = 0;
    Status s = c->GetAttr("fused_ops", &fused_ops);
    if (s.ok()) s = c->GetAttr("num_args", &num_args);
    if (s.ok()) {
      if (fused_ops == std::vector<std::string>{"BiasAdd"}) {
        relu_ = false;
      } else if (fused_ops == std::vector<std::string>{"BiasAdd", "Relu"}) {
        relu_ = true;
      } else {
        s = errors::Unimplemented("fused_ops [", absl::StrJoin(fused_ops, ", "),
                                  "] is not supported: sluice runs [BiasAdd] and [BiasAdd, Relu]");
      }
    }
    if (s.ok() && num_args != 1) s = errors::InvalidArgument("num_args must be 1 (the bias), got ", num_args);
    c->SetStatus(s);
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& filter = ctx->input(1);
    const Tensor& bias = ctx->input(2);
    auto geometry = ConvGeometry(attrs_, input.shape(), filter.shape());
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES(ctx, bias.dims() == 1 && bias.NumElements() == g.oc,
                errors::InvalidArgument("bias must be a vector of ", g.oc, " (the output channels), got shape ",
                                        bias.shape().DebugString()));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, g.OutputShape(), &out));
    if (out->NumElements() == 0) return;
    if constexpr (std::is_same_v<T, float>) {
      if (g.ic > 0) {
        auto p = cache_.Get(g, [&] {
          dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                            ImageRequest(g, ConvPass::kForward, SrcDesc(g)), FilterRequest(g), BiasDesc(g),
                                            ImageRequest(g, ConvPass::kForward, DstDesc(g)), Strides(g), Dilations(g), PadBefore(g),
                                            PadAfter(g));
          dnnl::primitive_attr attr = UserScratchpad();
          if (relu_) {
            dnnl::post_ops post;
            post.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
            attr.set_post_ops(post);
          }
          dnnl::convolution_forward::primitive_desc pd(d, attr, Engine());
          CachedPrimitive p = ConvPrimitive<decltype(pd), dnnl::convolution_forward>(g, pd, pd.weights_desc(), false);
          p.Stage(DNNL_ARG_SRC, pd.src_desc(), SrcDesc(g), false);
          p.Stage(DNNL_ARG_DST, pd.dst_desc(), DstDesc(g), true);
          return p;
        });
        OP_REQUIRES_OK(ctx, p.status());
        OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(SrcDesc(g), input)},
                                         {DNNL_ARG_WEIGHTS, Memory(FilterDesc(g), filter)},
                                         {DNNL_ARG_BIAS, Memory(BiasDesc(g), bias)},
                                         {DNNL_ARG_DST, Memory(DstDesc(g), *out)}}));
        return;
      }
    }
    // double, and an input without channels: the loop, then bias and relu.
    if (g.ic > 0) {
      ConvForwardLoop(g, input.data<T>(), filter.data<T>(), out->data<T>());
    } else {
      std::fill(out->data<T>(), out->data<T>() + out->NumElements(), T(0));
    }
    T* o = out->data<T>();
    const T* b = bias.data<T>();
    const int64_t spatial = g.oh * g.ow;
    for (int64_t i = 0; i < out->NumElements(); ++i) {
      const T v = o[i] + b[g.nchw ? (i / spatial) % g.oc : i % g.oc];
      o[i] = relu_ && v < T(0) ? T(0) : v;
    }
  }

 private:
  static memory::desc BiasDesc(const Geometry& g) { return memory::desc({g.oc}, memory::data_type::f32, Tag::a); }
  bool relu_ = false;
};

// MaxPool (kMax) and AvgPool: TensorFlow's average divides by the window's elements inside the
// image, oneDNN's pooling_avg_exclude_padding.
template <typename T, bool kMax>
class PoolOp : public WindowKernel {
 public:
  explicit PoolOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/true) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    auto geometry = PoolGeometry(attrs_, input.shape());
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, g.OutputShape(), &out));
    if (out->NumElements() == 0) return;
    if constexpr (std::is_same_v<T, float>) {
      auto p = cache_.Get(g, [&] {
        dnnl::pooling_forward::primitive_desc pd(PoolForwardDesc(g, dnnl::prop_kind::forward_inference, kAlgorithm),
                                                 UserScratchpad(), Engine());
        return CachedPrimitive{dnnl::pooling_forward(pd), pd.scratchpad_desc(), {}};
      });
      OP_REQUIRES_OK(ctx, p.status());
      OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(SrcDesc(g), input)},
                                       {DNNL_ARG_DST, Memory(DstDesc(g), *out)}}));
    } else {
      PoolForwardLoop(g, kMax, input.data<T>(), out->data<T>());
    }
  }

 private:
  static constexpr dnnl::algorithm kAlgorithm =
      kMax ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
};

template <typename T>
class MaxPoolGradOp : public WindowKernel {
 public:
  explicit MaxPoolGradOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/true) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& output = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    auto geometry = PoolGeometry(attrs_, input.shape());
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES_OK(ctx, CheckShape(output, g.OutputShape(), "orig_output"));
    OP_REQUIRES_OK(ctx, CheckShape(dy, g.OutputShape(), "grad"));
    Tensor* dx;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input.shape(), &dx));
    if (dx->NumElements() == 0) return;
    MaxPoolGradLoop(g, input.data<T>(), dy.data<T>(), dx->data<T>());
  }
};

template <typename T>
class AvgPoolGradOp : public WindowKernel {
 public:
  explicit AvgPoolGradOp(OpKernelConstruction* c) : WindowKernel(c, /*pool=*/true) {}
  void Compute(OpKernelContext* ctx) override {
    auto input_shape = SizesInput(ctx->input(0), "orig_input_shape");
    OP_REQUIRES_OK(ctx, input_shape.status());
    const Tensor& dy = ctx->input(1);
    auto geometry = PoolGeometry(attrs_, *input_shape);
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES_OK(ctx, CheckShape(dy, g.OutputShape(), "grad"));
    Tensor* dx;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *input_shape, &dx));
    if (dx->NumElements() == 0) return;
    if (dy.NumElements() == 0) {
      std::fill(dx->data<T>(), dx->data<T>() + dx->NumElements(), T(0));
      return;
    }
    if constexpr (std::is_same_v<T, float>) {
      auto p = cache_.Get(g, [&] {
        constexpr auto kAlg = dnnl::algorithm::pooling_avg_exclude_padding;
        dnnl::pooling_forward::primitive_desc hint(PoolForwardDesc(g, dnnl::prop_kind::forward_training, kAlg),
                                                   Engine());
        dnnl::pooling_backward::desc d(kAlg, SrcDesc(g), DstDesc(g), Strides(g), Window(g), PadBefore(g),
                                       PadAfter(g));
        dnnl::pooling_backward::primitive_desc pd(d, UserScratchpad(), Engine(), hint);
        return CachedPrimitive{dnnl::pooling_backward(pd), pd.scratchpad_desc(), {}};
      });
      OP_REQUIRES_OK(ctx, p.status());
      OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_DIFF_DST, Memory(DstDesc(g), dy)},
                                       {DNNL_ARG_DIFF_SRC, Memory(SrcDesc(g), *dx)}}));
    } else {
      AvgPoolGradLoop(g, dy.data<T>(), dx->data<T>());
    }
  }
};

template <typename T>
using MaxPoolOp = PoolOp<T, true>;
template <typename T>
using AvgPoolOp = PoolOp<T, false>;

REGISTER_KERNEL_FAMILY(FloatTypes, "Conv2D", Conv2DOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "Conv2DBackpropInput", Conv2DBackpropInputOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "Conv2DBackpropFilter", Conv2DBackpropFilterOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "DepthwiseConv2dNative", Conv2DOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "DepthwiseConv2dNativeBackpropInput", Conv2DBackpropInputOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "DepthwiseConv2dNativeBackpropFilter", Conv2DBackpropFilterOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "_FusedConv2D", FusedConv2DOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "MaxPool", MaxPoolOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "AvgPool", AvgPoolOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "MaxPoolGrad", MaxPoolGradOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "AvgPoolGrad", AvgPoolGradOp);

}  // namespace
}  // namespace sluice
