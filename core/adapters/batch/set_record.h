#pragma once
// One batch set on disk: a small JSON record (record.json, written atomically) beside the
// set's files. The record is the queue's memory: after a crash the queue reads these files and
// carries on from each set's state.
//
// A set's files (format 2, the reference service's): <step>.jpg per step when previews are
// uploaded, final.png (final_2.png ... when a set has several images), meta.json (last).
// Records written before set ids started at 0 (format 1, no "format" field) keep theirs:
// <n>.png and metadata.json, under the key they were queued with.
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
#include <QMap>
#include <QSize>
#include <QString>
#include <QStringList>
#include <optional>

#include "pipeline/image_metadata.h"

namespace archival::adapters {

// Writes the whole file or leaves the old one (QSaveFile). Empty string on success.
QString writeFileAtomically(const QString& path, const QByteArray& bytes);

enum class SetState { Pending, Generating, Generated, Uploading, Uploaded, Failed };

QString setStateName(SetState state);  // "pending", "generating", ...
bool setStateFromName(const QString& name, SetState* out);

// What a caller may change of the program for one set (the reference's request fields).
struct SetOverrides {
    std::optional<QString> prompt;  // used as the prompt sent, no template
    std::optional<int> steps;
    std::optional<double> guidance;
    std::optional<double> strength;
    std::optional<int> width;
    std::optional<int> height;

    QJsonObject toJson() const;  // only the fields given
    static SetOverrides fromJson(const QJsonObject& json);
    bool operator==(const SetOverrides& o) const;
};

struct SetRecord {
    static constexpr int kFormat = 2;  // what new records are

    int format = kFormat;
    QString actionId;
    QString programId;
    QString prompt;  // as typed
    SetOverrides overrides;
    bool uploadPreviews = false;  // format 2: <step>.jpg for every step, uploaded first
    int setNumber = 0;            // the set id: from 0 (format 1: from 1)
    int imageCount = 1;           // images in this set

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

    QString objectPrefix;   // the set's folder in the bucket (fixed when queued)
    QString publicBaseUrl;  // format 2: URLs in meta.json are <this>/<key> (fixed when queued)

    // Format 2, known when the pass is generated (saved with "generated"): the steps with a
    // preview file, every step's seconds (from the previous step; the first from the pass's
    // start), the steps the pass ran, how long it took and when it ended.
    QList<int> previewSteps;
    QMap<int, double> stepSeconds;
    int totalSteps = 0;
    double generationSeconds = 0;
    QString generatedAt;   // UTC "YYYY-MM-DDTHH:MM:SSZ"
    QStringList uploaded;  // file names already stored in the bucket
    QString uploadedAt;    // ISO time, fixed once when uploading starts (in metadata.json)
    QDateTime updated;

    QString dir;  // the set's folder (not stored; known from where the record was read)

    QString key() const;  // "<action>/<program>/<NNN>" identity inside the queue
    QString setFolderName() const { return setFolderName(setNumber); }
    static QString setFolderName(int setNumber);  // "set_000"
    // In upload order: previews, images, then the metadata file ("1.jpg", ..., "final.png",
    // "meta.json"; format 1: "1.png", ..., "metadata.json").
    QStringList files() const;
    QStringList imageFiles() const;        // "final.png" ... (format 1: "1.png" ...)
    QString metadataFile() const;          // "meta.json" (format 1: "metadata.json")
    static QString previewFile(int step);  // "<step>.jpg"
    QString objectKey(const QString& file) const { return objectPrefix + QLatin1Char('/') + file; }
    QString publicUrl(const QString& file) const;  // format 2: publicBaseUrl + "/" + key
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
    // with their metadata, then the metadata file. Empty string on success.
    QString writeImages(const QList<QImage>& images,
                        const QList<pipeline::ImageMetadata>& metadata) const;
    // The metadata file: format 2 meta.json (seed_metadata.h) with the studio's own
    // metadata under one key; format 1 metadata.json. Both hold the set, every image's
    // metadata and hash, and (once uploading starts) the upload time. Written before the
    // first upload and never changed after it starts.
    QString writeMetadataJson() const;
    // One step's preview as <step>.jpg (JPEG quality 75), atomically.
    QString writePreview(int step, const QImage& preview) const;
    // Generated -> uploading: the upload time goes into metadata.json first, then the state
    // says "uploading"; from then on metadata.json never changes, so a resumed upload sends
    // the same bytes. On an error (returned) the state stays as it was.
    QString startUploading();
    bool readFile(const QString& name, QByteArray* bytes) const;
};

}  // namespace archival::adapters
