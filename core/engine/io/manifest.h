#pragma once
// Checks a checkpoint's tensor names and shapes against a manifest of the real model
// (../shared/fixtures/manifests): proves a loader accepts the real layout without the
// real weights. Two manifest forms are read:
//   {"key": [shape], ...}                                      (diffusers models)
//   {"tensors": {...}, "projection_tensors": {...}, "optional_tensors": {...}}  (text encoders)

#include <cstdint>
#include <string>
#include <vector>

namespace archival::engine {

struct ManifestReport {
    struct Mismatch {
        std::string name;
        std::string expected;
        std::string actual;
    };
    std::vector<std::string> missing;     // required by the manifest, absent in the file
    std::vector<std::string> unexpected;  // in the file, unknown to the manifest
    std::vector<Mismatch> misshaped;      // present with another shape
    std::vector<Mismatch> wrongDtype;     // a weight stored as a non-float type
    std::size_t checked = 0;              // tensors compared

    bool ok() const {
        return missing.empty() && unexpected.empty() && misshaped.empty() && wrongDtype.empty();
    }
    // One line per problem, each naming the tensor.
    std::string summary() const;
};

struct ManifestEntry {
    std::string name;
    std::vector<std::int64_t> shape;
    bool optional = false;
};

// Reads a manifest file (either form). `withProjection` also requires projection_tensors.
std::vector<ManifestEntry> readManifest(const std::string& manifestPath, bool withProjection);

// `checkpoint` is anything Checkpoint::open accepts (file, index, folder).
ManifestReport validateAgainstManifest(const std::string& checkpoint,
                                       const std::string& manifestPath,
                                       bool withProjection = false);

}  // namespace archival::engine
