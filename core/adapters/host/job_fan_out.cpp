#include "adapters/host/job_fan_out.h"

#include <QDateTime>
#include <QJsonArray>
#include <QWebSocket>

#include "adapters/host/client_session.h"
#include "adapters/host/host_protocol.h"
#include "adapters/host/image_frame.h"
#include "adapters/host/outgoing_text.h"

namespace archival::adapters::host {

using pipeline::JobId;

namespace {

qint64 nowMicros() {
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

bool watches(const ClientSession* s, const JobFanOut::Job& job) {
    // A live-dialect client hears of its own jobs only, in its dialect (LiveDialect).
    if (!s->isAuthenticated() || s->isClosing() || s->speaksLiveDialect() || s->dialectUndecided())
        return false;
    return s->subscription() == Subscription::All || s->id() == job.ownerId;
}

// The owner's copy of an event answers its generate: it carries the request id.
QJsonObject ownerExtra(const JobFanOut::Job& job) {
    QJsonObject extra;
    if (!job.requestId.isNull() && !job.requestId.isUndefined())
        extra.insert(QStringLiteral("request_id"), job.requestId);
    return extra;
}

}  // namespace

JobFanOut::JobFanOut(JobRunner* runner, const QList<ClientSession*>* sessions,
                     const HostSettings& settings, QObject* parent)
    : QObject(parent), runner_(runner), sessions_(sessions), settings_(settings) {
    connect(runner, &JobRunner::queued, this, &JobFanOut::onQueued);
    connect(runner, &JobRunner::started, this, &JobFanOut::onStarted);
    connect(runner, &JobRunner::progress, this, &JobFanOut::onProgress);
    connect(runner, &JobRunner::finished, this, &JobFanOut::onFinished);
    connect(runner, &JobRunner::failed, this, &JobFanOut::onFailed);
    connect(runner, &JobRunner::cancelled, this, &JobFanOut::onCancelled);
}

JobFanOut::~JobFanOut() {
    qDeleteAll(jobs_);
}

JobId JobFanOut::submit(const pipeline::JobRequest& request, const QString& ownerId,
                        const QJsonValue& requestId) {
    const JobId id = runner_->submit(request);
    auto* job = new Job;
    job->id = id;
    job->ownerId = ownerId;
    job->program = request.programId;
    job->prompt = request.prompt;
    job->requestId = requestId;
    jobs_.insert(id, job);
    return id;
}

void JobFanOut::announceQueued(JobId id) {
    Job* job = jobs_.value(id);
    if (!job) return;
    const bool early = earlyQueuedPositions_.contains(id);
    const int position =
        early ? earlyQueuedPositions_.take(id) : std::max(0, runner_ ? runner_->position(id) : 0);
    sendQueued(*job, position);
}

int JobFanOut::cancelAll() {
    int n = 0;
    for (JobId id : jobs_.keys())
        if (runner_ && runner_->cancel(id)) ++n;
    return n;
}

void JobFanOut::release(const ClientSession& gone) {
    for (JobId id : gone.jobs()) {
        Job* job = jobs_.value(id);
        if (!job || !runner_) continue;
        bool watched = false;
        if (job->running && !settings_.cancelRunningOnDisconnect) watched = true;
        // The exhibition client's generation stops when it leaves, as with the reference
        // service, even while other displays watch it: the client's next connection expects
        // the host free for it.
        const bool othersKeepIt = !gone.speaksLiveDialect();
        for (const ClientSession* other : *sessions_)
            if (othersKeepIt && job->running && other->isAuthenticated() && !other->isClosing() &&
                other->role() == ClientRole::Display && other->subscription() == Subscription::All)
                watched = true;
        if (watched) {
            Q_EMIT logLine(QStringLiteral("job %1 keeps running: other displays watch it").arg(id));
            continue;
        }
        runner_->cancel(id);
    }
}

ClientSession* JobFanOut::findSession(const QString& id) const {
    for (ClientSession* s : *sessions_)
        if (s->id() == id) return s;
    return nullptr;
}

void JobFanOut::broadcast(const Job& job, const QJsonObject& event, const QJsonObject& ownerExtra) {
    const QString text = toText(event);
    QString ownerText;
    if (!ownerExtra.isEmpty()) {
        QJsonObject merged = event;
        for (auto it = ownerExtra.begin(); it != ownerExtra.end(); ++it)
            merged.insert(it.key(), it.value());
        ownerText = toText(merged);
    }
    for (ClientSession* s : *sessions_) {
        if (!watches(s, job)) continue;
        const bool owner = s->id() == job.ownerId;
        s->socket()->sendTextMessage(owner && !ownerText.isEmpty() ? ownerText : text);
    }
}

void JobFanOut::onQueued(JobId id, int position) {
    Job* job = jobs_.value(id);
    if (!job) {
        // Emitted from inside submit(), before the host knew the id: sent right after.
        earlyQueuedPositions_.insert(id, position);
        return;
    }
    sendQueued(*job, position);
}

void JobFanOut::sendQueued(Job& job, int position) {
    if (job.queuedSent) return;
    job.queuedSent = true;
    const QJsonObject event{{QStringLiteral("type"), QStringLiteral("queued")},
                            {QStringLiteral("job"), double(job.id)},
                            {QStringLiteral("position"), position},
                            {QStringLiteral("program"), job.program},
                            {QStringLiteral("prompt"), job.prompt},
                            {QStringLiteral("owner"), job.ownerId}};
    broadcast(job, event, ownerExtra(job));
    Q_EMIT logLine(QStringLiteral("job %1 queued at position %2").arg(job.id).arg(position));
}

void JobFanOut::onStarted(JobId id) {
    Job* job = jobs_.value(id);
    if (!job) return;
    job->running = true;
    job->clock.start();
    broadcast(*job, {{QStringLiteral("type"), QStringLiteral("started")},
                     {QStringLiteral("job"), double(id)},
                     {QStringLiteral("program"), job->program},
                     {QStringLiteral("prompt"), job->prompt}});
    Q_EMIT logLine(QStringLiteral("job %1 started").arg(id));
}

void JobFanOut::onProgress(JobId id, int step, int total, const QImage& preview, double) {
    Job* job = jobs_.value(id);
    if (!job) return;
    if (!job->clock.isValid()) job->clock.start();
    const double elapsed = job->clock.elapsed() / 1000.0;
    QJsonObject event{{QStringLiteral("type"), QStringLiteral("progress")},
                      {QStringLiteral("job"), double(id)},
                      {QStringLiteral("step"), step},
                      {QStringLiteral("total"), total},
                      {QStringLiteral("elapsed"), elapsed},
                      {QStringLiteral("preview"), !preview.isNull()}};
    event.insert(QStringLiteral("eta"),
                 step > 0 ? QJsonValue(elapsed / step * (total - step)) : QJsonValue());
    broadcast(*job, event);
    if (preview.isNull()) return;

    // One JPEG for every display; a display whose backlog is over the limit skips it.
    const QByteArray frame = encodeImageFrame(
        {FrameKind::Preview, id, ImageFormat::Jpeg, quint32(step), quint64(nowMicros())},
        encodeJpeg(preview));
    for (ClientSession* s : *sessions_) {
        if (watches(s, *job) && s->wantsPreviews()) s->sendPreview(frame);
    }
}

void JobFanOut::onFinished(JobId id, const pipeline::JobResult& result) {
    Job* job = jobs_.value(id);
    if (!job) return;
    const double seconds = job->clock.isValid() ? job->clock.elapsed() / 1000.0 : 0.0;
    // A display still over its send budget gets no further final: it is closed (4008), so one
    // that never reads holds at most the budget and one job's images, not every image since.
    for (ClientSession* s : *sessions_)
        if (watches(s, *job)) s->admitFinal();
    for (int i = 0; i < result.images.size(); ++i) {
        const QImage& image = result.images.at(i);
        QJsonObject metadata;
        QString parameters;
        if (i < result.metadata.size()) {
            metadata = result.metadata.at(i).toJson();
            parameters = result.metadata.at(i).a1111Parameters();
        }
        const QByteArray png = encodePng(image, toText(metadata), parameters);
        QJsonObject event{{QStringLiteral("type"), QStringLiteral("completed")},
                          {QStringLiteral("job"), double(id)},
                          {QStringLiteral("index"), i},
                          {QStringLiteral("count"), int(result.images.size())},
                          {QStringLiteral("format"), QStringLiteral("png")},
                          {QStringLiteral("width"), image.width()},
                          {QStringLiteral("height"), image.height()},
                          {QStringLiteral("bytes"), int(png.size())},
                          {QStringLiteral("seconds"), seconds},
                          {QStringLiteral("prompt"), job->prompt},
                          {QStringLiteral("metadata"), metadata}};
        if (!result.warnings.isEmpty())
            event.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings));
        broadcast(*job, event, ownerExtra(*job));
        // Finals are never dropped: a slow display within its budget gets every image, late.
        const QByteArray frame = encodeImageFrame(
            {FrameKind::Final, id, ImageFormat::Png, quint32(i), quint64(nowMicros())}, png);
        for (ClientSession* s : *sessions_)
            if (watches(s, *job)) s->sendBinary(frame);
    }
    Q_EMIT logLine(QStringLiteral("job %1 completed in %2 s (%3 image(s))")
                       .arg(id)
                       .arg(seconds, 0, 'f', 2)
                       .arg(result.images.size()));
    endJob(id);
}

void JobFanOut::onFailed(JobId id, const pipeline::Error& error) {
    Job* job = jobs_.value(id);
    if (!job) {
        earlyQueuedPositions_.remove(id);
        return;
    }
    QJsonObject event =
        errorEvent(ProtocolError::GenerationFailed, withoutLocalPaths(error.message));
    event.insert(QStringLiteral("job"), double(id));
    event.insert(QStringLiteral("reason"), error.codeName());
    broadcast(*job, event, ownerExtra(*job));
    Q_EMIT logLine(QStringLiteral("job %1 failed: %2").arg(id).arg(error.toString()));
    endJob(id);
}

void JobFanOut::onCancelled(JobId id) {
    Job* job = jobs_.value(id);
    if (!job) return;
    broadcast(*job, {{QStringLiteral("type"), QStringLiteral("cancelled")},
                     {QStringLiteral("job"), double(id)}});
    Q_EMIT logLine(QStringLiteral("job %1 cancelled").arg(id));
    endJob(id);
}

void JobFanOut::endJob(JobId id) {
    Job* job = jobs_.take(id);
    if (!job) return;
    if (ClientSession* owner = findSession(job->ownerId)) owner->forgetJob(id);
    delete job;
    Q_EMIT jobsChanged();
}

}  // namespace archival::adapters::host
