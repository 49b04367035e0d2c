#include "engine/nn/packed_linear.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <atomic>

#include "engine/runtime/host_memory.h"

namespace archival::engine::nn {
namespace {

// libtorch's oneDNN linear and its weight reorder (the kernels Inductor's CPU backend calls),
// registered as operators rather than ATen functions: reached through the dispatcher.
const c10::OperatorHandle& pointwiseLinear() {
    static const c10::OperatorHandle op =
        c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn::_linear_pointwise", "");
    return op;
}

const c10::OperatorHandle& reorderLinearWeight() {
    static const c10::OperatorHandle op =
        c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn::_reorder_linear_weight", "");
    return op;
}

std::atomic<std::uint64_t> gBudget{physicalMemoryBytes() / 8};
std::atomic<std::uint64_t> gHeld{0};

// Takes `bytes` from the budget when it has room.
bool reserve(std::uint64_t bytes) {
    std::uint64_t held = gHeld.load();
    do {
        if (held + bytes > gBudget.load()) return false;
    } while (!gHeld.compare_exchange_weak(held, held + bytes));
    return true;
}

}  // namespace

PackedLinearWeight::~PackedLinearWeight() {
    std::lock_guard<std::mutex> lock(mutex_);
    drop();
}

void PackedLinearWeight::drop() {
    packed_ = at::Tensor();
    gHeld.fetch_sub(bytes_);
    bytes_ = 0;
}

bool PackedLinearWeight::serves(const at::Tensor& x, const at::Tensor& weight) {
    static const bool available =
        at::hasMKLDNN() &&
        c10::Dispatcher::singleton().findSchema({"mkldnn::_linear_pointwise", ""}).has_value() &&
        c10::Dispatcher::singleton().findSchema({"mkldnn::_reorder_linear_weight", ""}).has_value();
    return available && x.device().is_cpu() && weight.device().is_cpu() &&
           x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
           weight.dim() == 2 && x.dim() >= 2 && !x.requires_grad();
}

at::Tensor PackedLinearWeight::run(const at::Tensor& x, const at::Tensor& weight,
                                   const at::Tensor& bias) {
    at::Tensor packed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::uint64_t epoch = packingEpoch();
        if (!packed_.defined() || source_ != weight.data_ptr() || epoch_ != epoch) {
            drop();
            const std::uint64_t bytes = weight.numel() * weight.element_size();
            if (!reserve(bytes)) return {};
            // Packed for the row count of its first call (tokens × batch): the layout oneDNN
            // picks may depend on it, and a model calls each layer with the same rows.
            torch::jit::Stack stack{weight.contiguous(), x.numel() / x.size(-1)};
            reorderLinearWeight().callBoxed(&stack);
            packed_ = stack.front().toTensor();
            bytes_ = bytes;
            source_ = weight.data_ptr();
            epoch_ = epoch;
        }
        packed = packed_;
    }
    torch::jit::Stack stack;
    stack.reserve(6);
    stack.emplace_back(x.contiguous());
    stack.emplace_back(packed);
    stack.emplace_back(bias.defined() ? c10::IValue(bias) : c10::IValue());
    stack.emplace_back(std::string("none"));
    stack.emplace_back(c10::List<std::optional<at::Scalar>>());
    stack.emplace_back(std::string());
    pointwiseLinear().callBoxed(&stack);
    return stack.front().toTensor();
}

void PackedLinearWeight::setBudgetBytes(std::uint64_t bytes) {
    gBudget.store(bytes);
}

std::uint64_t PackedLinearWeight::budgetBytes() {
    return gBudget.load();
}

std::uint64_t PackedLinearWeight::heldBytes() {
    return gHeld.load();
}

}  // namespace archival::engine::nn
