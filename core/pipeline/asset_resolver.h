#pragma once
// Finds a program's asset (a fixed source image, a LoRA file) the way models are found:
//   1. an explicit path set in settings for that asset name ("assets/explicitPaths");
//   2. the "assets" folder beside the user's programs file (for --programs FILE: beside FILE);
//   3. the data folder's "assets" (QStandardPaths::AppDataLocation).
// A program names an asset by its bare file name ("malaya.png"); a value with a folder in it
// ("loras/x.safetensors", "${ARCHIVAL_FIXTURES}/…", an absolute path) is a path instead and
// is only checked for existence.

#include <QMap>
#include <QString>
#include <QStringList>

namespace archival::pipeline {

struct AssetLocations {
    QMap<QString, QString> explicitPaths;  // asset name -> file
    QStringList folders;                   // searched in order after the explicit paths

    // <AppDataLocation>/assets.
    static QString dataFolder();
    // The folders for a user programs file: <its folder>/assets, then the data folder.
    static AssetLocations besideProgramsFile(const QString& programsFile);
};

struct AssetResolution {
    QString name;          // as the program names it
    QString path;          // the file found; empty when none
    QStringList searched;  // every place looked at, in order

    bool found() const { return !path.isEmpty(); }
    // "malaya.png: /…/assets/malaya.png" or "malaya.png not found (looked in …)".
    QString describe() const;
};

// True when `value` is a bare asset name (no folder, no variable, no "~").
bool isAssetName(const QString& value);

// Resolves a bare asset name through `locations`, or checks that a path exists.
AssetResolution resolveAsset(const QString& nameOrPath, const AssetLocations& locations);

}  // namespace archival::pipeline
