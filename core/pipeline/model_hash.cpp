#include "pipeline/model_hash.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <algorithm>

namespace archival::pipeline {
namespace {

constexpr int kShortLength = 10;

QString cacheKey(const QFileInfo& info) {
    return QStringLiteral("%1|%2|%3")
        .arg(info.canonicalFilePath())
        .arg(info.size())
        .arg(info.lastModified().toMSecsSinceEpoch());
}

}  // namespace

QString modelHashFile(const QString& modelPath) {
    const QFileInfo info(modelPath);
    if (info.isFile()) return info.absoluteFilePath();
    for (const QString& part : {QStringLiteral("unet"), QStringLiteral("transformer")}) {
        const QDir dir(QDir(modelPath).filePath(part));
        if (!dir.exists()) continue;
        // Sharded weights: the first shard; otherwise the full-precision file before the
        // fp16 variant, as the engine loads it.
        QStringList files =
            dir.entryList({QStringLiteral("*.safetensors")}, QDir::Files, QDir::Name);
        if (files.isEmpty()) continue;
        std::stable_sort(files.begin(), files.end(), [](const QString& a, const QString& b) {
            return a.contains(QLatin1String(".fp16.")) < b.contains(QLatin1String(".fp16."));
        });
        return dir.filePath(files.first());
    }
    return {};
}

QString shortFileHash(const QString& file, const QString& cacheFile) {
    const QFileInfo info(file);
    if (!info.exists()) return {};
    // A Hugging Face cache snapshot links to blobs/<sha256>.
    if (info.isSymLink()) {
        static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{64}$"));
        const QString target = QFileInfo(info.symLinkTarget()).fileName();
        if (sha.match(target).hasMatch()) return target.left(kShortLength);
    }
    QJsonObject cache;
    if (!cacheFile.isEmpty()) {
        QFile f(cacheFile);
        if (f.open(QIODevice::ReadOnly)) cache = QJsonDocument::fromJson(f.readAll()).object();
        const QString known = cache.value(cacheKey(info)).toString();
        if (!known.isEmpty()) return known;
    }
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f)) return {};
    const QString result = QString::fromLatin1(hash.result().toHex()).left(kShortLength);
    if (!cacheFile.isEmpty()) {
        cache.insert(cacheKey(info), result);
        QDir().mkpath(QFileInfo(cacheFile).absolutePath());
        QSaveFile out(cacheFile);
        if (out.open(QIODevice::WriteOnly)) {
            out.write(QJsonDocument(cache).toJson(QJsonDocument::Compact));
            out.commit();  // a cache: failing to write it only costs a rehash next time
        }
    }
    return result;
}

}  // namespace archival::pipeline
