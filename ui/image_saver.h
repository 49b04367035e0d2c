#pragma once
// Writes a job's final images into the output folder as
// <program>_<yyyyMMdd-HHmmss>_<seed>_<n>.png with their metadata chunks, off the GUI thread
// (a large PNG takes longer to compress than the window may stall). Atomic per file.

#include <QImage>
#include <QList>
#include <QObject>
#include <QStringList>

#include "pipeline/image_metadata.h"

namespace archival::ui {

// The file name for one image (n counts from 1); a name already taken gets "-2", "-3"...
QString imageFileName(const QString& folder, const pipeline::ImageMetadata& metadata, int n);

class ImageSaver : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;
    // Saves in the background; `saved` or `failed` arrives on this object's thread.
    void save(const QString& folder, const QList<QImage>& images,
              const QList<pipeline::ImageMetadata>& metadata);
    int pending() const { return pending_; }

  Q_SIGNALS:
    void saved(const QString& path, const QImage& image);
    void failed(const QString& message);

  private:
    int pending_ = 0;
};

}  // namespace archival::ui
