#pragma once
// What an uploaded file is, apart from when and how fast it was made: a SHA-256 over a PNG's
// pixel chunks and its text chunks, or a JSON file's values, with the timing values left out
// (timings, timestamps, durations). A set made again from the same request and seed has the
// same pixels and the same metadata but other timings, so its bytes differ while this digest
// does not. The S3 client stores it as the object's user metadata, so a write-once upload
// refused because the key exists (a worker killed between a set's uploads, the set made again
// by another) can tell "the same content" (uploaded) from "other content" (a conflict).

#include <QByteArray>
#include <QString>

namespace archival::adapters {

// The user-metadata name the digest travels under (x-amz-meta-<name>).
inline constexpr char kContentDigestMeta[] = "archival-content-sha256";

// Hex SHA-256 of `bytes` as described above; `fileName`'s extension says how to read them
// (.png, .json; anything else, or a file that does not parse as its kind, is hashed whole).
QByteArray contentDigest(const QString& fileName, const QByteArray& bytes);

}  // namespace archival::adapters
