#include "pipeline/python_random.h"

namespace archival::pipeline {
namespace {
constexpr int kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;

std::vector<std::uint32_t> wordsOf(quint64 n) {
    std::vector<std::uint32_t> key{static_cast<std::uint32_t>(n & 0xffffffffU)};
    if (n >> 32) key.push_back(static_cast<std::uint32_t>(n >> 32));
    return key;
}
}  // namespace

PythonRandom::PythonRandom(quint64 seed) : PythonRandom(wordsOf(seed)) {}

PythonRandom::PythonRandom(const std::vector<std::uint32_t>& key) {
    initByArray(key);
}

void PythonRandom::initGenrand(std::uint32_t s) {
    state_[0] = s;
    for (int i = 1; i < kN; ++i)
        state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + std::uint32_t(i);
    index_ = kN;
}

void PythonRandom::initByArray(const std::vector<std::uint32_t>& key) {
    initGenrand(19650218U);
    const int length = static_cast<int>(key.size());
    int i = 1, j = 0;
    for (int k = kN > length ? kN : length; k; --k) {
        state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] +
                    std::uint32_t(j);
        ++i;
        ++j;
        if (i >= kN) {
            state_[0] = state_[kN - 1];
            i = 1;
        }
        if (j >= length) j = 0;
    }
    for (int k = kN - 1; k; --k) {
        state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) -
                    std::uint32_t(i);
        ++i;
        if (i >= kN) {
            state_[0] = state_[kN - 1];
            i = 1;
        }
    }
    state_[0] = 0x80000000U;  // the state is never all zero
    index_ = kN;
}

void PythonRandom::twist() {
    for (int k = 0; k < kN; ++k) {
        const std::uint32_t y = (state_[k] & kUpperMask) | (state_[(k + 1) % kN] & kLowerMask);
        state_[k] = state_[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    index_ = 0;
}

std::uint32_t PythonRandom::next32() {
    if (index_ >= kN) twist();
    std::uint32_t y = state_[index_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

std::uint32_t PythonRandom::bits(int k) {
    return next32() >> (32 - k);
}

int PythonRandom::below(int n) {
    int k = 0;
    for (unsigned v = static_cast<unsigned>(n); v; v >>= 1) ++k;  // n.bit_length()
    std::uint32_t r = bits(k);
    while (r >= static_cast<std::uint32_t>(n)) r = bits(k);
    return static_cast<int>(r);
}

}  // namespace archival::pipeline
