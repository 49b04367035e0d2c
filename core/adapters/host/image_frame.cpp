#include "adapters/host/image_frame.h"

#include <QBuffer>
#include <QImageWriter>
#include <QtEndian>

namespace archival::adapters::host {

QByteArray encodeImageFrame(const ImageFrameHeader& header, const QByteArray& image) {
    QByteArray frame(kImageFrameHeaderBytes, Qt::Uninitialized);
    auto* p = reinterpret_cast<uchar*>(frame.data());
    qToBigEndian<quint32>(quint32(header.kind), p);
    qToBigEndian<quint64>(header.job, p + 4);
    qToBigEndian<quint32>(quint32(header.format), p + 12);
    qToBigEndian<quint32>(header.step, p + 16);
    qToBigEndian<quint64>(header.sentAtMicros, p + 20);
    frame.append(image);
    return frame;
}

bool decodeImageFrameHeader(const QByteArray& frame, ImageFrameHeader* header) {
    if (frame.size() < kImageFrameHeaderBytes) return false;
    const auto* p = reinterpret_cast<const uchar*>(frame.constData());
    const quint32 kind = qFromBigEndian<quint32>(p);
    const quint32 format = qFromBigEndian<quint32>(p + 12);
    if (kind < 1 || kind > 2 || format < 1 || format > 2) return false;
    header->kind = FrameKind(kind);
    header->job = qFromBigEndian<quint64>(p + 4);
    header->format = ImageFormat(format);
    header->step = qFromBigEndian<quint32>(p + 16);
    header->sentAtMicros = qFromBigEndian<quint64>(p + 20);
    return true;
}

QByteArray encodeJpeg(const QImage& image, int quality) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setQuality(quality);
    writer.write(image.convertToFormat(QImage::Format_RGB888));
    return bytes;
}

QByteArray encodePng(const QImage& image, const QString& metadataJson, const QString& parameters) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    if (!metadataJson.isEmpty()) writer.setText(QStringLiteral("archival-studio"), metadataJson);
    if (!parameters.isEmpty()) writer.setText(QStringLiteral("parameters"), parameters);
    writer.write(image);
    return bytes;
}

}  // namespace archival::adapters::host
