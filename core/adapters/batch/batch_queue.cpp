#include "adapters/batch/batch_queue.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>
#include <algorithm>
#include <limits>

#include "adapters/batch/object_key_template.h"
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
    recordWriter_.setMaxThreadCount(1);
    settings_.prefix = cleanPrefix(settings_.prefix);
    connect(&uploads_, &SetUploads::uploadProgress, this, &BatchQueue::uploadProgress);
    connect(source_, &ImageSource::finished, this, &BatchQueue::onPassFinished);
    connect(source_, &ImageSource::failed, this, &BatchQueue::onPassFailed);
    connect(source_, &ImageSource::progress, this, &BatchQueue::onPassStep);
}

BatchQueue::~BatchQueue() {
    // A write in progress finishes (its records are whole; the next start resumes them).
    recordWriter_.waitForDone();
    // Records stay as they are on disk: the next start resumes them.
    if (runningTicket_) source_->cancel(*runningTicket_);
}

void BatchQueue::setUploader(S3Client* uploader, const QString& problem) {
    uploads_.setClient(uploader);
    uploaderProblem_ = uploader ? QString() : problem;
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
    if (runningTicket_ || uploads_.isBusy() || !writing_.isEmpty()) return false;
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
    SetRequest request{programId, prompt, actionId, {}, false, imagesPerSet};
    return generateSets(request, {setNumber}, false);
}

std::optional<Error> BatchQueue::generateMultipleSets(const QString& programId,
                                                      const QString& prompt,
                                                      const QString& actionId, int numSets,
                                                      bool parallel, int imagesPerSet) {
    if (numSets <= 0 || numSets > 10000)
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("the number of sets must be 1..10000, not %1").arg(numSets)};
    SetRequest request{programId, prompt, actionId, {}, false, imagesPerSet};
    return generateSets(request, nextSetIds(actionId, programId, numSets), parallel);
}

ActionInfo BatchQueue::newAction(const QString& actionId) const {
    ActionInfo action{actionId, settings_.prefix, settings_.bucket, {}, {}, {}, {}};
    action.keyTemplate = ObjectKeyTemplate::resolve(settings_.keyTemplate);
    action.publicBaseUrl = settings_.publicBaseUrl.trimmed();
    if (action.publicBaseUrl.isEmpty())
        action.publicBaseUrl = QStringLiteral("https://%1.r2.dev").arg(settings_.bucket.trimmed());
    while (action.publicBaseUrl.endsWith(QLatin1Char('/'))) action.publicBaseUrl.chop(1);
    return action;
}

QList<int> BatchQueue::nextSetIds(const QString& actionId, const QString& programId,
                                  int count) const {
    auto it = actions_.find(actionId);
    const ActionInfo action = it != actions_.end() ? *it : newAction(actionId);
    const bool perProgram = ObjectKeyTemplate::namesProgram(action.keyTemplate);
    int next = 0;
    for (const auto* sets : {&sets_, &writing_})
        for (const auto& r : *sets)
            if (r.actionId == actionId && (!perProgram || r.programId == programId))
                next = std::max(next, r.setNumber + 1);
    QList<int> ids;
    for (int i = 0; i < count; ++i) ids << next + i;
    return ids;
}

QString BatchQueue::objectPrefixFor(const QString& actionId, const QString& programId,
                                    int setId) const {
    auto it = actions_.find(actionId);
    const ActionInfo action = it != actions_.end() ? *it : newAction(actionId);
    return ObjectKeyTemplate::expand(action.keyTemplate,
                                     {action.prefix, actionId, programId, setId});
}

std::optional<SetRecord> BatchQueue::setAt(const QString& objectPrefix) const {
    for (const auto* sets : {&sets_, &writing_})
        for (const auto& r : *sets)
            if (r.objectPrefix == objectPrefix) return r;
    return std::nullopt;
}

std::optional<Error> BatchQueue::ensureAction(const QString& actionId) {
    if (actions_.contains(actionId)) return std::nullopt;
    const ActionInfo action = newAction(actionId);
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
                           {"key_template", action.keyTemplate},
                           {"public_base_url", action.publicBaseUrl},
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

std::optional<Error> BatchQueue::plan(const SetRequest& request, const QList<int>& setIds,
                                      bool parallel, QList<SetRecord>* records) const {
    const QString& programId = request.programId;
    const QString& actionId = request.actionId;
    const int imagesPerSet = request.imagesPerSet;
    if (!settings_.readOnlyBecause.isEmpty())
        return Error{ErrorCode::Storage, settings_.readOnlyBecause};
    if (auto problem = idProblem(actionId, programId)) return problem;
    if (request.prompt.trimmed().isEmpty() && !request.overrides.prompt)
        return Error{ErrorCode::InvalidRequest, QStringLiteral("the prompt is empty")};
    if (imagesPerSet <= 0 || imagesPerSet > 16)
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("images per set must be 1..16, not %1").arg(imagesPerSet)};
    if (setIds.isEmpty() || setIds.size() > 10000)
        return Error{
            ErrorCode::InvalidRequest,
            QStringLiteral("the number of sets must be 1..10000, not %1").arg(setIds.size())};
    if (const QString why =
            ObjectKeyTemplate::problem(ObjectKeyTemplate::resolve(settings_.keyTemplate));
        !why.isEmpty() && !actions_.contains(actionId))
        return Error{ErrorCode::InvalidRequest, why};
    QSet<QString> prefixes;
    for (int id : setIds) {
        if (id < 0 || id > 999999)
            return Error{ErrorCode::InvalidRequest,
                         QStringLiteral("set id %1 is out of range (0..999999)").arg(id)};
        // Keys are write-once: a second set under the same objects could never upload.
        const QString prefix = objectPrefixFor(actionId, programId, id);
        const auto twin = setAt(prefix);
        const QString key = actionId + QLatin1Char('/') + programId + QLatin1Char('/') +
                            QStringLiteral("%1").arg(id, 6, 10, QLatin1Char('0'));
        if (twin || sets_.contains(key) || writing_.contains(key) || prefixes.contains(prefix))
            return Error{ErrorCode::InvalidRequest,
                         QStringLiteral("set %1 of action %2 is already queued%3 (its objects "
                                        "are written once: retry it, or use another set id)")
                             .arg(id)
                             .arg(actionId, twin ? QStringLiteral(" for program ") + twin->programId
                                                 : QString())};
        prefixes.insert(prefix);
    }
    // Before anything is written, the action's file included.
    if (const auto full = roomFor(request, setIds))
        return Error{ErrorCode::InvalidRequest, full->message};
    if (auto problem = source_->checkProgram(programId, request.overrides)) return problem;
    const auto known = actions_.find(actionId);
    const ActionInfo action = known != actions_.end() ? *known : newAction(actionId);

    // Sets per pass: as many whole sets as one batched pass holds (the source decides from
    // the memory budget); one set per pass without `parallel`, when each set's steps are
    // uploaded (the engine previews a pass's first image only) or when the size depends on
    // the set (a pass has one size).
    const bool shared = parallel && !request.uploadPreviews && !source_->sizePerSet(programId);
    const int wanted = shared ? int(setIds.size()) * imagesPerSet : imagesPerSet;
    const int batch = std::max(imagesPerSet, source_->maxBatch(programId, wanted));
    const int setsPerPass = shared ? std::max(1, batch / imagesPerSet) : 1;
    const std::optional<quint64> fixed = source_->fixedSeed(programId);

    records->clear();
    for (int i = 0, pass = 0; i < setIds.size(); i += setsPerPass, ++pass) {
        const int members = std::min(setsPerPass, int(setIds.size()) - i);
        // Seeds below 2^32: what curators are used to typing back in.
        const quint64 seed = fixed          ? *fixed
                             : request.seed ? *request.seed + quint64(pass)
                                            : QRandomGenerator::global()->generate();
        for (int m = 0; m < members; ++m) {
            SetRecord r = newRecord(request, action, setIds[i + m]);
            r.seed = seed;
            r.groupFirstSet = setIds[i];
            r.groupImages = members * imagesPerSet;
            r.groupOffset = m * imagesPerSet;
            *records << r;
        }
    }
    return std::nullopt;
}

SetRecord BatchQueue::newRecord(const SetRequest& request, const ActionInfo& action,
                                int setId) const {
    SetRecord r;
    r.actionId = request.actionId;
    r.programId = request.programId;
    r.prompt = request.prompt;
    r.overrides = request.overrides;
    r.uploadPreviews = request.uploadPreviews;
    r.setNumber = setId;
    r.imageCount = request.imagesPerSet;
    r.groupFirstSet = setId;
    r.groupImages = request.imagesPerSet;
    r.state = SetState::Pending;
    r.dir = QDir(root_).filePath(request.actionId + QLatin1Char('/') + request.programId +
                                 QLatin1Char('/') + r.setFolderName());
    r.objectPrefix = objectPrefixFor(request.actionId, request.programId, setId);
    r.publicBaseUrl = action.publicBaseUrl;
    r.updated = QDateTime::currentDateTimeUtc();
    return r;
}

namespace {

qint64 recordSize(const SetRecord& r) {
    return QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented).size();
}

// Writes every record, or none: on a failure the ones written are removed again.
QString writeRecords(const QList<SetRecord>& records) {
    for (int i = 0; i < records.size(); ++i) {
        if (const QString err = records[i].save(); !err.isEmpty()) {
            for (int j = 0; j < i; ++j) QDir(records[j].dir).removeRecursively();
            return err;
        }
    }
    return {};
}

}  // namespace

QueueLoad BatchQueue::queuedLoad() const {
    QueueLoad load;
    QSet<QString> actions;
    auto count = [&](const SetRecord& r) {
        if (r.isFinal()) return;
        ++load.sets;
        actions.insert(r.actionId);
        auto size = recordBytes_.find(r.key());
        if (size == recordBytes_.end()) size = recordBytes_.insert(r.key(), recordSize(r));
        load.bytes += *size;
    };
    for (const auto& r : sets_) count(r);
    for (const auto& r : writing_) count(r);
    load.actions = int(actions.size());
    return load;
}

QueueLoad BatchQueue::loadOf(const SetRequest& request, const QList<int>& setIds) const {
    QueueLoad load;
    load.sets = int(setIds.size());
    if (setIds.isEmpty()) return load;
    bool unfinished = false;
    for (const auto* sets : {&sets_, &writing_})
        for (const auto& r : *sets)
            unfinished = unfinished || (r.actionId == request.actionId && !r.isFinal());
    load.actions = unfinished ? 0 : 1;
    // The records of one request differ in their numbers only: the largest id's, with the
    // seed and pass fields at their widest, stands for each.
    const auto known = actions_.find(request.actionId);
    const ActionInfo action = known != actions_.end() ? *known : newAction(request.actionId);
    SetRecord widest = newRecord(request, action, *std::max_element(setIds.begin(), setIds.end()));
    widest.seed = std::numeric_limits<quint32>::max();
    widest.groupImages = int(setIds.size()) * request.imagesPerSet;
    widest.groupOffset = widest.groupImages;
    load.bytes = recordSize(widest) * setIds.size();
    return load;
}

std::optional<QueueFull> BatchQueue::roomFor(const SetRequest& request,
                                             const QList<int>& setIds) const {
    return queueCapProblem(settings_.caps, queuedLoad(), loadOf(request, setIds));
}

std::optional<Error> BatchQueue::generateSets(const SetRequest& request, const QList<int>& setIds,
                                              bool parallel) {
    QList<SetRecord> records;
    if (auto problem = plan(request, setIds, parallel, &records)) return problem;
    if (auto problem = ensureAction(request.actionId)) return problem;
    if (const QString err = writeRecords(records); !err.isEmpty())
        return Error{ErrorCode::Storage, err};
    adopt(records);
    return std::nullopt;
}

void BatchQueue::generateSetsInBackground(const SetRequest& request, const QList<int>& setIds,
                                          bool parallel, Queued done) {
    QList<SetRecord> records;
    if (auto problem = plan(request, setIds, parallel, &records)) return done(problem);
    if (auto problem = ensureAction(request.actionId)) return done(problem);
    for (const auto& r : records) writing_.insert(r.key(), r);
    recordWriter_.start([this, records, done = std::move(done)]() mutable {
        const QString err = writeRecords(records);
        // Back on the queue's thread; a queue destroyed meanwhile drops this (its destructor
        // waited for the write first, and a deleted object's posted calls are discarded).
        QMetaObject::invokeMethod(
            this,
            [this, records, err, done = std::move(done)] {
                for (const auto& r : records) writing_.remove(r.key());
                if (!err.isEmpty()) {
                    done(Error{ErrorCode::Storage, err});
                    schedule();
                    return;
                }
                adopt(records);
                done(std::nullopt);
            },
            Qt::QueuedConnection);
    });
}

void BatchQueue::adopt(const QList<SetRecord>& records) {
    for (const auto& r : records) {
        sets_.insert(r.key(), r);
        Q_EMIT setChanged(r);
    }
    schedule();
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
        // An action queued before key templates existed keeps the studio's layout.
        ActionInfo action{actionId,
                          json["prefix"].toString(),
                          json["bucket"].toString(),
                          json["key_template"].toString(ObjectKeyTemplate::studio()),
                          json["public_base_url"].toString(),
                          json["stop_code"].toString(),
                          json["stop_message"].toString()};
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
    // A different bucket would put the action's objects in two places. (Stopping an action
    // writes: a read-only queue leaves that to the queue's owner.)
    if (!settings_.readOnlyBecause.isEmpty()) return problems;
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
    if (!settings_.readOnlyBecause.isEmpty()) return;
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
        if (setNumber != kAllSets && r.setNumber != setNumber) continue;
        r.retry();
        update(r);
    }
    schedule();
}

void BatchQueue::cancel(const QString& actionId, const QString& programId, int setNumber) {
    if (!settings_.readOnlyBecause.isEmpty()) return;
    for (auto& r : sets_) {
        if (r.actionId != actionId || r.isFinal()) continue;
        if (!programId.isEmpty() && r.programId != programId) continue;
        if (setNumber != kAllSets && r.setNumber != setNumber) continue;
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
    if (scheduled_ || !settings_.readOnlyBecause.isEmpty()) return;
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
        request.overrides = first.overrides;
        if (first.format >= 2) request.setId = first.groupFirstSet;
        request.everyStep = first.format >= 2 && first.uploadPreviews;
        runningMembers_ = members;
        passClock_.start();
        lastStepMs_ = 0;
        passStepSeconds_.clear();
        passPreviewSteps_.clear();
        passTotalSteps_ = 0;
        passPreviewError_.clear();
        runningTicket_ = source_->start(request);
        return;
    }
}

void BatchQueue::onPassStep(quint64 ticket, int step, int total, const QImage& preview) {
    if (runningTicket_ != ticket || runningMembers_.isEmpty()) return;
    const SetRecord* first = find(runningMembers_.first());
    if (!first) return;
    Q_EMIT generationProgress(first->actionId, step, total);
    const qint64 now = passClock_.elapsed();
    passStepSeconds_.insert(step, (now - std::exchange(lastStepMs_, now)) / 1000.0);
    passTotalSteps_ = std::max(passTotalSteps_, total);
    // Previews are written into the set's folder before anything is uploaded, so a resumed
    // upload sends the same bytes; only the pass's first image has them.
    if (first->format < 2 || !first->uploadPreviews || preview.isNull() ||
        !passPreviewError_.isEmpty())
        return;
    if (const QString err = first->writePreview(step, preview); !err.isEmpty()) {
        passPreviewError_ = err;
        return;
    }
    if (!passPreviewSteps_.contains(step)) passPreviewSteps_ << step;
}

void BatchQueue::onPassFinished(quint64 ticket, const QList<QImage>& images,
                                const QList<pipeline::ImageMetadata>& metadata) {
    if (runningTicket_ != ticket) return;
    runningTicket_.reset();
    const QStringList members = std::exchange(runningMembers_, {});
    const double seconds = passClock_.elapsed() / 1000.0;
    const QString generatedAt =
        QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
    for (const QString& key : members) {
        SetRecord* r = find(key);
        if (!r || r->state != SetState::Generating) continue;  // cancelled meanwhile
        if (r->format >= 2) {
            if (!passPreviewError_.isEmpty() && key == members.first()) {
                fail(*r, Error::codeName(ErrorCode::Storage), passPreviewError_);
                stopAction(r->actionId, Error::codeName(ErrorCode::Storage),
                           passPreviewError_ +
                               QStringLiteral(": free some disk space, then retry the action"));
                continue;
            }
            r->previewSteps = key == members.first() ? passPreviewSteps_ : QList<int>();
            std::sort(r->previewSteps.begin(), r->previewSteps.end());
            r->stepSeconds = passStepSeconds_;
            r->totalSteps = passTotalSteps_;
            r->generationSeconds = seconds;
            r->generatedAt = generatedAt;
        }
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
