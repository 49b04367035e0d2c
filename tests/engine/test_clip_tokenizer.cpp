// CLIP BPE tokenizer: every case of tokenizers/clip/cases.json through every CLIP tokenizer
// folder of the fixtures (SD 1.5 / SD3 `tokenizer` pad with 49407, SD3 `tokenizer_2` pads
// with `!` = 0 and maps every `!` to 0), truncation reporting, and typed errors for files
// that are not a BPE tokenizer.
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/tokenizers/clip_tokenizer.h"
#include "engine/tokenizers/unicode_text.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

using Ids = std::vector<std::int64_t>;

nlohmann::json readCases() {
    const QString path = archival::test::fixturesDir() + "/tokenizers/clip/cases.json";
    std::ifstream in(path.toStdString());
    if (!in) return nlohmann::json::array();
    return nlohmann::json::parse(in);
}

// The pad token a folder declares, read straight from its files (special_tokens_map.json
// wins over tokenizer_config.json, as in transformers); empty when neither says.
QString declaredPadToken(const QString& folder) {
    QString pad;
    for (const char* name : {"tokenizer_config.json", "special_tokens_map.json"}) {
        QFile f(folder + "/" + name);
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QJsonValue v = QJsonDocument::fromJson(f.readAll()).object().value("pad_token");
        if (v.isString()) pad = v.toString();
        if (v.isObject()) pad = v.toObject().value("content").toString();
    }
    return pad;
}

// Every folder of the fixtures holding a CLIP tokenizer (vocab.json + merges.txt).
QStringList tokenizerFolders() {
    QStringList folders;
    QDirIterator it(archival::test::fixturesDir(), {QStringLiteral("merges.txt")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo merges(it.next());
        if (QFileInfo::exists(merges.absolutePath() + "/vocab.json"))
            folders << merges.absolutePath();
    }
    folders.sort();
    return folders;
}

QString idsText(const Ids& ids) {
    QStringList parts;
    for (auto id : ids) parts << QString::number(id);
    return "[" + parts.join(",") + "]";
}

void expectLoadError(const std::function<void()>& load, const QString& mustMention) {
    try {
        load();
        QFAIL("a broken tokenizer loaded");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), ErrorKind::ModelLoad);
        QVERIFY2(QString::fromStdString(e.what()).contains(mustMention), e.what());
    }
}

QByteArray readBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestClipTokenizer : public QObject {
    Q_OBJECT
  private:
    nlohmann::json cases_;

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        cases_ = readCases();
        QVERIFY2(cases_.is_array() && !cases_.empty(), "tokenizers/clip/cases.json has no cases");
        QVERIFY2(!tokenizerFolders().isEmpty(), "no CLIP tokenizer folder in the fixtures");
    }

    void reproducesEveryCase_data() {
        QTest::addColumn<QString>("folder");
        const QStringList folders = tokenizerFolders();
        for (const QString& folder : folders)
            QTest::newRow(qPrintable(QDir(archival::test::fixturesDir()).relativeFilePath(folder)))
                << folder;
        archival::test::addRowIfNothingFound(int(folders.size()),
                                             "a folder with vocab.json + merges.txt");
    }

    void reproducesEveryCase() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, folder);
        const ClipTokenizer tok = ClipTokenizer::fromFolder(folder.toStdString());
        // SD3 tokenizer_2 declares `!` as its pad token; its expectations are the *_tokenizer_2
        // columns.
        const bool padsWithBang = declaredPadToken(folder) == QLatin1String("!");
        const char* idsKey = padsWithBang ? "ids_tokenizer_2" : "ids";
        const char* paddedKey = padsWithBang ? "padded_77_tokenizer_2" : "padded_77";

        QStringList failures;
        std::size_t checked = 0;
        for (const auto& c : cases_) {
            const std::string text = c.at("text").get<std::string>();
            const Ids ids = c.at(idsKey).get<Ids>();
            const Ids padded = c.at(paddedKey).get<Ids>();
            const bool truncated = c.at("truncated").get<bool>();

            const Ids full = tok.encodeUntruncated(text);
            const Tokenized enc = tok.encode(text);
            const std::size_t tokens = ids.size() - 2;
            const std::size_t room = padded.size() - 2;
            QString problem;
            if (full != ids) {
                problem = "ids " + idsText(full) + " expected " + idsText(ids);
            } else if (enc.ids != padded) {
                problem = "padded " + idsText(enc.ids) + " expected " + idsText(padded);
            } else if (enc.truncated != truncated || enc.tokenCount != tokens ||
                       enc.droppedTokens != (tokens > room ? tokens - room : 0) ||
                       tok.countTokens(text) != tokens) {
                problem = QString("truncation report: truncated %1 count %2 dropped %3")
                              .arg(enc.truncated)
                              .arg(enc.tokenCount)
                              .arg(enc.droppedTokens);
            }
            if (!problem.isEmpty())
                failures << QString::fromStdString(c.at("text").dump()) + ": " + problem;
            ++checked;
        }
        qInfo("%s: %zu cases, %lld failures", qPrintable(folder), checked,
              static_cast<long long>(failures.size()));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 10).join("\n")));
        QCOMPARE(static_cast<std::size_t>(tok.maxLength()),
                 cases_.at(0).at(paddedKey).get<Ids>().size());
    }

    void specialIdsAndPadding() {
        const QString fixtures = archival::test::fixturesDir();
        const auto l = ClipTokenizer::fromFolder((fixtures + "/models/clip-l-tiny").toStdString());
        const auto g = ClipTokenizer::fromFolder((fixtures + "/models/clip-g-tiny").toStdString());
        // Ids from the vocabulary (README-text.md): BOS 49406, EOS 49407; pads 49407 / 0.
        QCOMPARE(l.bosId(), std::int64_t(49406));
        QCOMPARE(l.eosId(), std::int64_t(49407));
        QCOMPARE(l.padId(), std::int64_t(49407));
        QCOMPARE(g.padId(), std::int64_t(0));
        QCOMPARE(l.capacity(), std::size_t(75));
        QCOMPARE(l.tokenText(49406), std::string("<|startoftext|>"));
        QCOMPARE(l.vocabSize(), std::size_t(49408));
        // An empty prompt still gets BOS + EOS.
        const Tokenized empty = l.encode("");
        QCOMPARE(empty.ids[0], std::int64_t(49406));
        QCOMPARE(empty.ids[1], std::int64_t(49407));
        QCOMPARE(empty.tokenCount, std::size_t(0));
    }

    void truncationIsReported() {
        const auto tok = ClipTokenizer::fromFolder(
            (archival::test::fixturesDir() + "/tokenizers/clip").toStdString());
        std::string text;
        for (int i = 0; i < 100; ++i) text += "cat ";
        const Tokenized enc = tok.encode(text);
        QCOMPARE(enc.tokenCount, std::size_t(100));
        QCOMPARE(enc.droppedTokens, std::size_t(25));
        QVERIFY(enc.truncated);
        QCOMPARE(enc.ids.size(), std::size_t(77));
        QCOMPARE(enc.ids.back(), tok.eosId());  // EOS survives truncation
        QCOMPARE(enc.ids[75], enc.ids[1]);      // the 75th "cat"
    }

    void invalidUtf8IsARequestError() {
        const auto tok = ClipTokenizer::fromFolder(
            (archival::test::fixturesDir() + "/tokenizers/clip").toStdString());
        try {
            tok.encode("caf\xC3");
            QFAIL("invalid UTF-8 was accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
        }
    }

    void unicodeHelpersMatchPython() {
        // Expected values from CPython 3.11 (unicodedata 14.0.0) str.lower() / normalize("NFC").
        QCOMPARE(unicode::toLowerPython(U"\u039F\u0394\u039F\u03A3"),
                 std::u32string(U"\u03BF\u03B4\u03BF\u03C2"));
        QCOMPARE(unicode::toLowerPython(U"\u03A3\u0391"), std::u32string(U"\u03C3\u03B1"));
        QCOMPARE(unicode::toLowerPython(U"A\u03A3'"), std::u32string(U"a\u03C2'"));
        QCOMPARE(unicode::toLowerPython(U"A\u03A3'B"), std::u32string(U"a\u03C3'b"));
        QCOMPARE(unicode::toLowerPython(U"\u0130X"), std::u32string(U"i\u0307x"));
        QCOMPARE(unicode::toLowerPython(U"\u212A\u01C5\uFF21"), std::u32string(U"k\u01C6\uFF41"));
        QCOMPARE(unicode::toNfc(U"e\u0301cole"), std::u32string(U"\u00E9cole"));
        QCOMPARE(unicode::toNfc(U"\u1100\u1161\u11A8"), std::u32string(U"\uAC01"));
        QCOMPARE(unicode::toNfc(U"a\u0301\u0328"), std::u32string(U"\u0105\u0301"));
        QCOMPARE(unicode::toNfc(U"\u0958"), std::u32string(U"\u0915\u093C"));
        QCOMPARE(unicode::toNfc(U"\u212B"), std::u32string(U"\u00C5"));
        QCOMPARE(std::string(unicode::category(U'\u00A0')), std::string("Zs"));
        QVERIFY(unicode::isPythonSpace(U'\u2028'));
        QVERIFY(!unicode::isPythonSpace(U'\u200B'));
        QVERIFY(unicode::isLetter(U'\u3042') && unicode::isNumber(U'\u2460'));
    }

    void rejectsFilesThatAreNotABpeTokenizer() {
        const QString source = archival::test::fixturesDir() + "/tokenizers/clip";
        const QByteArray vocab = readBytes(source + "/vocab.json");
        const QByteArray merges = readBytes(source + "/merges.txt");
        QVERIFY(!vocab.isEmpty() && !merges.isEmpty());
        QTemporaryDir dir;
        const QString vocabPath = dir.filePath("vocab.json"),
                      mergesPath = dir.filePath("merges.txt");
        auto load = [&] { ClipTokenizer::fromFolder(dir.path().toStdString()); };

        // A unigram (SentencePiece-style) vocabulary is a list, not token -> id.
        archival::test::writeFile(vocabPath, R"([["<unk>", 0.0], ["a", -1.5]])");
        archival::test::writeFile(mergesPath, merges);
        expectLoadError(load, vocabPath);
        // A tokenizer.json-like object.
        archival::test::writeFile(vocabPath, R"({"version": "1.0", "model": {"type": "BPE"}})");
        expectLoadError(load, vocabPath);
        // Not JSON at all.
        archival::test::writeFile(vocabPath, "\x0a\x0bnot json");
        expectLoadError(load, vocabPath);
        // A token -> id map that is not byte-level.
        archival::test::writeFile(vocabPath, R"({"a": 0, "b": 1})");
        expectLoadError(load, "byte symbol");

        // merges.txt without its "#version" header.
        archival::test::writeFile(vocabPath, vocab);
        archival::test::writeFile(mergesPath, merges.mid(merges.indexOf('\n') + 1));
        expectLoadError(load, mergesPath);
        // A merge line that is not a pair.
        archival::test::writeFile(mergesPath, "#version: 0.2\ni n t\n");
        expectLoadError(load, mergesPath + " line 2");
        // Missing merges.txt.
        QFile::remove(mergesPath);
        expectLoadError(load, "merges.txt");
        // Missing folder.
        expectLoadError([&] { ClipTokenizer::fromFolder(dir.filePath("nope").toStdString()); },
                        "nope");

        // Intact files load.
        archival::test::writeFile(mergesPath, merges);
        QCOMPARE(ClipTokenizer::fromFolder(dir.path().toStdString()).padId(), std::int64_t(49407));
    }
};

QTEST_GUILESS_MAIN(TestClipTokenizer)
#include "test_clip_tokenizer.moc"
