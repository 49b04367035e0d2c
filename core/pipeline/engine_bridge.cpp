#include "pipeline/engine_bridge.h"

#include <cstring>

namespace archival::pipeline {

QImage toQImage(const engine::Image& image) {
    if (image.empty()) return {};
    QImage out(image.width, image.height, QImage::Format_RGB888);
    const int rowBytes = image.width * 3;
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.scanLine(y), image.rgb.data() + static_cast<std::size_t>(y) * rowBytes,
                    static_cast<std::size_t>(rowBytes));
    return out;
}

engine::Image toEngineImage(const QImage& image) {
    engine::Image out;
    if (image.isNull()) return out;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    out.width = rgb.width();
    out.height = rgb.height();
    const int rowBytes = out.width * 3;
    out.rgb.resize(static_cast<std::size_t>(rowBytes) * out.height);
    for (int y = 0; y < out.height; ++y)
        std::memcpy(out.rgb.data() + static_cast<std::size_t>(y) * rowBytes, rgb.constScanLine(y),
                    static_cast<std::size_t>(rowBytes));
    return out;
}

Error fromEngineError(const engine::EngineError& error) {
    ErrorCode code = ErrorCode::Internal;
    switch (error.kind()) {
        case engine::ErrorKind::InvalidRequest:
            code = ErrorCode::InvalidRequest;
            break;
        case engine::ErrorKind::ModelLoad:
            code = ErrorCode::ModelLoad;
            break;
        case engine::ErrorKind::OutOfMemory:
            code = ErrorCode::OutOfMemory;
            break;
        case engine::ErrorKind::Interrupted:
            code = ErrorCode::Interrupted;
            break;
        case engine::ErrorKind::Storage:
            code = ErrorCode::Storage;
            break;
        case engine::ErrorKind::Internal:
            code = ErrorCode::Internal;
            break;
    }
    return {code, QString::fromStdString(error.what())};
}

QString deviceText(const engine::Device& device) {
    return QString::fromStdString(engine::deviceName(device));
}

QString dtypeText(engine::Dtype dtype) {
    return QString::fromLatin1(engine::dtypeName(dtype));
}

QString samplerText(engine::Sampler sampler) {
    return QString::fromStdString(engine::samplerName(sampler));
}

engine::DeviceMemory deviceMemoryOf(const QString& device) {
    const auto parsed = engine::deviceFromName(device.toStdString());
    if (!parsed) return {};
    return engine::deviceMemory(*parsed);
}

}  // namespace archival::pipeline
