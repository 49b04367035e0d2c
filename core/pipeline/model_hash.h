#pragma once
// A short hash that names the weights an image came from (10 hex digits of a SHA-256, the
// "Model hash" of the wider tool ecosystem). Hugging Face cache files are symlinks to blobs
// named by their SHA-256, so those cost nothing; other files are hashed once and the result
// kept in a small cache keyed by path, size and modification time.

#include <QString>

namespace archival::pipeline {

// The file a model's hash is taken from: the denoiser weights (unet/ or transformer/, the
// first shard index or file), or the single checkpoint file itself. Empty when none found.
QString modelHashFile(const QString& modelPath);

// Short hash of `file`; `cacheFile` (may be empty: no cache) remembers hashes computed.
QString shortFileHash(const QString& file, const QString& cacheFile);

}  // namespace archival::pipeline
