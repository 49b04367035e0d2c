#include "ui/image_saver.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMutex>
#include <QPointer>
#include <QRegularExpression>
#include <QThreadPool>

#include "pipeline/studio_settings.h"

namespace archival::ui {

namespace {
// Two saves of the same second could pick the same free name: choosing and writing a name
// happens under one lock.
QMutex& nameLock() {
    static QMutex m;
    return m;
}
}  // namespace

QString imageFileName(const QString& folder, const pipeline::ImageMetadata& metadata, int n) {
    const QDateTime when =
        metadata.timestamp.isValid() ? metadata.timestamp : QDateTime::currentDateTime();
    QString program = metadata.programId.isEmpty() ? QStringLiteral("image") : metadata.programId;
    program.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]")), QStringLiteral("-"));
    const QString name = pipeline::imageFileName(program, when, metadata.seed, n);
    QString path = QDir(folder).filePath(name);
    const QString base = path.chopped(4);  // without ".png"
    for (int k = 2; QFileInfo::exists(path); ++k)
        path = QStringLiteral("%1-%2.png").arg(base).arg(k);
    return path;
}

void ImageSaver::save(const QString& folder, const QList<QImage>& images,
                      const QList<pipeline::ImageMetadata>& metadata) {
    ++pending_;
    QPointer<ImageSaver> self(this);
    QThreadPool::globalInstance()->start([self, folder, images, metadata] {
        QList<QPair<QString, QImage>> done;
        QStringList errors;
        if (!QDir().mkpath(folder)) errors << tr("Cannot create the output folder %1").arg(folder);
        for (int i = 0; errors.isEmpty() && i < images.size(); ++i) {
            const pipeline::ImageMetadata md =
                i < metadata.size() ? metadata.at(i) : pipeline::ImageMetadata{};
            QMutexLocker lock(&nameLock());
            const QString path = imageFileName(folder, md, i + 1);
            const QString error = pipeline::writePngWithMetadata(path, images.at(i), md);
            if (error.isEmpty())
                done.append({path, images.at(i)});
            else
                errors << error;
        }
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, done, errors] {
                if (!self) return;
                --self->pending_;
                for (const auto& [path, image] : done) Q_EMIT self->saved(path, image);
                for (const QString& e : errors) Q_EMIT self->failed(e);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace archival::ui
