#include "adapters/cli/program_table.h"

#include <QList>
#include <QStringList>
#include <algorithm>

namespace archival::adapters {

QString renderProgramTable(const pipeline::ProgramRegistry& registry) {
    const QStringList header = {QStringLiteral("ID"),       QStringLiteral("MODEL"),
                                QStringLiteral("KIND"),     QStringLiteral("STEPS"),
                                QStringLiteral("GUIDANCE"), QStringLiteral("SIZE"),
                                QStringLiteral("TEMPLATE")};
    QList<QStringList> rows{header};
    for (const auto& p : registry.programs()) {
        QString kind = p.kind;
        if (p.kind == QLatin1String("image-to-image"))
            kind += QStringLiteral(" (strength %1)").arg(p.strength);
        rows.append({p.id, p.model, kind, QString::number(p.steps), QString::number(p.guidance),
                     p.sizeText(), p.promptTemplate});
    }
    QList<int> widths(header.size(), 0);
    for (const auto& row : rows)
        for (int c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], static_cast<int>(row[c].size()));

    QString out;
    for (const auto& row : rows) {
        QString line;
        for (int c = 0; c < row.size(); ++c)
            line += c + 1 < row.size() ? row[c].leftJustified(widths[c] + 2) : row[c];
        out += line + QLatin1Char('\n');
    }
    // A program whose asset is missing stays in the table; why it cannot run comes after.
    for (const auto& p : registry.programs())
        for (const QString& problem : p.assetProblems)
            out += QStringLiteral("unavailable: %1: %2\n").arg(p.id, problem);
    for (const auto& issue : registry.issues())
        out += QStringLiteral("warning: ") + issue.toString() + QLatin1Char('\n');
    return out;
}

}  // namespace archival::adapters
