#pragma once
// One batch set on disk: a small JSON record (record.json, written atomically) beside the
// set's images and metadata.json. The record is the queue's memory: after a crash the queue
// reads these files and carries on from each set's state.
//
//   pending -> generating -> generated -> uploading -> uploaded
//                  \______________\____________\-----> failed (code + reason)
//
// The files of one set are written here; the queue decides when (batch_queue.h) and the
// uploads send them (set_uploads.h).

#include <QByteArray>
#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "pipeline/image_metadata.h"

namespace archival::adapters {

// Writes the whole file or leaves the old one (QSaveFile). Empty string on success.
QString writeFileAtomically(const QString& path, const QByteArray& bytes);

enum class SetState { Pending, Generating, Generated, Uploading, Uploaded, Failed };

QString setStateName(SetState state);  // "pending", "generating", ...
bool setStateFromName(const QString& name, SetState* out);

struct SetRecord {
    QString actionId;
    QString programId;
    QString prompt;  // as typed
    int setNumber = 0;
    int imageCount = 1;  // images in this set: 1.png .. <imageCount>.png

    // The batched pass the set's images come from. Generating again with the same seed and
    // count gives the same images, so a set lost mid-generation comes back identical.
    quint64 seed = 0;
    int groupFirstSet = 0;  // the set that names the pass
    int groupImages = 1;    // images in the whole pass (JobRequest::count)
    int groupOffset = 0;    // index of this set's first image in the pass

    SetState state = SetState::Pending;
    QString errorCode;             // failed: "Storage", "SignatureDoesNotMatch", "Interrupted", ...
    QString reason;                // failed: a sentence for a person
    bool failedUploading = false;  // failed after its images were written

    QString objectPrefix;  // "<prefix>/<action>/<program>/set_NNN" (fixed when queued)
    QStringList uploaded;  // file names already stored in the bucket
    QString uploadedAt;    // ISO time, fixed once when uploading starts (in metadata.json)
    QDateTime updated;

    QString dir;  // the set's folder (not stored; known from where the record was read)

    QString key() const;  // "<action>/<program>/<NNN>" identity inside the queue
    QString setFolderName() const { return setFolderName(setNumber); }
    static QString setFolderName(int setNumber);  // "set_001"
    QStringList files() const;                    // "1.png", ..., "metadata.json" (upload order)
    bool isFinal() const { return state == SetState::Uploaded || state == SetState::Failed; }

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject& json, SetRecord* out, QString* error);

    // record.json in `dir`, atomically (QSaveFile). Empty string on success.
    QString save() const;
    static bool load(const QString& dir, SetRecord* out, QString* error);

    // State changes (in memory; the caller saves). Failed, with the images kept when they
    // were written; and back from failed to where it failed: images on disk go on to upload,
    // the rest generate again.
    void markFailed(const QString& code, const QString& reason);
    void retry();

    // The set's files in `dir`. writeImages: its slice of the pass (images from groupOffset)
    // as 1.png .. with their metadata, then metadata.json. Empty string on success.
    QString writeImages(const QList<QImage>& images,
                        const QList<pipeline::ImageMetadata>& metadata) const;
    // metadata.json: the set, every image's metadata and hash, and (once uploading starts)
    // the upload time. Written before the first upload and never changed after it starts.
    QString writeMetadataJson() const;
    // Generated -> uploading: the upload time goes into metadata.json first, then the state
    // says "uploading"; from then on metadata.json never changes, so a resumed upload sends
    // the same bytes. On an error (returned) the state stays as it was.
    QString startUploading();
    bool readFile(const QString& name, QByteArray* bytes) const;
};

}  // namespace archival::adapters
