#pragma once
// Python's `random` module, as far as the reference service uses it: `random.seed(n)` for a
// non-negative integer and `random.choice(list)`. The reference picks a program's size per
// batch set with exactly these two calls, so a set id gives the same size here and there.
//
// The generator is MT19937 (Matsumoto & Nishimura, mt19937ar.c). Python seeds it through
// `init_by_array` with the integer's 32-bit words, least significant first (0 -> {0}); that
// seeding is not what std::mt19937's seed() or seed_seq do, hence this small class.

#include <QtGlobal>
#include <array>
#include <cstdint>
#include <vector>

namespace archival::pipeline {

class PythonRandom {
  public:
    // random.seed(n) for n >= 0 (Python takes the absolute value of a negative int).
    explicit PythonRandom(quint64 seed);
    // mt19937ar.c's init_by_array(key): the published reference vectors use this.
    explicit PythonRandom(const std::vector<std::uint32_t>& key);

    std::uint32_t next32();  // genrand_int32
    // random.getrandbits(k) for 1 <= k <= 32: the top k bits of one output.
    std::uint32_t bits(int k);
    // random.randrange(n) / the index random.choice takes, n >= 1 (Python 3.11's
    // _randbelow_with_getrandbits: k = n.bit_length() bits, drawn again while >= n).
    int below(int n);

  private:
    void initGenrand(std::uint32_t s);
    void initByArray(const std::vector<std::uint32_t>& key);
    void twist();

    static constexpr int kN = 624;
    std::array<std::uint32_t, kN> state_{};
    int index_ = kN + 1;
};

}  // namespace archival::pipeline
