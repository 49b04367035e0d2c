#pragma once
// Real peers for the upload tests, started on loopback by the test itself:
//   S3Peer     moto's S3 server with IAM authentication on (signatures really checked)
//   FaultProxy a proxy in front of it that answers 500/429, drops connections and stalls
// Both are Python scripts in tests/peers/s3 run with the project's virtual environment.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QtTest>

namespace archival::test {

inline QString peerScript(const QString& name) {
    return QStringLiteral(ARCHIVAL_S3_PEERS_DIR "/") + name;
}

inline QString peerPython() {
    return QStringLiteral(ARCHIVAL_PYTHON);
}

// A Python script that prints one JSON line when ready and runs until its stdin closes.
class PeerProcess {
  public:
    ~PeerProcess() { stop(); }

    bool start(const QStringList& args, QString* error) {
        process_.setProgram(peerPython());
        process_.setArguments(args);
        process_.start();
        if (!process_.waitForStarted(10000)) {
            *error = QStringLiteral("cannot run %1: %2").arg(peerPython(), process_.errorString());
            return false;
        }
        QByteArray line;
        while (!line.contains('\n')) {
            if (!process_.waitForReadyRead(60000)) {
                *error =
                    QStringLiteral("%1 did not start: %2")
                        .arg(args.value(0), QString::fromUtf8(process_.readAllStandardError()));
                return false;
            }
            line += process_.readAllStandardOutput();
        }
        ready_ = QJsonDocument::fromJson(line.left(line.indexOf('\n'))).object();
        if (ready_.isEmpty()) {
            *error = QStringLiteral("%1 said: %2").arg(args.value(0), QString::fromUtf8(line));
            return false;
        }
        return true;
    }

    void stop() {
        if (process_.state() == QProcess::NotRunning) return;
        process_.closeWriteChannel();
        if (!process_.waitForFinished(5000)) {
            process_.kill();
            process_.waitForFinished(2000);
        }
    }

    // What the script printed after its stdin closed (FaultProxy's counts).
    QJsonObject stopAndReadLast() {
        process_.closeWriteChannel();
        process_.waitForFinished(5000);
        const QList<QByteArray> lines = process_.readAllStandardOutput().trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last()).object();
    }

    const QJsonObject& ready() const { return ready_; }

  private:
    QProcess process_;
    QJsonObject ready_;
};

class S3Peer {
  public:
    bool start(const QStringList& buckets, QString* error) {
        QStringList args{peerScript(QStringLiteral("moto_server.py"))};
        for (const auto& b : buckets) args << QStringLiteral("--bucket") << b;
        return process_.start(args, error);
    }
    QString endpoint() const { return process_.ready()["endpoint"].toString(); }
    QString accessKeyId() const { return process_.ready()["access_key_id"].toString(); }
    QString secret() const { return process_.ready()["secret"].toString(); }

    // {key: {"etag", "size"}} as the store lists them, read with boto3 (not our client).
    QJsonObject list(const QString& bucket, const QString& prefix = {}) const {
        const QByteArray out = runLister(bucket, {QStringLiteral("--prefix"), prefix});
        return QJsonDocument::fromJson(out).object();
    }
    QByteArray get(const QString& bucket, const QString& key) const {
        return runLister(bucket, {QStringLiteral("--get"), key});
    }

  private:
    QByteArray runLister(const QString& bucket, const QStringList& extra) const {
        QProcess p;
        p.start(peerPython(),
                QStringList{peerScript(QStringLiteral("list_objects.py")),
                            QStringLiteral("--endpoint"), endpoint(), QStringLiteral("--bucket"),
                            bucket, QStringLiteral("--access-key-id"), accessKeyId()} +
                    extra);
        p.write(secret().toUtf8() + '\n');
        p.closeWriteChannel();
        p.waitForFinished(60000);
        if (p.exitCode() != 0) qWarning() << p.readAllStandardError();
        return p.readAllStandardOutput();
    }

    PeerProcess process_;
};

class FaultProxy {
  public:
    bool start(const QString& upstream, const QString& pattern, double stallSeconds,
               QString* error) {
        return process_.start(
            {peerScript(QStringLiteral("fault_proxy.py")), QStringLiteral("--upstream"), upstream,
             QStringLiteral("--pattern"), pattern, QStringLiteral("--stall-seconds"),
             QString::number(stallSeconds)},
            error);
    }
    // As above, and the first PUT of a key ending in `stallFirstPut` stalls for stallSeconds.
    bool start(const QString& upstream, const QString& pattern, double stallSeconds,
               const QString& stallFirstPut, QString* error) {
        return process_.start(
            {peerScript(QStringLiteral("fault_proxy.py")), QStringLiteral("--upstream"), upstream,
             QStringLiteral("--pattern"), pattern, QStringLiteral("--stall-seconds"),
             QString::number(stallSeconds), QStringLiteral("--stall-first-put"), stallFirstPut},
            error);
    }
    QString endpoint() const { return process_.ready()["endpoint"].toString(); }
    // How many requests got each fault; stops the proxy.
    QJsonObject counts() { return report()["counts"].toObject(); }
    // {"counts": {fault: n}, "puts": {path: n}} (PUTs the store accepted); stops the proxy.
    QJsonObject report() {
        if (report_.isEmpty()) report_ = process_.stopAndReadLast();
        return report_;
    }

  private:
    PeerProcess process_;
    QJsonObject report_;
};

}  // namespace archival::test

#define ARCHIVAL_START_PEER(peer, ...)                                              \
    do {                                                                            \
        QString peerError_;                                                         \
        if (!(peer).start(__VA_ARGS__, &peerError_)) QFAIL(qPrintable(peerError_)); \
    } while (0)
