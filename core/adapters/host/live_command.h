#pragma once
// One text message of the exhibition client's live dialect (PROTOCOL.md, "Live dialect"),
// read into what the host does with it. The client speaks plain text: "ping", a bare prompt
// (P0), "P2:0.80" (a strength, not a prompt), "P3" (a fixed prompt), "P3B:<prompt>", ... A pure
// function, no sockets: the connection (live_dialect.h) and the tests share it.
//
//   const LiveCommand c = parseLiveCommand(QStringLiteral("P2:0.80"), {"P0", "P2"}, limits);
//   // c.kind == Generate, c.program == "P2", c.prompt == "epic poem of malaya", c.strength 0.8

#include <QString>
#include <QStringList>
#include <optional>

#include "adapters/host/host_settings.h"

namespace archival::adapters::host {

struct LiveCommand {
    enum class Kind {
        Ping,            // reply: "pong"
        Generate,        // a generation of `program` from `prompt`
        UnknownCommand,  // command-shaped text naming no program; reply "unknown command: ..."
        Refused,         // a message the host will not run; reply "error:<why>"
    };
    Kind kind = Kind::Refused;
    QString program;
    QString prompt;                  // as typed: the program's template is applied by the service
    std::optional<double> strength;  // the client's strength (P2, P2B); none: the program's
    QString reply;                   // Ping, UnknownCommand, Refused: the text to send back
};

// Reads `text` (one client message). `programIds` are the programs the host has: a command
// naming any other id is an unknown command. Refuses a message above limits.maxMessageBytes
// (UTF-8), a prompt above limits.maxPromptChars, an empty prompt and a strength outside (0, 1].
LiveCommand parseLiveCommand(const QString& text, const QStringList& programIds,
                             const HostLimits& limits);

}  // namespace archival::adapters::host
