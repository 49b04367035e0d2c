#include "adapters/host/live_command.h"

#include <QLocale>
#include <QRegularExpression>
#include <cmath>

namespace archival::adapters::host {

namespace {

// The bare prompt's program: the exhibition client sends P0 prompts without a prefix.
const QString kBareProgram = QStringLiteral("P0");

// What the seed's programs do with the text after the colon (SEED-COMPAT.md, "Live
// WebSocket"). Any other program the host has takes that text as its prompt.
struct SeedRule {
    const char* id;
    const char* prompt;  // fixed: the text after the colon is not a prompt
    bool fixedPrompt;    // else `prompt` only replaces an empty one
    bool strength;       // the text after the colon is a strength
};
constexpr SeedRule kSeedRules[] = {
    {"P2", "epic poem of malaya", true, true},
    {"P2B", "epic poem of malaya", true, true},
    {"P3", "chua mia tee painting", true, false},
    {"P3B", "chua mia tee painting", false, false},
    {"P4", "person", false, false},
};

const SeedRule* seedRule(const QString& program) {
    for (const SeedRule& rule : kSeedRules)
        if (program == QLatin1String(rule.id)) return &rule;
    return nullptr;
}

LiveCommand refused(const QString& why) {
    LiveCommand c;
    c.kind = LiveCommand::Kind::Refused;
    c.reply = QStringLiteral("error:") + why;
    return c;
}

// A generation, once its prompt passes the limits.
LiveCommand generate(const QString& program, const QString& prompt, std::optional<double> strength,
                     const HostLimits& limits) {
    if (prompt.isEmpty()) return refused(QStringLiteral("the prompt is empty"));
    if (prompt.size() > limits.maxPromptChars)
        return refused(QStringLiteral("the prompt has %1 characters; at most %2 are allowed")
                           .arg(prompt.size())
                           .arg(limits.maxPromptChars));
    LiveCommand c;
    c.kind = LiveCommand::Kind::Generate;
    c.program = program;
    c.prompt = prompt;
    c.strength = strength;
    return c;
}

}  // namespace

LiveCommand parseLiveCommand(const QString& text, const QStringList& programIds,
                             const HostLimits& limits) {
    const qsizetype bytes = text.toUtf8().size();
    if (bytes > limits.maxMessageBytes)
        return refused(QStringLiteral("the message has %1 bytes; at most %2 are allowed")
                           .arg(bytes)
                           .arg(limits.maxMessageBytes));
    const QString trimmed = text.trimmed();
    if (trimmed == QLatin1String("ping")) {
        LiveCommand c;
        c.kind = LiveCommand::Kind::Ping;
        c.reply = QStringLiteral("pong");
        return c;
    }

    // Command-shaped: "P", digits, optional letters, then a colon or the end. Upper-case "P"
    // only, as the exhibition client sends it; anything else is a prompt (colons and all).
    static const QRegularExpression command(QStringLiteral("^(P[0-9]+[A-Za-z]*)(?::(.*))?$"),
                                            QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch match = command.match(trimmed);
    if (!match.hasMatch()) {
        if (!programIds.contains(kBareProgram))
            return refused(
                QStringLiteral("this host has no program %1 for a bare prompt").arg(kBareProgram));
        return generate(kBareProgram, trimmed, std::nullopt, limits);
    }

    const QString program = match.captured(1);
    if (!programIds.contains(program)) {
        LiveCommand c;
        c.kind = LiveCommand::Kind::UnknownCommand;
        c.reply = QStringLiteral("unknown command: ") + text;
        return c;
    }
    const QString rest = match.captured(2).trimmed();
    const SeedRule* rule = seedRule(program);
    if (!rule) return generate(program, rest, std::nullopt, limits);

    std::optional<double> strength;
    if (rule->strength) {
        // Not a number: the program's own strength (the seed's P2 and P2B have 0.8).
        bool number = false;
        const double value = QLocale::c().toDouble(rest, &number);
        if (number) {
            if (!std::isfinite(value) || value <= 0.0 || value > 1.0)
                return refused(
                    QStringLiteral("the strength %1 is outside (0, 1]").arg(rest.left(32)));
            strength = value;
        }
    }
    const QString prompt =
        rule->fixedPrompt || rest.isEmpty() ? QString::fromLatin1(rule->prompt) : rest;
    return generate(program, prompt, strength, limits);
}

}  // namespace archival::adapters::host
