#include "adapters/batch/batch_queue.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>

#include "adapters/batch/path_id.h"

namespace archival::adapters {

using pipeline::Error;
using pipeline::ErrorCode;

namespace {

const QString kActionFile = QStringLiteral("action.json");

QString passKey(const SetRecord& r) {
    return r.actionId + QLatin1Char('/') + r.programId + QLatin1Char('/') +
           QString::number(r.groupFirstSet);
}

QString cleanPrefix(QString prefix) {
    while (prefix.startsWith(QLatin1Char('/'))) prefix.remove(0, 1);
    while (prefix.endsWith(QLatin1Char('/'))) prefix.chop(1);
    return prefix;
}

}  // namespace

QString QueueSettings::defaultRoot() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/queue");
}

BatchQueue::BatchQueue(QueueSettings settings, ImageSource* source, S3Client* uploader,
                       QObject* parent)
    : QObject(parent),
      settings_(std::move(settings)),
      root_(settings_.root.isEmpty() ? QueueSettings::defaultRoot() : settings_.root),
      source_(source),
      uploads_(this, uploader, settings_.uploadingSets) {
    settings_.prefix = cleanPrefix(settings_.prefix);
    connect(&uploads_, &SetUploads::uploadProgress, this, &BatchQueue::uploadProgress);
    connect(source_, &ImageSource::finished, this, &BatchQueue::onPassFinished);
    connect(source_, &ImageSource::failed, this, &BatchQueue::onPassFailed);
    connect(source_, &ImageSource::progress, this, [this](quint64 ticket, int step, int total) {
        if (runningTicket_ == ticket && !runningMembers_.isEmpty())
            if (const SetRecord* r = find(runningMembers_.first()))
                Q_EMIT generationProgress(r->actionId, step, total);
    });
}

BatchQueue::~BatchQueue() {
    // Records stay as they are on disk: the next start resumes them.
    if (runningTicket_) source_->cancel(*runningTicket_);
}

void BatchQueue::setUploader(S3Client* uploader) {
    uploads_.setClient(uploader);
    schedule();
}

SetRecord* BatchQueue::find(const QString& key) {
    auto it = sets_.find(key);
    return it == sets_.end() ? nullptr : &it.value();
}

QList<SetRecord> BatchQueue::sets(const QString& actionId) const {
    QList<SetRecord> out;
    for (const auto& r : sets_)
        if (actionId.isEmpty() || r.actionId == actionId) out << r;
    return out;
}

QList<ActionInfo> BatchQueue::actions() const {
    return actions_.values();
}

std::optional<ActionInfo> BatchQueue::action(const QString& actionId) const {
    auto it = actions_.find(actionId);
    if (it == actions_.end()) return std::nullopt;
    return *it;
}

bool BatchQueue::actionRunning(const QString& actionId) const {
    auto it = actions_.find(actionId);
    return it != actions_.end() && it->stopCode.isEmpty();
}

bool BatchQueue::isIdle() const {
    if (runningTicket_ || uploads_.isBusy()) return false;
    for (const auto& r : sets_) {
        if (!actionRunning(r.actionId)) continue;
        if (r.state == SetState::Pending || r.state == SetState::Generating) return false;
        if (uploads_.client() && (r.state == SetState::Generated || r.state == SetState::Uploading))
            return false;
    }
    return true;
}

// ---- queueing ---------------------------------------------------------------------------

std::optional<Error> BatchQueue::generateSingleSet(const QString& programId, const QString& prompt,
                                                   const QString& actionId, int setNumber,
                                                   int imagesPerSet) {
    if (setNumber <= 0 || setNumber > 999999)
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("set number %1 is out of range (1..999999)").arg(setNumber)};
    const QString key = actionId + QLatin1Char('/') + programId + QLatin1Char('/') +
                        QStringLiteral("%1").arg(setNumber, 6, 10, QLatin1Char('0'));
    if (sets_.contains(key))
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("set %1 of %2 in action %3 is already queued (retry it "
                                    "instead)")
                         .arg(setNumber)
                         .arg(programId, actionId)};
    return enqueue(programId, prompt, actionId, {setNumber}, false, imagesPerSet);
}

std::optional<Error> BatchQueue::generateMultipleSets(const QString& programId,
                                                      const QString& prompt,
                                                      const QString& actionId, int numSets,
                                                      bool parallel, int imagesPerSet) {
    if (numSets <= 0 || numSets > 10000)
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("the number of sets must be 1..10000, not %1").arg(numSets)};
    int last = 0;
    for (const auto& r : sets_)
        if (r.actionId == actionId && r.programId == programId) last = std::max(last, r.setNumber);
    QList<int> numbers;
    for (int i = 1; i <= numSets; ++i) numbers << last + i;
    return enqueue(programId, prompt, actionId, numbers, parallel, imagesPerSet);
}

std::optional<Error> BatchQueue::ensureAction(const QString& actionId) {
    if (actions_.contains(actionId)) return std::nullopt;
    ActionInfo action{actionId, settings_.prefix, settings_.bucket, {}, {}};
    if (const QString err = saveAction(action); !err.isEmpty())
        return Error{ErrorCode::Storage, err};
    actions_.insert(actionId, action);
    return std::nullopt;
}

QString BatchQueue::saveAction(const ActionInfo& action) const {
    const QString dir = QDir(root_).filePath(action.actionId);
    if (!QDir().mkpath(dir)) return QStringLiteral("cannot create the queue folder %1").arg(dir);
    const QJsonObject json{{"action_id", action.actionId},
                           {"prefix", action.prefix},
                           {"bucket", action.bucket},
                           {"stop_code", action.stopCode},
                           {"stop_message", action.stopMessage}};
    return writeFileAtomically(QDir(dir).filePath(kActionFile),
                               QJsonDocument(json).toJson(QJsonDocument::Indented));
}

std::optional<Error> BatchQueue::idProblem(const QString& actionId,
                                           const QString& programId) const {
    // The ids become folder names and object keys: <action>/<program>/set_NNN.
    if (const QString why = pathIdProblem(actionId); !why.isEmpty())
        return Error{
            ErrorCode::InvalidRequest,
            QStringLiteral("action id \"%1\" %2").arg(actionId.left(kMaxPathIdLength), why)};
    if (const QString why = pathIdProblem(programId); !why.isEmpty())
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("program id \"%1\" %2 (it becomes a folder name and part of "
                                    "object keys)")
                         .arg(programId.left(kMaxPathIdLength), why)};
    if (const QString twin = caseTwin(actionId, actions_.keys()); !twin.isEmpty())
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("action id \"%1\" differs only in case from the existing "
                                    "action \"%2\" (one folder on case-insensitive file "
                                    "systems): use \"%2\" or another id")
                         .arg(actionId, twin)};
    QStringList programs;
    for (const auto& r : sets_)
        if (r.actionId == actionId) programs << r.programId;
    if (const QString twin = caseTwin(programId, programs); !twin.isEmpty())
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("program id \"%1\" differs only in case from the program "
                                    "\"%2\" already in action \"%3\" (one folder on "
                                    "case-insensitive file systems)")
                         .arg(programId, twin, actionId)};
    return std::nullopt;
}

std::optional<Error> BatchQueue::enqueue(const QString& programId, const QString& prompt,
                                         const QString& actionId, const QList<int>& setNumbers,
                                         bool parallel, int imagesPerSet) {
    if (auto problem = idProblem(actionId, programId)) return problem;
    if (prompt.trimmed().isEmpty())
        return Error{ErrorCode::InvalidRequest, QStringLiteral("the prompt is empty")};
    if (imagesPerSet <= 0 || imagesPerSet > 16)
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("images per set must be 1..16, not %1").arg(imagesPerSet)};
    if (auto problem = source_->checkProgram(programId)) return problem;
    if (auto problem = ensureAction(actionId)) return problem;
    const ActionInfo& action = actions_[actionId];

    // Sets per pass: as many whole sets as one batched pass holds (the source decides from
    // the memory budget); one set per pass without `parallel`.
    const int wanted = parallel ? int(setNumbers.size()) * imagesPerSet : imagesPerSet;
    const int batch = std::max(imagesPerSet, source_->maxBatch(programId, wanted));
    const int setsPerPass = parallel ? std::max(1, batch / imagesPerSet) : 1;
    const std::optional<quint64> fixed = source_->fixedSeed(programId);

    QList<SetRecord> created;
    for (int i = 0; i < setNumbers.size(); i += setsPerPass) {
        const int members = std::min(setsPerPass, int(setNumbers.size()) - i);
        // Seeds below 2^32: what curators are used to typing back in.
        const quint64 seed = fixed ? *fixed : QRandomGenerator::global()->generate();
        for (int m = 0; m < members; ++m) {
            SetRecord r;
            r.actionId = actionId;
            r.programId = programId;
            r.prompt = prompt;
            r.setNumber = setNumbers[i + m];
            r.imageCount = imagesPerSet;
            r.seed = seed;
            r.groupFirstSet = setNumbers[i];
            r.groupImages = members * imagesPerSet;
            r.groupOffset = m * imagesPerSet;
            r.state = SetState::Pending;
            r.dir = QDir(root_).filePath(actionId + QLatin1Char('/') + programId +
                                         QLatin1Char('/') + r.setFolderName());
            QStringList parts;
            if (!action.prefix.isEmpty()) parts << action.prefix;
            parts << actionId << programId << r.setFolderName();
            r.objectPrefix = parts.join(QLatin1Char('/'));
            r.updated = QDateTime::currentDateTimeUtc();
            if (const QString err = r.save(); !err.isEmpty()) {
                // Nothing half-queued stays behind: records written so far are removed.
                for (const auto& c : created) QDir(c.dir).removeRecursively();
                return Error{ErrorCode::Storage, err};
            }
            created << r;
        }
    }
    for (const auto& r : created) {
        sets_.insert(r.key(), r);
        Q_EMIT setChanged(r);
    }
    schedule();
    return std::nullopt;
}

QStringList BatchQueue::resume() {
    QStringList problems;
    const QDir root(root_);
    for (const QString& actionId : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QFile actionFile(root.filePath(actionId + "/" + kActionFile));
        const QJsonObject json = actionFile.open(QIODevice::ReadOnly)
                                     ? QJsonDocument::fromJson(actionFile.readAll()).object()
                                     : QJsonObject();
        if (json.isEmpty()) {
            problems << QStringLiteral("%1: no readable action.json; left alone").arg(actionId);
            continue;
        }
        ActionInfo action{actionId, json["prefix"].toString(), json["bucket"].toString(),
                          json["stop_code"].toString(), json["stop_message"].toString()};
        if (!actions_.contains(actionId)) actions_.insert(actionId, action);
        const QDir actionDir(root.filePath(actionId));
        for (const QString& program :
             actionDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            const QDir programDir(actionDir.filePath(program));
            for (const QString& setDir :
                 programDir.entryList({QStringLiteral("set_*")}, QDir::Dirs, QDir::Name)) {
                SetRecord r;
                QString error;
                if (!SetRecord::load(programDir.filePath(setDir), &r, &error)) {
                    problems << error;
                    continue;
                }
                if (sets_.contains(r.key())) continue;
                sets_.insert(r.key(), r);
                Q_EMIT setChanged(r);
            }
        }
    }
    // A different bucket would put the action's objects in two places.
    for (auto& action : actions_) {
        if (!settings_.bucket.isEmpty() && !action.bucket.isEmpty() &&
            action.bucket != settings_.bucket && action.stopCode.isEmpty())
            stopAction(action.actionId, QStringLiteral("BucketChanged"),
                       QStringLiteral("action %1 was queued for bucket '%2' but the settings now "
                                      "name '%3': set the bucket back to finish it")
                           .arg(action.actionId, action.bucket, settings_.bucket));
    }
    schedule();
    return problems;
}

void BatchQueue::retry(const QString& actionId, const QString& programId, int setNumber) {
    auto it = actions_.find(actionId);
    if (it == actions_.end()) return;
    if (!it->stopCode.isEmpty()) {
        it->stopCode.clear();
        it->stopMessage.clear();
        saveAction(*it);
    }
    for (auto& r : sets_) {
        if (r.actionId != actionId || r.state != SetState::Failed) continue;
        if (!programId.isEmpty() && r.programId != programId) continue;
        if (setNumber > 0 && r.setNumber != setNumber) continue;
        r.retry();
        update(r);
    }
    schedule();
}

void BatchQueue::cancel(const QString& actionId, const QString& programId, int setNumber) {
    for (auto& r : sets_) {
        if (r.actionId != actionId || r.isFinal()) continue;
        if (!programId.isEmpty() && r.programId != programId) continue;
        if (setNumber > 0 && r.setNumber != setNumber) continue;
        fail(r, QStringLiteral("Interrupted"), QStringLiteral("cancelled"));
    }
    // A running pass whose every member is cancelled stops; otherwise it finishes for the
    // others and the cancelled members' images are not kept.
    if (runningTicket_) {
        bool anyLive = false;
        for (const QString& key : runningMembers_)
            if (const SetRecord* r = find(key)) anyLive = anyLive || !r->isFinal();
        if (!anyLive) source_->cancel(*runningTicket_);
    }
    schedule();
}

// ---- state changes ----------------------------------------------------------------------

bool BatchQueue::update(SetRecord& record) {
    record.updated = QDateTime::currentDateTimeUtc();
    if (const QString err = record.save(); !err.isEmpty()) {
        record.state = SetState::Failed;
        record.errorCode = Error::codeName(ErrorCode::Storage);
        record.reason = err;
        Q_EMIT setChanged(record);
        stopAction(record.actionId, record.errorCode, err);
        return false;
    }
    Q_EMIT setChanged(record);
    return true;
}

void BatchQueue::fail(SetRecord& record, const QString& code, const QString& reason) {
    record.markFailed(code, reason);
    update(record);
}

void BatchQueue::stopAction(const QString& actionId, const QString& code, const QString& message) {
    auto it = actions_.find(actionId);
    if (it == actions_.end() || !it->stopCode.isEmpty()) return;
    it->stopCode = code;
    it->stopMessage = message;
    saveAction(*it);  // best effort: a full disk may refuse this too; the signal still tells
    Q_EMIT actionStopped(actionId, message);
}

void BatchQueue::schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    QTimer::singleShot(0, this, [this] {
        scheduled_ = false;
        pump();
    });
}

void BatchQueue::pump() {
    if (!runningTicket_) startPass();
    uploads_.startWaiting(sets_);
    const bool idleNow = isIdle();
    if (idleNow && !wasIdle_) Q_EMIT idle();
    wasIdle_ = idleNow;
}

// ---- generation -------------------------------------------------------------------------

void BatchQueue::startPass() {
    for (auto& first : sets_) {
        if (!actionRunning(first.actionId)) continue;
        if (first.state != SetState::Pending && first.state != SetState::Generating) continue;
        // The whole pass the set belongs to runs again, so its seed gives the same images.
        const QString pass = passKey(first);
        QStringList members;
        for (auto& r : sets_) {
            if (passKey(r) != pass) continue;
            if (r.state == SetState::Pending || r.state == SetState::Generating) {
                members << r.key();
                if (r.state != SetState::Generating) {
                    r.state = SetState::Generating;
                    if (!update(r)) return;
                }
            }
        }
        ImageBatchRequest request{first.programId, first.prompt, first.seed, first.groupImages,
                                  QStringLiteral("batch:") + first.actionId};
        runningMembers_ = members;
        runningTicket_ = source_->start(request);
        return;
    }
}

void BatchQueue::onPassFinished(quint64 ticket, const QList<QImage>& images,
                                const QList<pipeline::ImageMetadata>& metadata) {
    if (runningTicket_ != ticket) return;
    runningTicket_.reset();
    const QStringList members = std::exchange(runningMembers_, {});
    for (const QString& key : members) {
        SetRecord* r = find(key);
        if (!r || r->state != SetState::Generating) continue;  // cancelled meanwhile
        if (images.size() < r->groupOffset + r->imageCount) {
            fail(*r, Error::codeName(ErrorCode::Internal),
                 QStringLiteral("the pass returned %1 images, %2 expected")
                     .arg(images.size())
                     .arg(r->groupImages));
            continue;
        }
        if (const QString err = r->writeImages(images, metadata); !err.isEmpty()) {
            fail(*r, Error::codeName(ErrorCode::Storage), err);
            stopAction(r->actionId, Error::codeName(ErrorCode::Storage),
                       err + QStringLiteral(": free some disk space, then retry the action"));
            continue;
        }
        r->state = SetState::Generated;
        update(*r);
    }
    schedule();
}

void BatchQueue::onPassFailed(quint64 ticket, const pipeline::Error& error) {
    if (runningTicket_ != ticket) return;
    runningTicket_.reset();
    const QStringList members = std::exchange(runningMembers_, {});
    for (const QString& key : members) {
        SetRecord* r = find(key);
        if (!r || r->state != SetState::Generating) continue;
        fail(*r, error.codeName(), error.message);
        if (error.code == ErrorCode::Storage || error.code == ErrorCode::ModelLoad ||
            error.code == ErrorCode::InvalidRequest)
            stopAction(r->actionId, error.codeName(), error.message);
    }
    schedule();
}

}  // namespace archival::adapters
