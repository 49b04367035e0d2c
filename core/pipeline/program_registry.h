#pragma once
// The one source of program settings. Loads the built-in programs (resources/programs.json,
// compiled in) and the user's file (<config>/programs.json), which overrides programs by
// id or adds new ones. Validation is strict and reports every bad field by program id and
// field name; a broken user entry never removes a built-in program.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include "pipeline/program.h"

namespace archival::pipeline {

struct ProgramIssue {
    QString source;     // "built-in" or a file path
    QString programId;  // empty for file-level problems
    QString field;      // empty for file- or program-level problems
    QString message;
    QString toString() const;
};

class ProgramRegistry {
  public:
    // Built-ins plus the user file at `userFile` (missing file = no user programs).
    static ProgramRegistry load(const QString& userFile = defaultUserFile());
    // Built-in JSON and optional user JSON given as bytes (tests).
    static ProgramRegistry fromJson(const QByteArray& builtin, const QByteArray& user = {},
                                    const QString& userSource = QStringLiteral("user file"));
    static QString defaultUserFile();
    static QByteArray builtinJson();

    const QList<Program>& programs() const { return programs_; }
    const Program* find(const QString& id) const;
    const QList<ProgramIssue>& issues() const { return issues_; }
    // Model id -> folder, from the files' "model_locations" (paths expanded).
    const QMap<QString, QString>& modelLocations() const { return modelLocations_; }

  private:
    QList<Program> programs_;
    QList<ProgramIssue> issues_;
    QMap<QString, QString> modelLocations_;
};

// A path from a programs file: "${NAME}" takes the environment variable NAME (an unset one
// is an error), "~/" the home folder; a relative result is taken from `baseDir`.
// Returns an empty string and sets `error` when it cannot be expanded.
QString expandProgramPath(const QString& raw, const QString& baseDir, QString* error);

}  // namespace archival::pipeline
