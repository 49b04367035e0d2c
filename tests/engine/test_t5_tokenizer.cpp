// T5 SentencePiece tokenizer (SD3 tokenizer_3): every case of tokenizers/t5/cases.json, the
// padded / truncated forms at every length the cases list, and the errors.
#include <ATen/ATen.h>

#include <QDir>
#include <QDirIterator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/tokenizers/t5_tokenizer.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

QString t5Dir() {
    return archival::test::fixturesDir() + QStringLiteral("/tokenizers/t5");
}

nlohmann::json readJson(const QString& path) {
    std::ifstream in(path.toStdString());
    if (!in) throw std::runtime_error("cannot read " + path.toStdString());
    return nlohmann::json::parse(in);
}

std::vector<std::int64_t> idList(const nlohmann::json& j) {
    return j.get<std::vector<std::int64_t>>();
}

QString show(const std::vector<std::int64_t>& ids) {
    QStringList parts;
    for (auto id : ids) parts << QString::number(id);
    return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
}

// The lengths the cases were padded to: every "padded_<N>" key.
std::vector<int> paddedLengths(const nlohmann::json& oneCase) {
    std::vector<int> lengths;
    static const QRegularExpression key(QStringLiteral("^padded_(\\d+)$"));
    for (const auto& item : oneCase.items()) {
        const auto m = key.match(QString::fromStdString(item.key()));
        if (m.hasMatch()) lengths.push_back(m.captured(1).toInt());
    }
    return lengths;
}

void expectModelLoadNaming(const std::function<void()>& call, const QString& name) {
    try {
        call();
        QFAIL("no error");
    } catch (const EngineError& e) {
        qInfo("%s", e.what());
        QCOMPARE(e.kind(), ErrorKind::ModelLoad);
        QVERIFY2(QString::fromStdString(e.what()).contains(name), e.what());
    }
}

}  // namespace

class TestT5Tokenizer : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void everyCaseMatches() {
        const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(t5Dir().toStdString());
        const nlohmann::json cases = readJson(t5Dir() + QStringLiteral("/cases.json"));
        QVERIFY(cases.is_array() && !cases.empty());
        std::size_t checkedPadded = 0, checkedTruncated = 0;
        for (const auto& c : cases) {
            const std::string text = c.at("text").get<std::string>();
            const QString where =
                QStringLiteral("case %1").arg(QString::fromStdString(c.dump()).left(120));
            const auto expected = idList(c.at("ids"));
            const auto ids = tokenizer.encodeUntruncated(text);
            QVERIFY2(ids == expected, qPrintable(where + QStringLiteral(": got ") + show(ids)));
            const std::vector<std::int64_t> pieces(expected.begin(), expected.end() - 1);
            QVERIFY2(tokenizer.tokenize(text) == pieces, qPrintable(where));
            QCOMPARE(tokenizer.countTokens(text), pieces.size());

            const auto lengths = paddedLengths(c);
            QVERIFY2(!lengths.empty(), qPrintable(where + QStringLiteral(": no padded_<N>")));
            for (int n : lengths) {
                const std::string suffix = std::to_string(n);
                const T5Tokens t = tokenizer.encode(text, n);
                const auto padded = idList(c.at("padded_" + suffix));
                QVERIFY2(t.ids == padded, qPrintable(QStringLiteral("%1, length %2: got %3")
                                                         .arg(where)
                                                         .arg(n)
                                                         .arg(show(t.ids))));
                QCOMPARE(t.truncated, c.at("truncated_" + suffix).get<bool>());
                QCOMPARE(t.tokenCount, pieces.size());
                QCOMPARE(t.droppedTokens, t.truncated ? pieces.size() - (n - 1) : std::size_t(0));
                // EOS is always present, exactly once, and last when truncated.
                QCOMPARE(std::count(t.ids.begin(), t.ids.end(), tokenizer.eosId()), 1L);
                if (t.truncated) QCOMPARE(t.ids.back(), tokenizer.eosId());
                ++checkedPadded;
                checkedTruncated += t.truncated;
            }
        }
        qInfo("%zu cases, %zu padded forms, %zu truncated", static_cast<std::size_t>(cases.size()),
              checkedPadded, checkedTruncated);
    }

    void idsOfTheVocabulary() {
        const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(t5Dir().toStdString());
        // T5: pad 0, EOS 1, unk 2, no BOS (README-text.md / SOURCE.md).
        QCOMPARE(tokenizer.padId(), std::int64_t(0));
        QCOMPARE(tokenizer.eosId(), std::int64_t(1));
        QCOMPARE(tokenizer.unkId(), std::int64_t(2));
        QCOMPARE(tokenizer.pieceText(1), std::string("</s>"));
        QVERIFY(tokenizer.pieceText(-1).empty());
        QVERIFY(tokenizer.vocabSize() > 3);
        QVERIFY(tokenizer.pieceText(std::int64_t(tokenizer.vocabSize())).empty());
        QCOMPARE(T5Tokenizer::capacity(), std::size_t(255));
        // The spiece.model file itself works as well as its folder.
        const T5Tokenizer byFile =
            T5Tokenizer::fromFolder((t5Dir() + QStringLiteral("/spiece.model")).toStdString());
        QCOMPARE(byFile.encode("painting of singapore").ids,
                 tokenizer.encode("painting of singapore").ids);
        QVERIFY(!tokenizer.modelMaxLength().has_value());  // no tokenizer_config.json there
    }

    void readsModelMaxLengthFromTokenizerConfig() {
        // A model folder laid out like SD3's tokenizer_3/ (spiece.model + tokenizer_config.json).
        QDirIterator it(archival::test::fixturesDir() + QStringLiteral("/models"),
                        {QStringLiteral("spiece.model")}, QDir::Files,
                        QDirIterator::Subdirectories);
        int folders = 0;
        while (it.hasNext()) {
            const QString folder = QFileInfo(it.next()).absolutePath();
            const QString configPath = folder + QStringLiteral("/tokenizer_config.json");
            if (!QFile::exists(configPath)) continue;
            const nlohmann::json config = readJson(configPath);
            const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(folder.toStdString());
            QCOMPARE(tokenizer.modelMaxLength(),
                     std::optional<int>(config.at("model_max_length").get<int>()));
            // SD3 still uses 256, whatever the file says.
            QCOMPARE(tokenizer.encode("ai conference").ids.size(),
                     std::size_t(T5Tokenizer::kSd3MaxLength));
            ++folders;
        }
        QVERIFY2(folders > 0, "no model folder with spiece.model + tokenizer_config.json");
    }

    void libtorchAndSentencePieceShareTheProcess() {
        // This executable links PyPI's libtorch and Debian's libsentencepiece (each with a
        // protobuf inside). Both must work, in either order, in one process.
        const at::Tensor a = at::arange(6, at::kFloat).view({2, 3});
        QCOMPARE(at::matmul(a, a.t()).sum().item<float>(), 5.0f + 14 + 14 + 50);
        const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(t5Dir().toStdString());
        const auto ids = tokenizer.encode("machine learning summit in paris").ids;
        const at::Tensor t = at::tensor(ids, at::kLong);
        QCOMPARE(t.size(0), std::int64_t(T5Tokenizer::kSd3MaxLength));
        QCOMPARE(t.eq(tokenizer.eosId()).sum().item<std::int64_t>(), std::int64_t(1));
    }

    void shortLengths() {
        const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(t5Dir().toStdString());
        const auto all = tokenizer.encodeUntruncated("painting of singapore");
        QVERIFY(all.size() > 2);
        // Length 1: EOS only; every piece dropped and reported.
        const T5Tokens one = tokenizer.encode("painting of singapore", 1);
        QCOMPARE(one.ids, std::vector<std::int64_t>{tokenizer.eosId()});
        QVERIFY(one.truncated);
        QCOMPARE(one.droppedTokens, all.size() - 1);
        // Exactly fitting: not truncated.
        const T5Tokens exact = tokenizer.encode("painting of singapore", int(all.size()));
        QCOMPARE(exact.ids, all);
        QVERIFY(!exact.truncated);
        try {
            tokenizer.encode("x", 0);
            QFAIL("length 0 accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
        }
    }

    void rejectsWhatIsNotASentencePieceModel() {
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("junk.model"));
        QVERIFY(archival::test::writeFile(junk, QByteArray("this is not a sentencepiece model\n")));
        expectModelLoadNaming([&] { T5Tokenizer::fromFolder(junk.toStdString()); },
                              QStringLiteral("junk.model"));
        // A JSON file (e.g. tokenizer.json given by mistake) is not one either.
        const QString json = dir.filePath(QStringLiteral("tokenizer.json"));
        QVERIFY(
            archival::test::writeFile(json, QByteArray("{\"model\": {\"type\": \"Unigram\"}}")));
        expectModelLoadNaming([&] { T5Tokenizer::fromFolder(json.toStdString()); },
                              QStringLiteral("tokenizer.json"));
        // An empty file parses as an empty protobuf message: still not a model.
        const QString empty = dir.filePath(QStringLiteral("empty.model"));
        QVERIFY(archival::test::writeFile(empty, QByteArray()));
        expectModelLoadNaming([&] { T5Tokenizer::fromFolder(empty.toStdString()); },
                              QStringLiteral("empty.model"));
        // A folder without spiece.model names the file it looked for.
        expectModelLoadNaming([&] { T5Tokenizer::fromFolder(dir.path().toStdString()); },
                              QStringLiteral("spiece.model"));
    }

    void supportMatchesWhatTheBuildSays() {
        // A build without libsentencepiece must say so on every call, not fail obscurely.
        if (T5Tokenizer::supported()) {
            QCOMPARE(T5Tokenizer::fromFolder(t5Dir().toStdString()).encodeUntruncated("").size(),
                     std::size_t(1));
        } else {
            expectModelLoadNaming([&] { T5Tokenizer::fromFolder(t5Dir().toStdString()); },
                                  QStringLiteral("no SentencePiece support"));
        }
    }
};

QTEST_GUILESS_MAIN(TestT5Tokenizer)
#include "test_t5_tokenizer.moc"
