// The exhibition client's live dialect, one message at a time (parseLiveCommand): every row
// of SEED-COMPAT.md's table and the edges around it.
#include <QtTest>

#include "adapters/host/live_command.h"

using namespace archival::adapters::host;
using Kind = LiveCommand::Kind;

namespace {

// The seed's six programs, as the host's registry lists them.
const QStringList kSeedPrograms = {"P0", "P2", "P2B", "P3", "P3B", "P4"};

LiveCommand parse(const QString& text, const QStringList& programs = kSeedPrograms,
                  HostLimits limits = {}) {
    return parseLiveCommand(text, programs, limits);
}

QString kindName(Kind kind) {
    switch (kind) {
        case Kind::Ping:
            return QStringLiteral("ping");
        case Kind::Generate:
            return QStringLiteral("generate");
        case Kind::UnknownCommand:
            return QStringLiteral("unknown");
        case Kind::Refused:
            return QStringLiteral("refused");
    }
    return {};
}

}  // namespace

class TestLiveCommand : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // What each message generates: program, prompt as typed, strength (-1: the program's).
    void generations_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<double>("strength");
        QTest::newRow("bare prompt is P0") << "machine learning summit"
                                           << "P0"
                                           << "machine learning summit" << -1.0;
        QTest::newRow("P0 prefix") << "P0:machine learning summit"
                                   << "P0"
                                   << "machine learning summit" << -1.0;
        QTest::newRow("prompt with colons") << "P0:time: 10:30, a clock"
                                            << "P0"
                                            << "time: 10:30, a clock" << -1.0;
        QTest::newRow("bare prompt with colons") << "time: 10:30, a clock"
                                                 << "P0"
                                                 << "time: 10:30, a clock" << -1.0;
        QTest::newRow("white space trimmed") << "  \tP0:  a harbour \n"
                                             << "P0"
                                             << "a harbour" << -1.0;
        QTest::newRow("P2 strength") << "P2:0.80"
                                     << "P2"
                                     << "epic poem of malaya" << 0.8;
        QTest::newRow("P2 strength with spaces") << "P2: 0.5 "
                                                 << "P2"
                                                 << "epic poem of malaya" << 0.5;
        QTest::newRow("P2 strength 1") << "P2:1"
                                       << "P2"
                                       << "epic poem of malaya" << 1.0;
        QTest::newRow("P2 not a number") << "P2:abc"
                                         << "P2"
                                         << "epic poem of malaya" << -1.0;
        QTest::newRow("P2 empty") << "P2:"
                                  << "P2"
                                  << "epic poem of malaya" << -1.0;
        QTest::newRow("P2 bare") << "P2"
                                 << "P2"
                                 << "epic poem of malaya" << -1.0;
        QTest::newRow("P2B strength") << "P2B:0.5"
                                      << "P2B"
                                      << "epic poem of malaya" << 0.5;
        QTest::newRow("P3 bare") << "P3"
                                 << "P3"
                                 << "chua mia tee painting" << -1.0;
        QTest::newRow("P3 colon") << "P3:"
                                  << "P3"
                                  << "chua mia tee painting" << -1.0;
        QTest::newRow("P3 ignores its text") << "P3:a red boat"
                                             << "P3"
                                             << "chua mia tee painting" << -1.0;
        QTest::newRow("P3B prompt") << "P3B:a red boat"
                                    << "P3B"
                                    << "a red boat" << -1.0;
        QTest::newRow("P3B empty") << "P3B:"
                                   << "P3B"
                                   << "chua mia tee painting" << -1.0;
        QTest::newRow("P3B blank") << "P3B:   "
                                   << "P3B"
                                   << "chua mia tee painting" << -1.0;
        QTest::newRow("P4 prompt") << "P4:in a market"
                                   << "P4"
                                   << "in a market" << -1.0;
        QTest::newRow("P4 empty") << "P4:"
                                  << "P4"
                                  << "person" << -1.0;
        QTest::newRow("P4 bare") << "P4"
                                 << "P4"
                                 << "person" << -1.0;
        // Upper-case P only: "p3" is not a command, so it is a P0 prompt.
        QTest::newRow("lower case is a prompt") << "p3"
                                                << "P0"
                                                << "p3" << -1.0;
        QTest::newRow("lower case prefix is a prompt") << "p0:a cat"
                                                       << "P0"
                                                       << "p0:a cat" << -1.0;
        QTest::newRow("space in the id is a prompt") << "P 3:a cat"
                                                     << "P0"
                                                     << "P 3:a cat" << -1.0;
        QTest::newRow("JSON-looking text is a prompt") << "{not json"
                                                       << "P0"
                                                       << "{not json" << -1.0;
        QTest::newRow("ping with more is a prompt") << "ping pong"
                                                    << "P0"
                                                    << "ping pong" << -1.0;
        QTest::newRow("Ping upper case is a prompt") << "Ping"
                                                     << "P0"
                                                     << "Ping" << -1.0;
    }
    void generations() {
        QFETCH(QString, text);
        QFETCH(QString, program);
        QFETCH(QString, prompt);
        QFETCH(double, strength);
        const LiveCommand c = parse(text);
        QVERIFY2(c.kind == Kind::Generate, qPrintable(kindName(c.kind) + ": " + c.reply));
        QCOMPARE(c.program, program);
        QCOMPARE(c.prompt, prompt);
        if (strength < 0) {
            QVERIFY2(!c.strength, "the program's own strength");
        } else {
            QVERIFY(c.strength);
            QCOMPARE(*c.strength, strength);
        }
        QVERIFY(c.reply.isEmpty());
    }

    void pingIsAnsweredPong() {
        for (const QString& text : {QStringLiteral("ping"), QStringLiteral(" ping\n")}) {
            const LiveCommand c = parse(text);
            QCOMPARE(c.kind, Kind::Ping);
            QCOMPARE(c.reply, QStringLiteral("pong"));
        }
    }

    // Command-shaped text naming no program: the reply echoes what was sent.
    void unknownCommands_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("P12:") << "P12:";
        QTest::newRow("P12 with a prompt") << "P12:a cat";
        QTest::newRow("P1 bare") << "P1";
        QTest::newRow("P3Bx") << "P3Bx";
        QTest::newRow("P3Bx with colon") << "P3Bx:a cat";
        QTest::newRow("P5 with colons") << "P5:a:b";
        QTest::newRow("spaces kept in the echo") << " P9: x ";
    }
    void unknownCommands() {
        QFETCH(QString, text);
        const LiveCommand c = parse(text);
        QCOMPARE(kindName(c.kind), kindName(Kind::UnknownCommand));
        QCOMPARE(c.reply, QStringLiteral("unknown command: ") + text);
    }

    // The registry decides which ids exist: a seed id the host lacks is unknown, a program
    // the seed never had is reachable, and its text is its prompt.
    void programsComeFromTheRegistry() {
        const QStringList programs = {"P0", "P2", "P7X"};
        QCOMPARE(parse("P2B:0.5", programs).kind, Kind::UnknownCommand);
        QCOMPARE(parse("P2B:0.5", programs).reply, QStringLiteral("unknown command: P2B:0.5"));
        QCOMPARE(parse("P3", programs).kind, Kind::UnknownCommand);
        const LiveCommand other = parse("P7X:a lantern", programs);
        QCOMPARE(other.kind, Kind::Generate);
        QCOMPARE(other.program, QStringLiteral("P7X"));
        QCOMPARE(other.prompt, QStringLiteral("a lantern"));
        QCOMPARE(parse("P7X:", programs).kind, Kind::Refused);
    }

    void bareTextNeedsP0() {
        const LiveCommand c = parse("a cat", {"P3"});
        QCOMPARE(c.kind, Kind::Refused);
        QVERIFY2(c.reply.startsWith("error:") && c.reply.contains("P0"), qPrintable(c.reply));
    }

    // Refusals are "error:" lines; nothing is generated.
    void refusals_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty message") << ""
                                       << "empty";
        QTest::newRow("blank message") << "  \n "
                                       << "empty";
        QTest::newRow("P0 empty") << "P0:"
                                  << "empty";
        QTest::newRow("P0 bare") << "P0"
                                 << "empty";
        QTest::newRow("strength above 1") << "P2:1.5"
                                          << "outside (0, 1]";
        QTest::newRow("strength 0") << "P2:0"
                                    << "outside (0, 1]";
        QTest::newRow("negative strength") << "P2B:-0.2"
                                           << "outside (0, 1]";
        QTest::newRow("infinite strength") << "P2:inf"
                                           << "outside (0, 1]";
    }
    void refusals() {
        QFETCH(QString, text);
        QFETCH(QString, says);
        const LiveCommand c = parse(text);
        QCOMPARE(kindName(c.kind), kindName(Kind::Refused));
        QVERIFY2(c.reply.startsWith("error:") && c.reply.contains(says), qPrintable(c.reply));
    }

    void limits() {
        HostLimits limits;
        limits.maxPromptChars = 10;
        limits.maxMessageBytes = 40;
        QCOMPARE(parse("P0:0123456789", kSeedPrograms, limits).kind, Kind::Generate);
        const LiveCommand longPrompt = parse("P0:0123456789a", kSeedPrograms, limits);
        QCOMPARE(longPrompt.kind, Kind::Refused);
        QVERIFY2(longPrompt.reply.contains("at most 10"), qPrintable(longPrompt.reply));
        // The fixed prompts count too: P3's is 21 characters.
        QCOMPARE(parse("P3", kSeedPrograms, limits).kind, Kind::Refused);
        // UTF-8 bytes, as on the wire: 14 characters of 3 bytes each.
        const LiveCommand big = parse(QString(14, QChar(0x6f22)), kSeedPrograms, limits);
        QCOMPARE(big.kind, Kind::Refused);
        QVERIFY2(big.reply.contains("42 bytes"), qPrintable(big.reply));
    }
};

QTEST_GUILESS_MAIN(TestLiveCommand)
#include "test_live_command.moc"
