#pragma once
// A WebSocket client for in-process host tests: records every event and binary frame.

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QWebSocket>
#include <QtTest>

#include "adapters/host/image_frame.h"

namespace archival::test {

class TestClient : public QObject {
    Q_OBJECT
  public:
    explicit TestClient(QObject* parent = nullptr) : QObject(parent) {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString& text) {
            events.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        connect(&socket, &QWebSocket::binaryMessageReceived, this,
                [this](const QByteArray& frame) { frames.append(frame); });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closed = true; });
    }

    // Opens and waits for the handshake; false when the host refused it.
    bool open(const QUrl& url, const QByteArray& origin = {}) {
        QNetworkRequest request(url);
        if (!origin.isEmpty()) request.setRawHeader("Origin", origin);
        socket.open(request);
        QElapsedTimer t;
        t.start();
        while (socket.state() != QAbstractSocket::ConnectedState && !closed && t.elapsed() < 5000)
            QTest::qWait(5);
        return socket.state() == QAbstractSocket::ConnectedState;
    }

    void send(const QString& text) { socket.sendTextMessage(text); }
    void sendJson(const QJsonObject& o) {
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
    }

    // Events of one type, in order.
    QList<QJsonObject> ofType(const QString& type) const {
        QList<QJsonObject> out;
        for (const auto& e : events)
            if (e.value(QStringLiteral("type")).toString() == type) out.append(e);
        return out;
    }
    QList<adapters::host::ImageFrameHeader> headers(adapters::host::FrameKind kind) const {
        QList<adapters::host::ImageFrameHeader> out;
        for (const auto& f : frames) {
            adapters::host::ImageFrameHeader h;
            if (adapters::host::decodeImageFrameHeader(f, &h) && h.kind == kind) out.append(h);
        }
        return out;
    }

    QWebSocket socket;
    QList<QJsonObject> events;
    QList<QByteArray> frames;
    bool closed = false;
};

// A WebSocket upgrade request to `path`, for raw sockets that must misbehave after the
// handshake (never read, send bad frames).
inline QByteArray rawUpgradeRequest(const QByteArray& path) {
    return "GET " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// Random pixels: noise does not compress, so each preview of it is a few hundred kB.
inline QImage noiseImage(int side) {
    QImage noise(side, side, QImage::Format_RGB888);
    auto* rng = QRandomGenerator::global();
    for (int y = 0; y < noise.height(); ++y)
        for (int x = 0; x < noise.width() * 3; ++x) noise.scanLine(y)[x] = uchar(rng->generate());
    return noise;
}

}  // namespace archival::test
