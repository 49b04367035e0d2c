#pragma once
// How `batch` speaks on stderr, on the local queue or on a broker: one stream (so lines from
// both halves of the command keep their order) and one prefix.
#include <QString>
#include <QTextStream>

namespace archival::app::batch_messages {

inline QTextStream& err() {
    static QTextStream stream(stderr);
    return stream;
}

// Prints the message as the command's and gives back the exit code to return.
inline int fail(const QString& message, int code) {
    err() << "archival-studio batch: " << message << '\n';
    err().flush();
    return code;
}

}  // namespace archival::app::batch_messages
