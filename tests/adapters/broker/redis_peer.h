#pragma once
// A real redis-server for the broker tests, started by the test on a free loopback port with
// its own folder and the append-only file on (every write synced: a kill -9 loses nothing
// that was answered), stopped with the test. No redis-server on the PATH fails the test.

#include <QDir>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

namespace archival::test {

class RedisPeer {
  public:
    ~RedisPeer() { stop(); }

    // `password` non-empty: requirepass. `extra`: more redis-server options.
    bool start(QString* error, const QString& password = {}, const QStringList& extra = {}) {
        const QString binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        if (binary.isEmpty()) {
            *error = QStringLiteral(
                "redis-server is not installed (packaging/debian-packages.txt "
                "lists it; packaging/setup.sh installs it)");
            return false;
        }
        binary_ = binary;
        password_ = password;
        extra_ = extra;
        if (port_ == 0) {
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            port_ = probe.serverPort();
        }
        return launch(error);
    }

    // TLS only (no plain port), with this certificate and key; url() is rediss:// trusting
    // the certificate.
    bool startTls(QString* error, const QString& password, const QString& certFile,
                  const QString& keyFile) {
        tlsCert_ = certFile;
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        port_ = probe.serverPort();
        probe.close();
        return start(error, password,
                     {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls-port"),
                      QString::number(port_), QStringLiteral("--tls-cert-file"), certFile,
                      QStringLiteral("--tls-key-file"), keyFile,
                      QStringLiteral("--tls-auth-clients"), QStringLiteral("no")});
    }

    // SIGKILL: no shutdown, no final save; the append-only file is all that is left.
    void kill() {
        if (process_.state() == QProcess::NotRunning) return;
        ::kill(pid_t(process_.processId()), SIGKILL);
        process_.waitForFinished(5000);
    }
    // Again on the same port and folder (it loads the append-only file).
    bool restart(QString* error) { return launch(error); }

    void stop() {
        if (process_.state() == QProcess::NotRunning) return;
        process_.terminate();
        if (!process_.waitForFinished(5000)) {
            process_.kill();
            process_.waitForFinished(2000);
        }
    }

    quint16 port() const { return port_; }
    QString url() const {
        return tlsCert_.isEmpty()
                   ? QStringLiteral("redis://127.0.0.1:%1/0").arg(port_)
                   : QStringLiteral("rediss://127.0.0.1:%1/0?ca=%2").arg(port_).arg(tlsCert_);
    }
    QString dir() const { return dir_.path(); }
    QByteArray log() const {
        QFile f(dir_.filePath(QStringLiteral("redis.log")));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    // An inline command on a plain socket (Redis takes them), and its raw answer: the test's
    // view of the server, not the studio's client.
    QByteArray raw(const QByteArray& inlineCommand) const {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port_);
        if (!s.waitForConnected(3000)) return {};
        if (!password_.isEmpty()) {
            s.write("AUTH " + password_.toUtf8() + "\r\n");
            s.waitForReadyRead(3000);
            s.readAll();
        }
        s.write(inlineCommand + "\r\n");
        QByteArray out;
        while (!complete(out, nullptr) && s.waitForReadyRead(3000)) out += s.readAll();
        return out;
    }

  private:
    // Whether `bytes` hold one whole RESP reply (from `*at`, advanced past it).
    static bool complete(const QByteArray& bytes, int* at) {
        int pos = at ? *at : 0;
        const int eol = bytes.indexOf("\r\n", pos);
        if (eol < 0) return false;
        const char type = bytes.at(pos);
        const int n = bytes.mid(pos + 1, eol - pos - 1).toInt();
        pos = eol + 2;
        if (type == '$' && n >= 0) {
            if (bytes.size() < pos + n + 2) return false;
            pos += n + 2;
        } else if (type == '*') {
            for (int i = 0; i < n; ++i)
                if (!complete(bytes, &pos)) return false;
        }
        if (at) *at = pos;
        return true;
    }

    bool launch(QString* error) {
        QStringList args{QStringLiteral("--port"),        QString::number(port_),
                         QStringLiteral("--bind"),        QStringLiteral("127.0.0.1"),
                         QStringLiteral("--dir"),         dir_.path(),
                         QStringLiteral("--appendonly"),  QStringLiteral("yes"),
                         QStringLiteral("--appendfsync"), QStringLiteral("always"),
                         QStringLiteral("--save"),        QString(),
                         QStringLiteral("--logfile"),     QStringLiteral("redis.log")};
        if (!password_.isEmpty()) args << QStringLiteral("--requirepass") << password_;
        args << extra_;
        process_.start(binary_, args);
        if (!process_.waitForStarted(5000)) {
            *error = QStringLiteral("cannot start redis-server: %1").arg(process_.errorString());
            return false;
        }
        // Ready when it answers (to PING, or NOAUTH with a password).
        for (int i = 0; i < 100; ++i) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port_);
            if (s.waitForConnected(200)) {
                if (!tlsCert_.isEmpty()) return true;  // listening: the handshake is the client's
                s.write("PING\r\n");
                if (s.waitForReadyRead(1000)) {
                    const QByteArray answer = s.readAll();
                    if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH")) return true;
                }
            }
            if (process_.state() == QProcess::NotRunning) break;
            QTest::qWait(100);
        }
        *error = QStringLiteral("redis-server did not answer on port %1: %2")
                     .arg(port_)
                     .arg(QString::fromUtf8(log().right(2000)));
        return false;
    }

    QString binary_;
    QString tlsCert_;
    QString password_;
    QStringList extra_;
    quint16 port_ = 0;
    QTemporaryDir dir_;
    QProcess process_;
};

}  // namespace archival::test

#define ARCHIVAL_START_REDIS(peer, ...)                                                 \
    do {                                                                                \
        QString redisError_;                                                            \
        if (!(peer).start(&redisError_, ##__VA_ARGS__)) QFAIL(qPrintable(redisError_)); \
    } while (0)
