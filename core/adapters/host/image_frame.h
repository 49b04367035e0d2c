#pragma once
// Binary frames carrying images to clients (PROTOCOL.md, "Binary frames"): a fixed 28-byte
// big-endian header, then the encoded image.
//
//   offset size field
//        0    4 kind      1 = preview, 2 = final image
//        4    8 job id
//       12    4 format    1 = JPEG, 2 = PNG
//       16    4 step      preview: the step it shows (1-based); final: the image's index
//       20    8 sent at   microseconds since the Unix epoch when the host sent the frame
//       28    - image bytes

#include <QByteArray>
#include <QImage>
#include <QtGlobal>

namespace archival::adapters::host {

enum class FrameKind : quint32 { Preview = 1, Final = 2 };
enum class ImageFormat : quint32 { Jpeg = 1, Png = 2 };

struct ImageFrameHeader {
    FrameKind kind = FrameKind::Preview;
    quint64 job = 0;
    ImageFormat format = ImageFormat::Jpeg;
    quint32 step = 0;
    quint64 sentAtMicros = 0;
};

inline constexpr int kImageFrameHeaderBytes = 28;

QByteArray encodeImageFrame(const ImageFrameHeader& header, const QByteArray& image);
// False when the frame is shorter than the header or names an unknown kind or format.
bool decodeImageFrameHeader(const QByteArray& frame, ImageFrameHeader* header);

// Previews go out as JPEG (small, quick), finals as PNG (lossless, carries the metadata as
// text chunks "archival-studio" (JSON) and "parameters").
QByteArray encodeJpeg(const QImage& image, int quality = 85);
QByteArray encodePng(const QImage& image, const QString& metadataJson = {},
                     const QString& parameters = {});

}  // namespace archival::adapters::host
