#pragma once
// The one source of program settings. Loads the built-in programs (resources/programs.json,
// compiled in) and the user's file (<config>/programs.json), which overrides programs by
// id or adds new ones. Validation is strict and reports every bad field by program id and
// field name; a broken user entry never removes a built-in program.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include "pipeline/asset_resolver.h"
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
    // Built-ins plus the user file at `userFile` (missing file = no user programs). Assets
    // are found through `explicitAssetPaths` (asset name -> file, from the settings), the
    // "assets" folder beside `userFile`, then the data folder (see asset_resolver.h).
    static ProgramRegistry load(const QString& userFile = defaultUserFile(),
                                const QMap<QString, QString>& explicitAssetPaths = {});
    // Built-in JSON and optional user JSON given as bytes (tests). Assets are looked for
    // beside `userSource` when it names a file, then in the data folder.
    static ProgramRegistry fromJson(const QByteArray& builtin, const QByteArray& user = {},
                                    const QString& userSource = QStringLiteral("user file"));
    static QString defaultUserFile();
    static QByteArray builtinJson();

    const QList<Program>& programs() const { return programs_; }
    const Program* find(const QString& id) const;
    const QList<ProgramIssue>& issues() const { return issues_; }
    // Model id -> folder, from the files' "model_locations" (paths expanded).
    const QMap<QString, QString>& modelLocations() const { return modelLocations_; }

    // Finds every program's assets again in `locations`: a program whose asset is missing
    // stays listed, unavailable, with where it was looked for (Program::assetProblems).
    void setAssetLocations(const AssetLocations& locations);
    const AssetLocations& assetLocations() const { return assetLocations_; }

  private:
    QList<Program> programs_;
    QList<ProgramIssue> issues_;
    QMap<QString, QString> modelLocations_;
    AssetLocations assetLocations_;
};

// A path from a programs file: "${NAME}" takes the environment variable NAME (an unset one
// is an error), "~/" the home folder; a relative result is taken from `baseDir`.
// Returns an empty string and sets `error` when it cannot be expanded.
QString expandProgramPath(const QString& raw, const QString& baseDir, QString* error);

}  // namespace archival::pipeline
