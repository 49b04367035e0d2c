#include "adapters/host/live_dialect.h"

#include <QJsonValue>
#include <QWebSocket>
#include <cmath>

#include "adapters/host/client_session.h"
#include "adapters/host/host_protocol.h"
#include "adapters/host/image_frame.h"
#include "adapters/host/job_fan_out.h"
#include "adapters/host/outgoing_text.h"

namespace archival::adapters::host {

using pipeline::JobId;

namespace {

// The exhibition client's previews: JPEG at the quality the reference sends.
constexpr int kPreviewJpegQuality = 75;

QString quoted(const QString& text) {
    return QLatin1Char('"') + text.left(80) +
           (text.size() > 80 ? QStringLiteral("...\"") : QStringLiteral("\""));
}

// The scheduler's timestep as the client reads it: an integer, cut towards zero as Python's
// int() does (SD 1.5: 999 ...; SD 3 flow matching: sigma x 1000).
qint64 wholeTimestep(double timestep) {
    return std::isfinite(timestep) ? qint64(std::trunc(timestep)) : 0;
}

}  // namespace

LiveDialect::LiveDialect(ClientSession* session, JobRunner* runner, JobFanOut* jobs,
                         QObject* parent)
    : QObject(parent), session_(session), runner_(runner), fanOut_(jobs) {
    connect(runner, &JobRunner::started, this, &LiveDialect::onStarted);
    connect(runner, &JobRunner::progress, this, &LiveDialect::onProgress);
    connect(runner, &JobRunner::finished, this, &LiveDialect::onFinished);
    connect(runner, &JobRunner::failed, this, &LiveDialect::onFailed);
    connect(runner, &JobRunner::cancelled, this, &LiveDialect::onCancelled);
}

void LiveDialect::handle(const QString& text) {
    if (!runner_) return;
    QStringList programs;
    for (const ProgramSummary& p : runner_->programs()) programs << p.id;
    const HostLimits& limits = session_->settings().limits;
    LiveCommand command = parseLiveCommand(text, programs, limits);
    if (command.kind != LiveCommand::Kind::Generate) {
        if (command.kind != LiveCommand::Kind::Ping)
            Q_EMIT logLine(QStringLiteral("client %1: %2 (sent %3)")
                               .arg(session_->id(), command.reply, quoted(text)));
        session_->sendText(command.reply);
        return;
    }
    if (fanOut_->jobCount() >= limits.maxDisplayJobs) {
        refuse(QStringLiteral("the host has %1 display jobs queued or running; try again later")
                   .arg(fanOut_->jobCount()));
        return;
    }
    if (pending() >= limits.maxJobsPerClient) {
        refuse(QStringLiteral("%1 commands of this connection are waiting or running; at most "
                              "%2 are allowed")
                   .arg(pending())
                   .arg(limits.maxJobsPerClient));
        return;
    }
    waiting_.enqueue(std::move(command));
    submitNext();
}

void LiveDialect::refuse(const QString& why) {
    session_->sendText(QStringLiteral("error:") + why);
}

void LiveDialect::submitNext() {
    if (current_ || waiting_.isEmpty() || !runner_ || session_->isClosing()) return;
    // A client that has gone (its `disconnected` not handled yet) starts nothing new.
    if (session_->socket()->state() != QAbstractSocket::ConnectedState) return;
    const LiveCommand command = waiting_.dequeue();
    pipeline::JobRequest request;
    request.programId = command.program;
    request.prompt = command.prompt;
    request.strength = command.strength;
    // The client numbers every step and shows each preview: none may be coalesced away.
    request.everyStep = true;
    request.priority = pipeline::JobPriority::Display;
    request.owner = QStringLiteral("ws:") + session_->id();
    const JobId job = fanOut_->submit(request, session_->id(), QJsonValue());
    current_ = job;
    session_->trackJob(job);
    Q_EMIT logLine(QStringLiteral("job %1 submitted by %2 (live dialect): %3 %4%5")
                       .arg(job)
                       .arg(session_->id(), command.program, quoted(command.prompt),
                            command.strength
                                ? QStringLiteral(", strength %1").arg(*command.strength)
                                : QString()));
    fanOut_->announceQueued(job);
}

void LiveDialect::onStarted(JobId job) {
    if (isCurrent(job)) session_->sendText(QStringLiteral("ready"));
}

void LiveDialect::onProgress(JobId job, int step, int, const QImage& preview, double timestep) {
    if (!isCurrent(job)) return;
    // The service counts steps from 1; the client from 0.
    session_->sendText(QStringLiteral("p:s=%1:t=%2").arg(step - 1).arg(wholeTimestep(timestep)));
    if (!preview.isNull() && session_->wantsPreviews())
        session_->sendPreview(encodeJpeg(preview, kPreviewJpegQuality));
}

void LiveDialect::onFinished(JobId job, const pipeline::JobResult& result) {
    if (!isCurrent(job)) return;
    // Still over its send budget: closed (4008) instead of queued another image.
    if (!session_->admitFinal()) {
        endCurrent();
        return;
    }
    for (int i = 0; i < result.images.size(); ++i) {
        QString metadata, parameters;
        if (i < result.metadata.size()) {
            metadata = toText(result.metadata.at(i).toJson());
            parameters = result.metadata.at(i).a1111Parameters();
        }
        session_->sendBinary(encodePng(result.images.at(i), metadata, parameters));
    }
    session_->sendText(QStringLiteral("done"));
    endCurrent();
}

void LiveDialect::onFailed(JobId job, const pipeline::Error& error) {
    if (!isCurrent(job)) return;
    // The host's log has the full message (JobFanOut); the client gets no local path.
    session_->sendText(QStringLiteral("error:") + withoutLocalPaths(error.message));
    endCurrent();
}

void LiveDialect::onCancelled(JobId job) {
    if (!isCurrent(job)) return;
    session_->sendText(QStringLiteral("error:the generation was cancelled"));
    endCurrent();
}

void LiveDialect::endCurrent() {
    current_.reset();
    submitNext();
}

}  // namespace archival::adapters::host
