// A 2-D convolution run directly with oneDNN primitives (forward, backward data, backward
// weights), for the floor probe (bench/conv_probe.cc) and the microbenchmarks
// (bench/conv_microbench.cc): what the convolutions cost without a framework around them.
//
//   bench::ConvShape s{64, 28, 28, 1, 32, 5, 5, 1, 2};  // batch, h, w, in, out, kh, kw, stride, pad
//   bench::DnnlConv conv(s, bench::DnnlConv::Layout::kNhwc);
//   conv.Forward();  conv.BackwardData();  conv.BackwardWeights();
//
// Layout::kNhwc uses the layouts sluice's kernels hand oneDNN (NHWC images, HWIO filters), so
// the time is that of the primitive sluice runs; Layout::kAny lets oneDNN choose its fastest
// (blocked) layouts, with the data already in them (no reorders timed): the floor.
#ifndef SLUICE_BENCH_DNNL_CONV_H_
#define SLUICE_BENCH_DNNL_CONV_H_

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace sluice {
namespace bench {

// A stride-`stride` convolution of an [n, h, w, ic] image with a [kh, kw, ic, oc] filter,
// `pad` zeros on each side (pad = (k - 1) / 2 with stride 1 is TF's "SAME" for odd k).
struct ConvShape {
  int64_t n, h, w, ic, oc, kh, kw, stride, pad;
  int64_t oh() const { return (h + 2 * pad - kh) / stride + 1; }
  int64_t ow() const { return (w + 2 * pad - kw) / stride + 1; }
  // Multiply-adds times 2 of one pass (each of the three passes has the same count).
  double Flops() const { return 2.0 * n * oh() * ow() * oc * ic * kh * kw; }
};

class DnnlConv {
 public:
  enum class Layout { kNhwc, kAny };

  DnnlConv(const ConvShape& s, Layout layout) : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using memory = dnnl::memory;
    using Tag = memory::format_tag;
    const auto f32 = memory::data_type::f32;
    const memory::dims src_dims = {s.n, s.ic, s.h, s.w}, dst_dims = {s.n, s.oc, s.oh(), s.ow()},
                       filter_dims = {s.oc, s.ic, s.kh, s.kw}, strides = {s.stride, s.stride},
                       dilations = {0, 0}, pad = {s.pad, s.pad};
    const bool any = layout == Layout::kAny;
    const memory::desc src(src_dims, f32, any ? Tag::any : Tag::nhwc);
    const memory::desc dst(dst_dims, f32, any ? Tag::any : Tag::nhwc);
    const memory::desc filter(filter_dims, f32, any ? Tag::any : Tag::hwio);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const auto direct = dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::primitive_desc fwd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, src, filter, dst, strides,
                                        dilations, pad, pad),
        attr, engine_);
    dnnl::convolution_backward_data::primitive_desc bwd_data(
        dnnl::convolution_backward_data::desc(direct, src, filter, dst, strides, dilations, pad, pad), attr, engine_,
        fwd);
    dnnl::convolution_backward_weights::primitive_desc bwd_weights(
        dnnl::convolution_backward_weights::desc(direct, src, filter, dst, strides, dilations, pad, pad), attr,
        engine_, fwd);
    forward_ = dnnl::convolution_forward(fwd);
    backward_data_ = dnnl::convolution_backward_data(bwd_data);
    backward_weights_ = dnnl::convolution_backward_weights(bwd_weights);
    auto make = [&](const memory::desc& d) { return memory(d, engine_); };  // oneDNN owns the buffer
    src_ = make(fwd.src_desc());
    filter_ = make(fwd.weights_desc());
    dst_ = make(fwd.dst_desc());
    diff_src_ = make(bwd_data.diff_src_desc());
    diff_filter_ = make(bwd_weights.diff_weights_desc());
    // backward data/weights may want their own layouts of the same tensors; with kNhwc they are
    // the given ones. Buffers of each primitive's own descs, filled like the forward's.
    bwd_data_filter_ = make(bwd_data.weights_desc());
    bwd_data_diff_dst_ = make(bwd_data.diff_dst_desc());
    bwd_weights_src_ = make(bwd_weights.src_desc());
    bwd_weights_diff_dst_ = make(bwd_weights.diff_dst_desc());
    for (memory* m : {&src_, &filter_, &bwd_data_filter_, &bwd_data_diff_dst_, &bwd_weights_src_,
                      &bwd_weights_diff_dst_}) {
      Fill(*m, 0.01f);
    }
    scratch_.resize(std::max({fwd.scratchpad_desc().get_size(), bwd_data.scratchpad_desc().get_size(),
                              bwd_weights.scratchpad_desc().get_size()}));
    fwd_scratch_ = memory(fwd.scratchpad_desc(), engine_, scratch_.data());
    bwd_data_scratch_ = memory(bwd_data.scratchpad_desc(), engine_, scratch_.data());
    bwd_weights_scratch_ = memory(bwd_weights.scratchpad_desc(), engine_, scratch_.data());
  }

  // dst = conv(src, filter).
  void Forward() {
    forward_.execute(stream_, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, filter_}, {DNNL_ARG_DST, dst_},
                               {DNNL_ARG_SCRATCHPAD, fwd_scratch_}});
    stream_.wait();
  }
  // diff_src from diff_dst and the filter (Conv2DBackpropInput).
  void BackwardData() {
    backward_data_.execute(stream_, {{DNNL_ARG_DIFF_DST, bwd_data_diff_dst_}, {DNNL_ARG_WEIGHTS, bwd_data_filter_},
                                     {DNNL_ARG_DIFF_SRC, diff_src_}, {DNNL_ARG_SCRATCHPAD, bwd_data_scratch_}});
    stream_.wait();
  }
  // diff_filter from src and diff_dst (Conv2DBackpropFilter).
  void BackwardWeights() {
    backward_weights_.execute(stream_, {{DNNL_ARG_SRC, bwd_weights_src_}, {DNNL_ARG_DIFF_DST, bwd_weights_diff_dst_},
                                        {DNNL_ARG_DIFF_WEIGHTS, diff_filter_},
                                        {DNNL_ARG_SCRATCHPAD, bwd_weights_scratch_}});
    stream_.wait();
  }

 private:
  static void Fill(dnnl::memory& m, float v) {
    float* p = static_cast<float*>(m.get_data_handle());
    const size_t n = m.get_desc().get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i) p[i] = v * static_cast<float>(i % 7);
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive forward_, backward_data_, backward_weights_;
  dnnl::memory src_, filter_, dst_, diff_src_, diff_filter_, bwd_data_filter_, bwd_data_diff_dst_, bwd_weights_src_,
      bwd_weights_diff_dst_;
  std::vector<uint8_t> scratch_;
  dnnl::memory fwd_scratch_, bwd_data_scratch_, bwd_weights_scratch_;
};

}  // namespace bench
}  // namespace sluice

#endif  // SLUICE_BENCH_DNNL_CONV_H_
