// Planning a job from a program and a request, without a model: the size asked and made
// (set id, seed, rounding to the family's multiple), the override prompt, the program's own
// source image, and the metadata that records them.
#include <QtTest>

#include "pipeline/job_plan.h"
#include "pipeline/program_registry.h"

using namespace archival::pipeline;

namespace {

ProgramRegistry builtins() {
    return ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
}

JobRequest request(const QString& program, const QString& prompt) {
    JobRequest r;
    r.programId = program;
    r.prompt = prompt;
    r.seed = 42;
    return r;
}

}  // namespace

class TestJobPlan : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // SD 3 takes multiples of 16: the seed's 600 becomes 592, and both are recorded.
    void programSizesAreRoundedDownAndBothRecorded() {
        const auto r = builtins();
        const Program& p3 = *r.find("P3");
        JobRequest req = request("P3", "harbour");
        const QSize asked[] = {{576, 1024}, {600, 800}, {800, 600}, {600, 800}};
        const QSize made[] = {{576, 1024}, {592, 800}, {800, 592}, {592, 800}};
        for (int set = 0; set < 4; ++set) {
            req.setId = set;
            JobPlan plan;
            const auto error = planJob(p3, req, &plan);
            QVERIFY2(!error, error ? qPrintable(error->message) : "");
            QCOMPARE(plan.requestedSize, asked[set]);
            QCOMPARE(plan.size, made[set]);
            const ImageMetadata m = plan.baseMetadata();
            QCOMPARE(QSize(m.requestedWidth, m.requestedHeight), asked[set]);
            QCOMPARE(QSize(m.width, m.height), made[set]);
            const QJsonObject json = m.toJson();
            QCOMPARE(json["requested_width"].toInt(), asked[set].width());
            QCOMPARE(json["requested_height"].toInt(), asked[set].height());
            QCOMPARE(json["width"].toInt(), made[set].width());
            QCOMPARE(json["height"].toInt(), made[set].height());
        }
        // SD 1.5 takes multiples of 8.
        Program sd15 = *r.find("P2");
        sd15.size = QSize(965, 803);
        JobRequest img = request("P2", "x");
        img.initImage = QImage(8, 8, QImage::Format_RGB888);
        JobPlan plan;
        QVERIFY(!planJob(sd15, img, &plan));
        QCOMPARE(plan.size, QSize(960, 800));
        QCOMPARE(plan.requestedSize, QSize(965, 803));
    }

    // A size the caller gives must already fit: told, not silently changed.
    void anExplicitSizeThatDoesNotFitIsAnError() {
        const auto r = builtins();
        JobRequest req = request("P3", "harbour");
        req.size = QSize(600, 800);
        JobPlan plan;
        const auto error = planJob(*r.find("P3"), req, &plan);
        QVERIFY(error);
        QCOMPARE(error->code, ErrorCode::InvalidRequest);
        QVERIFY2(error->message.contains("multiples of 16"), qPrintable(error->message));
        req.size = QSize(592, 800);
        QVERIFY(!planJob(*r.find("P3"), req, &plan));
        QCOMPARE(plan.size, QSize(592, 800));
        QCOMPARE(plan.requestedSize, QSize(592, 800));
    }

    // Without a set id the job's seed chooses, through the same generator.
    void theSeedChoosesWithoutASetId() {
        const auto r = builtins();
        const Program& p3 = *r.find("P3");
        for (quint64 seed = 0; seed < 50; ++seed) {
            JobRequest req = request("P3", "harbour");
            req.seed = seed;
            JobPlan plan;
            QVERIFY(!planJob(p3, req, &plan));
            QCOMPARE(plan.requestedSize, p3.sizeFor(qint64(seed), 0));
            QCOMPARE(plan.size, p3.sizeMade(plan.requestedSize));
        }
    }

    void overridePromptReplacesTheTemplatedPrompt() {
        const auto r = builtins();
        JobRequest req = request("P3", "harbour");
        req.overridePrompt = QStringLiteral("an exact prompt, no template");
        JobPlan plan;
        QVERIFY(!planJob(*r.find("P3"), req, &plan));
        QCOMPARE(plan.promptSent, QStringLiteral("an exact prompt, no template"));
        QCOMPARE(plan.baseMetadata().promptSent, QStringLiteral("an exact prompt, no template"));
        QCOMPARE(plan.baseMetadata().promptTyped, QStringLiteral("harbour"));
        // The override is the prompt: the typed one may be empty, an empty override may not.
        req.prompt.clear();
        QVERIFY(!planJob(*r.find("P3"), req, &plan));
        req.overridePrompt = QStringLiteral("  ");
        const auto error = planJob(*r.find("P3"), req, &plan);
        QVERIFY(error);
        QVERIFY(error->message.contains("empty"));
        // Without an override the template applies.
        req = request("P3", "harbour");
        QVERIFY(!planJob(*r.find("P3"), req, &plan));
        QCOMPARE(plan.promptSent, QStringLiteral("chua mia tee painting, harbour"));
    }

    // An image-to-image request with no image takes the program's own; its own wins.
    void theProgramsSourceImageWhenTheRequestHasNone() {
        const auto r = builtins();
        const Program& p2 = *r.find("P2");
        QImage own(16, 16, QImage::Format_RGB888);
        own.fill(Qt::darkGreen);
        JobRequest req = request("P2", "harbour");
        JobPlan plan;
        QVERIFY(!planJob(p2, req, &plan, own));
        QCOMPARE(plan.initImage, own);
        QCOMPARE(plan.strength, 0.8);
        QCOMPARE(plan.baseMetadata().initImage, QStringLiteral("malaya.png"));
        QCOMPARE(plan.baseMetadata().toJson()["init_image"].toString(),
                 QStringLiteral("malaya.png"));

        QImage sent(8, 8, QImage::Format_RGB888);
        sent.fill(Qt::red);
        req.initImage = sent;
        QVERIFY(!planJob(p2, req, &plan, own));
        QCOMPARE(plan.initImage, sent);
        QVERIFY(plan.baseMetadata().initImage.isEmpty());
        QVERIFY(!plan.baseMetadata().toJson().contains("init_image"));

        req.initImage = QImage();
        const auto error = planJob(p2, req, &plan);  // no image at all
        QVERIFY(error);
        QVERIFY(error->message.contains("init image"));
    }

    // Metadata written before these fields existed reads as "asked = made".
    void olderMetadataReadsAsMadeAsAsked() {
        const QJsonObject old{{"program", "P0"}, {"width", 1360}, {"height", 768}, {"seed", "1"}};
        const ImageMetadata m = ImageMetadata::fromJson(old);
        QCOMPARE(QSize(m.requestedWidth, m.requestedHeight), QSize(1360, 768));
        QVERIFY(m.initImage.isEmpty());
        ImageMetadata made;
        made.width = 592;
        made.height = 800;
        made.requestedWidth = 600;
        made.requestedHeight = 800;
        made.initImage = QStringLiteral("malaya.png");
        const ImageMetadata back = ImageMetadata::fromJson(made.toJson());
        QCOMPARE(back.requestedWidth, 600);
        QCOMPARE(back.width, 592);
        QCOMPARE(back.initImage, QStringLiteral("malaya.png"));
    }
};

QTEST_GUILESS_MAIN(TestJobPlan)
#include "test_job_plan.moc"
