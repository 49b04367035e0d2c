#include "engine/tokenizers/unicode_text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <unordered_map>

namespace archival::engine::unicode {
namespace {

#include "engine/tokenizers/unicode_tables.inc"

// Tables of runs keyed by (start << shift) | value: the run holding `c` is the last one
// whose start is <= c.
template <std::size_t N>
std::uint32_t runValue(const std::uint32_t (&runs)[N], char32_t c, unsigned shift) {
    const std::uint32_t key = (static_cast<std::uint32_t>(c) << shift) | ((1u << shift) - 1);
    const auto* it = std::upper_bound(std::begin(runs), std::end(runs), key);
    return it == std::begin(runs) ? 0 : *(it - 1) & ((1u << shift) - 1);
}

std::uint32_t categoryIndex(char32_t c) {
    if (c > 0x10FFFF) return 29;  // Cn
    return runValue(kCategoryRuns, c, 5);
}

bool categoryStartsWith(char32_t c, char first) {
    return category(c)[0] == first;
}

// Final_Sigma context classes (see make_unicode_tables.py).
constexpr std::uint32_t kCased = 1, kCaseIgnorable = 2;
std::uint32_t sigmaContext(char32_t c) {
    return runValue(kSigmaContextRuns, c, 2);
}

char32_t simpleLower(char32_t c) {
    // kLowerRuns: (start, count, delta + 0x200000) triples sorted by start.
    constexpr std::size_t runs = std::size(kLowerRuns) / 3;
    std::size_t lo = 0, hi = runs;
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (kLowerRuns[3 * mid] <= c)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return c;
    const std::uint32_t* run = &kLowerRuns[3 * (lo - 1)];
    if (c >= run[0] + run[1]) return c;
    return static_cast<char32_t>(static_cast<std::int64_t>(c) + run[2] - 0x200000);
}

// CPython's handle_capital_sigma(): U+03A3 lowers to final U+03C2 when preceded by a cased
// letter (skipping case-ignorable ones) and not followed by one.
bool isFinalSigma(std::u32string_view text, std::size_t i) {
    bool final = false;
    for (std::size_t j = i; j-- > 0;) {
        const std::uint32_t k = sigmaContext(text[j]);
        if (k != kCaseIgnorable) {
            final = k == kCased;
            break;
        }
    }
    if (!final) return false;
    for (std::size_t j = i + 1; j < text.size(); ++j) {
        const std::uint32_t k = sigmaContext(text[j]);
        if (k != kCaseIgnorable) return k != kCased;
    }
    return true;
}

// --- NFC (Unicode Standard Annex #15) ----------------------------------------------------

std::uint32_t combiningClass(char32_t c) {
    return runValue(kCombiningClassRuns, c, 8);
}

// Hangul syllables decompose and compose algorithmically (Unicode 14, section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;
constexpr std::uint32_t kComposesFlag = 0x80000000u;

const std::uint32_t* findDecomposition(char32_t c) {
    constexpr std::size_t count = std::size(kDecompositions) / 3;
    std::size_t lo = 0, hi = count;
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (kDecompositions[3 * mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && kDecompositions[3 * lo] == c ? &kDecompositions[3 * lo] : nullptr;
}

void decompose(char32_t c, std::u32string& out) {
    if (c >= kSBase && c < kSBase + kSCount) {
        const char32_t s = c - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
        return;
    }
    const std::uint32_t* d = findDecomposition(c);
    if (!d) {
        out.push_back(c);
        return;
    }
    decompose(d[1], out);
    const char32_t second = d[2] & ~kComposesFlag;
    if (second) decompose(second, out);
}

const std::unordered_map<std::uint64_t, char32_t>& compositions() {
    static const std::unordered_map<std::uint64_t, char32_t> table = [] {
        std::unordered_map<std::uint64_t, char32_t> t;
        for (std::size_t i = 0; i < std::size(kDecompositions); i += 3) {
            if (!(kDecompositions[i + 2] & kComposesFlag)) continue;
            const std::uint64_t pair = (std::uint64_t(kDecompositions[i + 1]) << 32) |
                                       (kDecompositions[i + 2] & ~kComposesFlag);
            t.emplace(pair, kDecompositions[i]);
        }
        return t;
    }();
    return table;
}

// The primary composite of (first, second), or 0.
char32_t compose(char32_t first, char32_t second) {
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
        second < kVBase + kVCount)
        return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 &&
        second > kTBase && second < kTBase + kTCount)
        return first + (second - kTBase);
    const auto& table = compositions();
    const auto it = table.find((std::uint64_t(first) << 32) | second);
    return it == table.end() ? 0 : it->second;
}

}  // namespace

const char* dataVersion() {
    return kUnicodeVersion;
}

const char* category(char32_t c) {
    return kCategoryNames[categoryIndex(c)];
}
bool isLetter(char32_t c) {
    return categoryStartsWith(c, 'L');
}
bool isNumber(char32_t c) {
    return categoryStartsWith(c, 'N');
}
bool isOther(char32_t c) {
    return categoryStartsWith(c, 'C');
}
bool isSpaceSeparator(char32_t c) {
    return categoryIndex(c) == 22;
}  // "Zs"

bool isPythonSpace(char32_t c) {
    return std::binary_search(std::begin(kPythonSpaces), std::end(kPythonSpaces),
                              static_cast<std::uint32_t>(c));
}

std::u32string toLowerPython(std::u32string_view text) {
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char32_t c = text[i];
        if (c < 0x80) {
            out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (c == 0x3A3) {
            out.push_back(isFinalSigma(text, i) ? 0x3C2 : 0x3C3);
        } else if (c == 0x130) {  // SpecialCasing.txt: LATIN CAPITAL LETTER I WITH DOT ABOVE
            out.push_back(0x69);
            out.push_back(0x307);
        } else {
            out.push_back(simpleLower(c));
        }
    }
    return out;
}

std::u32string toNfc(std::u32string_view text) {
    // Below U+0300 there are no combining marks, so such text is already NFC.
    if (std::all_of(text.begin(), text.end(), [](char32_t c) { return c < 0x300; }))
        return std::u32string(text);

    std::u32string d;
    d.reserve(text.size() + 8);
    for (char32_t c : text) decompose(c, d);

    // Canonical ordering: stable sort of every run of non-starters by combining class.
    for (std::size_t i = 0; i < d.size();) {
        if (combiningClass(d[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < d.size() && combiningClass(d[j]) != 0) ++j;
        std::stable_sort(d.begin() + i, d.begin() + j, [](char32_t a, char32_t b) {
            return combiningClass(a) < combiningClass(b);
        });
        i = j;
    }

    // Canonical composition: a character joins the last starter unless blocked by a
    // character in between with class 0 or with a class >= its own.
    std::u32string out;
    out.reserve(d.size());
    std::size_t starter = std::u32string::npos;
    for (char32_t c : d) {
        const std::uint32_t cc = combiningClass(c);
        if (starter != std::u32string::npos) {
            const bool adjacent = out.size() - 1 == starter;
            if (adjacent || combiningClass(out.back()) < cc) {
                if (const char32_t composite = compose(out[starter], c)) {
                    out[starter] = composite;
                    continue;
                }
            }
        }
        if (cc == 0) starter = out.size();
        out.push_back(c);
    }
    return out;
}

bool decodeUtf8(std::string_view bytes, std::u32string& out, std::size_t* errorOffset) {
    out.clear();
    out.reserve(bytes.size());
    std::size_t i = 0;
    auto fail = [&] {
        if (errorOffset) *errorOffset = i;
        return false;
    };
    while (i < bytes.size()) {
        const auto b0 = static_cast<unsigned char>(bytes[i]);
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        }
        int length;
        char32_t c, minimum;
        if ((b0 & 0xE0) == 0xC0) {
            length = 2, c = b0 & 0x1F, minimum = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            length = 3, c = b0 & 0x0F, minimum = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            length = 4, c = b0 & 0x07, minimum = 0x10000;
        } else {
            return fail();
        }
        if (i + length > bytes.size()) return fail();
        for (int k = 1; k < length; ++k) {
            const auto b = static_cast<unsigned char>(bytes[i + k]);
            if ((b & 0xC0) != 0x80) return fail();
            c = (c << 6) | (b & 0x3F);
        }
        if (c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return fail();
        out.push_back(c);
        i += length;
    }
    return true;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string toUtf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text) appendUtf8(out, c);
    return out;
}

}  // namespace archival::engine::unicode
