#pragma once
// One batch set on disk: a small JSON record (record.json, written atomically) beside the
// set's images and metadata.json. The record is the queue's memory: after a crash the queue
// reads these files and carries on from each set's state.
//
//   pending -> generating -> generated -> uploading -> uploaded
//                  \______________\____________\-----> failed (code + reason)

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace archival::adapters {

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
};

}  // namespace archival::adapters
