#include "tfjs_ops.h"

#include <map>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif::tfjs {

using torch::Tensor;
using Inputs = std::vector<Tensor>;

namespace {

// ------------------------------------------------------------------ attributes

std::string base64_decode(const std::string& text) {
  static const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=') break;
    const size_t v = digits.find(ch);
    if (v == std::string::npos) throw Error("an attribute string is not base64");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

const nlohmann::json* find_attr(const Node& n, const char* key) {
  if (!n.attr.is_object() || !n.attr.contains(key)) return nullptr;
  return &n.attr.at(key);
}

// tfjs-converter writes 64-bit integers as strings.
int64_t to_int(const nlohmann::json& v) { return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>(); }

int64_t attr_int(const Node& n, const char* key, int64_t fallback) {
  const nlohmann::json* a = find_attr(n, key);
  return a && a->contains("i") ? to_int(a->at("i")) : fallback;
}

bool attr_bool(const Node& n, const char* key) {
  const nlohmann::json* a = find_attr(n, key);
  return a && a->contains("b") && a->at("b").get<bool>();
}

std::string attr_string(const Node& n, const char* key, const std::string& fallback = "") {
  const nlohmann::json* a = find_attr(n, key);
  return a && a->contains("s") ? base64_decode(a->at("s").get<std::string>()) : fallback;
}

std::string attr_type(const Node& n, const char* key, const std::string& fallback) {
  const nlohmann::json* a = find_attr(n, key);
  return a && a->contains("type") ? a->at("type").get<std::string>() : fallback;
}

std::vector<int64_t> attr_ints(const Node& n, const char* key) {
  std::vector<int64_t> out;
  const nlohmann::json* a = find_attr(n, key);
  if (a && a->contains("list") && a->at("list").contains("i"))
    for (const auto& v : a->at("list").at("i")) out.push_back(to_int(v));
  return out;
}

std::vector<std::string> attr_strings(const Node& n, const char* key) {
  std::vector<std::string> out;
  const nlohmann::json* a = find_attr(n, key);
  if (a && a->contains("list") && a->at("list").contains("s"))
    for (const auto& v : a->at("list").at("s")) out.push_back(base64_decode(v.get<std::string>()));
  return out;
}

torch::ScalarType scalar_type(const std::string& tf_type) {
  if (tf_type == "DT_FLOAT") return torch::kFloat;
  if (tf_type == "DT_INT32") return torch::kInt;
  if (tf_type == "DT_INT64") return torch::kLong;
  if (tf_type == "DT_BOOL") return torch::kBool;
  throw Error("data type " + tf_type + " is not supported");
}

std::vector<int64_t> int_values(const Tensor& t) {
  const Tensor c = t.to(torch::kLong).contiguous().flatten();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

int64_t scalar_int(const Tensor& t) {
  if (t.numel() != 1) throw Error("expected one integer (an axis), got " + std::to_string(t.numel()) + " values");
  return int_values(t)[0];
}

int64_t wrap_axis(int64_t axis, int64_t rank) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw Error(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return a;
}

const Tensor& constant(const std::vector<Tensor>& constants, size_t i, const char* what) {
  if (i >= constants.size() || !constants[i].defined()) throw Error(std::string(what) + " must be a constant");
  return constants[i];
}

// ------------------------------------------------------------------ convolutions

struct Padding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};

// TensorFlow's "SAME": the output is ceil(input / stride), the extra pixel (if any) at the end.
std::pair<int64_t, int64_t> same_padding(int64_t size, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t out = (size + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return {total / 2, total - total / 2};
}

class Convolution {
 public:
  Convolution(const Node& n, const std::vector<Tensor>& constants, bool depthwise) : depthwise_(depthwise) {
    if (attr_string(n, "data_format", "NHWC") != "NHWC") throw Error("only NHWC convolutions are supported");
    stride_ = attr_ints(n, "strides");
    dilation_ = attr_ints(n, "dilations");
    if (dilation_.empty()) dilation_ = {1, 1, 1, 1};
    if (stride_.size() != 4 || dilation_.size() != 4) throw Error("strides and dilations need 4 values");
    padding_ = attr_string(n, "padding");
    if (padding_ == "EXPLICIT") explicit_ = attr_ints(n, "explicit_paddings");
    else if (padding_ != "SAME" && padding_ != "VALID") throw Error("padding '" + padding_ + "' is not supported");
    if (padding_ == "EXPLICIT" && explicit_.size() != 8) throw Error("explicit_paddings needs 8 values");
    const Tensor w = constant(constants, 1, "the filter");
    if (w.dim() != 4) throw Error("the filter must have 4 dimensions");
    kernel_h_ = w.size(0);
    kernel_w_ = w.size(1);
    // TensorFlow [kh, kw, in, out] (depthwise [kh, kw, in, multiplier]) -> ATen [out, in/groups, kh, kw].
    weight_ = depthwise ? w.permute({2, 3, 0, 1}).reshape({w.size(2) * w.size(3), 1, kernel_h_, kernel_w_})
                        : w.permute({3, 2, 0, 1});
    weight_ = weight_.contiguous(torch::MemoryFormat::ChannelsLast);
    groups_ = depthwise ? w.size(2) : 1;
    read_fused_ops(n, constants);
  }

  Tensor operator()(const Tensor& x) const {
    if (x.dim() != 4) throw Error("the input must be NHWC");
    Tensor nchw = x.permute({0, 3, 1, 2});  // a channels-last view, no copy
    const Padding p = padding(x.size(1), x.size(2));
    std::vector<int64_t> pad = {p.top, p.left};
    if (p.top != p.bottom || p.left != p.right) {
      nchw = torch::constant_pad_nd(nchw, {p.left, p.right, p.top, p.bottom});
      pad = {0, 0};
    }
    Tensor y = torch::conv2d(nchw, weight_, bias_, {stride_[1], stride_[2]}, pad, {dilation_[1], dilation_[2]}, groups_);
    if (activation_ == "Relu") y.clamp_min_(0);
    else if (activation_ == "Relu6") y.clamp_(0, 6);
    return y.permute({0, 2, 3, 1});
  }

 private:
  void read_fused_ops(const Node& n, const std::vector<Tensor>& constants) {
    const std::vector<std::string> fused = attr_strings(n, "fused_ops");
    if (fused.empty()) return;
    if (fused[0] != "BiasAdd") throw Error("fused op '" + fused[0] + "' is not supported (only BiasAdd, then Relu or Relu6)");
    bias_ = constant(constants, 2, "the bias").flatten().contiguous();
    if (fused.size() > 2 || (fused.size() == 2 && fused[1] != "Relu" && fused[1] != "Relu6"))
      throw Error("fused activation '" + fused.back() + "' is not supported (only Relu, Relu6)");
    if (fused.size() == 2) activation_ = fused[1];
  }

  Padding padding(int64_t height, int64_t width) const {
    Padding p;
    if (padding_ == "SAME") {
      std::tie(p.top, p.bottom) = same_padding(height, kernel_h_, stride_[1], dilation_[1]);
      std::tie(p.left, p.right) = same_padding(width, kernel_w_, stride_[2], dilation_[2]);
    } else if (padding_ == "EXPLICIT") {
      p = {explicit_[2], explicit_[3], explicit_[4], explicit_[5]};
    }
    return p;
  }

  bool depthwise_;
  std::vector<int64_t> stride_, dilation_, explicit_;
  std::string padding_, activation_;
  int64_t kernel_h_ = 0, kernel_w_ = 0, groups_ = 1;
  Tensor weight_, bias_;
};

// ------------------------------------------------------------------ the other ops

Tensor resize_bilinear(const Node& n, const Tensor& x, const Tensor& size) {
  const bool align_corners = attr_bool(n, "align_corners"), half_pixel = attr_bool(n, "half_pixel_centers");
  // TensorFlow's legacy mode (neither flag) samples at top-left pixel corners: no ATen equivalent.
  if (!align_corners && !half_pixel) throw Error("ResizeBilinear without half_pixel_centers or align_corners is not supported");
  const std::vector<int64_t> hw = int_values(size);
  if (hw.size() != 2 || x.dim() != 4) throw Error("ResizeBilinear needs an NHWC image and a size of 2 values");
  const Tensor y = torch::upsample_bilinear2d(x.permute({0, 3, 1, 2}), hw, align_corners);
  return y.permute({0, 2, 3, 1});
}

// TensorFlow's GatherNd: the last axis of indices addresses the leading axes of params.
Tensor gather_nd(const Tensor& params, const Tensor& indices) {
  const int64_t K = indices.size(-1);
  if (K > params.dim()) throw Error("GatherNd indices address more axes than the params have");
  Tensor linear = torch::zeros(indices.sizes().slice(0, indices.dim() - 1), torch::kLong);
  int64_t rows = 1;
  for (int64_t k = 0; k < K; ++k) {
    const Tensor i = indices.select(-1, k).to(torch::kLong);
    if (i.numel() && (i.min().item<int64_t>() < 0 || i.max().item<int64_t>() >= params.size(k)))
      throw Error(fmt::format("GatherNd index out of range for axis {} of size {}", k, params.size(k)));
    linear = linear * params.size(k) + i;
    rows *= params.size(k);
  }
  std::vector<int64_t> flat_shape = {rows};
  for (int64_t d = K; d < params.dim(); ++d) flat_shape.push_back(params.size(d));
  std::vector<int64_t> out_shape(indices.sizes().begin(), indices.sizes().end() - 1);
  for (int64_t d = K; d < params.dim(); ++d) out_shape.push_back(params.size(d));
  return params.reshape(flat_shape).index_select(0, linear.flatten()).reshape(out_shape);
}

Tensor floor_div(const Tensor& a, const Tensor& b) {
  if (a.is_floating_point()) return torch::floor(a / b);
  if ((b == 0).any().item<bool>()) throw Error("FloorDiv by an integer zero");
  return torch::div(a, b, "floor");
}

Kernel unary(Tensor (*f)(const Tensor&)) {
  return [f](const Inputs& in) { return Inputs{f(in.at(0))}; };
}

Kernel binary(Tensor (*f)(const Tensor&, const Tensor&)) {
  return [f](const Inputs& in) { return Inputs{f(in.at(0), in.at(1))}; };
}

Kernel compile_shape_op(const Node& n, const std::vector<Tensor>& c) {
  const std::string& op = n.op;
  if (op == "Cast") {
    const torch::ScalarType type = scalar_type(attr_type(n, "DstT", "DT_FLOAT"));
    return [type](const Inputs& in) { return Inputs{in.at(0).to(type)}; };
  }
  if (op == "Reshape")
    return [](const Inputs& in) { return Inputs{in.at(0).reshape(int_values(in.at(1)))}; };
  if (op == "ExpandDims")
    return [](const Inputs& in) {
      return Inputs{in.at(0).unsqueeze(wrap_axis(scalar_int(in.at(1)), in.at(0).dim() + 1))};
    };
  if (op == "Squeeze") {
    const std::vector<int64_t> axes = attr_ints(n, "squeeze_dims");
    return [axes](const Inputs& in) {
      Tensor x = in.at(0);
      if (axes.empty()) return Inputs{x.squeeze()};
      std::vector<int64_t> keep;
      for (int64_t d = 0; d < x.dim(); ++d) {
        bool drop = false;
        for (int64_t a : axes) drop = drop || wrap_axis(a, x.dim()) == d;
        if (drop && x.size(d) != 1) throw Error(fmt::format("Squeeze of axis {} of size {}", d, x.size(d)));
        if (!drop) keep.push_back(x.size(d));
      }
      return Inputs{x.reshape(keep)};
    };
  }
  if (op == "Pack") {
    const int64_t axis = attr_int(n, "axis", 0);
    return [axis](const Inputs& in) { return Inputs{torch::stack(in, wrap_axis(axis, in.at(0).dim() + 1))}; };
  }
  if (op == "Unpack") {
    const int64_t axis = attr_int(n, "axis", 0), num = attr_int(n, "num", 1);
    return [axis, num](const Inputs& in) {
      const int64_t a = wrap_axis(axis, in.at(0).dim());
      if (in.at(0).size(a) != num) throw Error(fmt::format("Unpack of {} parts from an axis of size {}", num, in.at(0).size(a)));
      return in.at(0).unbind(a);
    };
  }
  if (op == "ConcatV2")
    return [](const Inputs& in) {
      const Inputs parts(in.begin(), in.end() - 1);
      return Inputs{torch::cat(parts, wrap_axis(scalar_int(in.back()), parts.at(0).dim()))};
    };
  if (op == "ArgMax") {
    const torch::ScalarType type = scalar_type(attr_type(n, "output_type", "DT_INT64"));
    return [type](const Inputs& in) {
      return Inputs{in.at(0).argmax(wrap_axis(scalar_int(in.at(1)), in.at(0).dim())).to(type)};
    };
  }
  if (op == "GatherNd") return binary(gather_nd);
  if (op == "ResizeBilinear")
    return [n](const Inputs& in) { return Inputs{resize_bilinear(n, in.at(0), in.at(1))}; };
  return nullptr;
}

Kernel compile_arithmetic(const std::string& op) {
  if (op == "Identity") return [](const Inputs& in) { return Inputs{in.at(0)}; };
  if (op == "AddV2" || op == "Add") return binary([](const Tensor& a, const Tensor& b) { return a + b; });
  if (op == "Sub") return binary([](const Tensor& a, const Tensor& b) { return a - b; });
  if (op == "Mul") return binary([](const Tensor& a, const Tensor& b) { return a * b; });
  if (op == "RealDiv") return binary([](const Tensor& a, const Tensor& b) { return a / b; });
  if (op == "Maximum") return binary([](const Tensor& a, const Tensor& b) { return torch::maximum(a, b); });
  if (op == "Minimum") return binary([](const Tensor& a, const Tensor& b) { return torch::minimum(a, b); });
  if (op == "SquaredDifference") return binary([](const Tensor& a, const Tensor& b) { return (a - b) * (a - b); });
  if (op == "FloorDiv") return binary(floor_div);
  if (op == "Sigmoid") return unary([](const Tensor& x) { return torch::sigmoid(x); });
  if (op == "Sqrt") return unary([](const Tensor& x) { return torch::sqrt(x); });
  if (op == "Rsqrt") return unary([](const Tensor& x) { return torch::rsqrt(x); });
  if (op == "Exp") return unary([](const Tensor& x) { return torch::exp(x); });
  if (op == "Tanh") return unary([](const Tensor& x) { return torch::tanh(x); });
  if (op == "Neg") return unary([](const Tensor& x) { return -x; });
  if (op == "Relu") return unary([](const Tensor& x) { return torch::relu(x); });
  if (op == "Relu6") return unary([](const Tensor& x) { return x.clamp(0, 6); });
  return nullptr;
}

}  // namespace

int output_count(const Node& node) {
  return node.op == "Unpack" ? static_cast<int>(attr_int(node, "num", 1)) : 1;
}

std::string supported_ops() {
  return "_FusedConv2D, Conv2D, FusedDepthwiseConv2dNative, DepthwiseConv2dNative, ResizeBilinear, AddV2, Add, Sub, "
         "Mul, RealDiv, Maximum, Minimum, SquaredDifference, FloorDiv, Sigmoid, Sqrt, Rsqrt, Exp, Tanh, Neg, Relu, "
         "Relu6, Cast, Reshape, ExpandDims, Squeeze, Pack, Unpack, ConcatV2, ArgMax, GatherNd, Identity";
}

Kernel compile(const Node& n, const std::vector<Tensor>& constants, const std::string& where) {
  try {
    const bool conv = n.op == "_FusedConv2D" || n.op == "Conv2D";
    const bool depthwise = n.op == "FusedDepthwiseConv2dNative" || n.op == "DepthwiseConv2dNative";
    if (conv || depthwise) {
      auto c = std::make_shared<Convolution>(n, constants, depthwise);
      return [c](const Inputs& in) { return Inputs{(*c)(in.at(0))}; };
    }
    if (Kernel k = compile_arithmetic(n.op)) return k;
    if (Kernel k = compile_shape_op(n, constants)) return k;
  } catch (const std::exception& e) {
    fail(where, fmt::format("node '{}' ({}): {}", n.name, n.op, e.what()));
  }
  fail(where, fmt::format("node '{}': op '{}' is not supported (supported: {})", n.name, n.op, supported_ops()));
}

}  // namespace hoif::tfjs
