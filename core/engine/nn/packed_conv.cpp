#include "engine/nn/packed_conv.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

namespace archival::engine::nn {
namespace {

// mkldnn::_convolution_pointwise: libtorch's oneDNN convolution that takes a weight already
// in oneDNN's layout (the kernel Inductor's CPU backend calls). Registered by libtorch as an
// operator, not as an ATen function, so it is reached through the dispatcher.
const c10::OperatorHandle& pointwiseConvolution() {
    static const c10::OperatorHandle op =
        c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn::_convolution_pointwise", "");
    return op;
}

}  // namespace

bool PackedConvWeight::serves(const at::Tensor& x, const at::Tensor& weight) {
    static const bool available =
        at::hasMKLDNN() &&
        c10::Dispatcher::singleton().findSchema({"mkldnn::_convolution_pointwise", ""}).has_value();
    const auto t = x.scalar_type();
    return available && x.device().is_cpu() && weight.device().is_cpu() &&
           (t == at::kFloat || t == at::kBFloat16) && weight.scalar_type() == t && x.dim() == 4 &&
           !x.requires_grad();
}

at::Tensor PackedConvWeight::run(const at::Tensor& x, const at::Tensor& weight,
                                 const at::Tensor& bias, std::int64_t stride,
                                 std::int64_t padding) {
    at::Tensor packed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::uint64_t epoch = packingEpoch();
        if (!packed_.defined() || source_ != weight.data_ptr() || dtype_ != weight.scalar_type() ||
            epoch_ != epoch) {
            packed_ = at::mkldnn_reorder_conv2d_weight(weight.contiguous().to_mkldnn(),
                                                       {padding, padding}, {stride, stride}, {1, 1},
                                                       1, x.sizes());
            source_ = weight.data_ptr();
            dtype_ = weight.scalar_type();
            epoch_ = epoch;
        }
        packed = packed_;
    }
    torch::jit::Stack stack;
    stack.reserve(10);
    stack.emplace_back(x);
    stack.emplace_back(packed);
    stack.emplace_back(bias.defined() ? c10::IValue(bias) : c10::IValue());
    stack.emplace_back(std::vector<std::int64_t>{padding, padding});
    stack.emplace_back(std::vector<std::int64_t>{stride, stride});
    stack.emplace_back(std::vector<std::int64_t>{1, 1});
    stack.emplace_back(static_cast<std::int64_t>(1));
    stack.emplace_back(std::string("none"));
    stack.emplace_back(c10::List<std::optional<at::Scalar>>());
    stack.emplace_back(std::string());
    pointwiseConvolution().callBoxed(&stack);
    return stack.front().toTensor();
}

}  // namespace archival::engine::nn
