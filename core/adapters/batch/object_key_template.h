#pragma once
// Where a batch set's objects go in the bucket: a key template with named fields, expanded
// once when a set is queued (the record keeps the result, so a resumed set never moves).
//
//   {prefix}   the destination's key prefix ("" or "exhibit/2026")
//   {action}   the action id (the seed's cue id)
//   {program}  the program id
//   {set}      the set id (0, 1, ...); {set:03} zero-pads it to 3 digits (set_000 ...)
//
// Empty path segments are dropped, so "{prefix}/actions/{action}/sets/{set}" with no prefix is
// the reference service's "actions/<action>/sets/<set>". The set's files (previews, final
// image, meta.json) go under the expanded folder.
//
//   const QString why = ObjectKeyTemplate::problem(text);   // empty: usable
//   const QString folder = ObjectKeyTemplate::expand(text, {prefix, action, program, 3});

#include <QString>

namespace archival::adapters {

struct ObjectKeyFields {
    QString prefix;
    QString action;
    QString program;
    qint64 set = 0;
};

class ObjectKeyTemplate {
  public:
    // The reference service's layout (the default) and the studio's earlier one.
    static QString seed() { return QStringLiteral("{prefix}/actions/{action}/sets/{set}"); }
    static QString studio() { return QStringLiteral("{prefix}/{action}/{program}/set_{set:03}"); }

    // "seed" and "studio" name the two layouts above; anything else is a template itself.
    static QString resolve(const QString& nameOrTemplate);
    // Why `text` cannot be a key template, for a person; empty when it can. A template names
    // {action} and {set} (else two sets would share a key), knows only the fields above, and
    // has no "." or ".." segment and no character outside letters, digits, '/', '.', '_', '-'.
    static QString problem(const QString& text);
    // The set's folder in the bucket, without a leading or trailing slash. `text` must be
    // usable (problem() empty).
    static QString expand(const QString& text, const ObjectKeyFields& fields);
    // Whether sets of two programs with the same action and set id get different keys.
    static bool namesProgram(const QString& text);
};

}  // namespace archival::adapters
