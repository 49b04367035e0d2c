#include "ui/main_window.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

namespace archival::ui {

MainWindow::MainWindow(pipeline::ProgramRegistry registry, QList<pipeline::ModelResolution> models,
                       QWidget* parent)
    : QMainWindow(parent), registry_(std::move(registry)), models_(std::move(models)) {
    setWindowTitle(tr("Archival Studio"));
    setObjectName(QStringLiteral("MainWindow"));

    auto* splitter = new QSplitter(this);
    programList_ = new QListWidget(splitter);
    programList_->setObjectName(QStringLiteral("programList"));
    for (const auto& p : registry_.programs())
        programList_->addItem(QStringLiteral("%1 — %2").arg(p.id, p.title));

    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    auto* programBox = new QGroupBox(tr("Program"), right);
    details_ = new QFormLayout(programBox);
    rightLayout->addWidget(programBox);

    auto* modelBox = new QGroupBox(tr("Models"), right);
    auto* modelLayout = new QVBoxLayout(modelBox);
    modelsLabel_ = new QLabel(modelBox);
    modelsLabel_->setObjectName(QStringLiteral("modelsLabel"));
    modelsLabel_->setWordWrap(true);
    modelsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QStringList lines;
    for (const auto& m : models_) {
        const QString mark = m.usable() ? tr("found") : tr("missing");
        lines << QStringLiteral("<b>%1</b> — %2").arg(mark, m.describe().toHtmlEscaped());
    }
    modelsLabel_->setText(lines.join(QStringLiteral("<br>")));
    modelLayout->addWidget(modelsLabel_);
    rightLayout->addWidget(modelBox);

    issuesLabel_ = new QLabel(right);
    issuesLabel_->setObjectName(QStringLiteral("issuesLabel"));
    issuesLabel_->setWordWrap(true);
    issuesLabel_->setStyleSheet(QStringLiteral("color: #a40000;"));
    QStringList issues;
    for (const auto& i : registry_.issues()) issues << i.toString().toHtmlEscaped();
    issuesLabel_->setText(
        issues.isEmpty() ? QString()
                         : tr("Problems in the program files (built-in programs stay in use):") +
                               QStringLiteral("<br>") + issues.join(QStringLiteral("<br>")));
    issuesLabel_->setVisible(!issues.isEmpty());
    rightLayout->addWidget(issuesLabel_);
    rightLayout->addStretch(1);

    splitter->setStretchFactor(1, 3);
    splitter->setSizes({340, 1000});
    setCentralWidget(splitter);
    statusBar()->showMessage(modelStatusText());

    connect(programList_, &QListWidget::currentRowChanged, this, &MainWindow::showProgram);
    if (programList_->count() > 0) programList_->setCurrentRow(0);
    resize(1100, 680);
}

const pipeline::ModelResolution* MainWindow::resolutionFor(const QString& modelId) const {
    for (const auto& m : models_)
        if (m.modelId == modelId) return &m;
    return nullptr;
}

QString MainWindow::modelStatusText() const {
    int found = 0;
    for (const auto& m : models_) found += m.usable() ? 1 : 0;
    if (models_.isEmpty()) return tr("No programs, so no models to look for.");
    if (found == models_.size()) return tr("All %n model(s) found.", nullptr, found);
    return tr("%1 of %2 models found; see Models for where we looked.")
        .arg(found)
        .arg(models_.size());
}

void MainWindow::showProgram(int row) {
    while (details_->rowCount() > 0) details_->removeRow(0);
    if (row < 0 || row >= registry_.programs().size()) return;
    const auto& p = registry_.programs().at(row);
    auto add = [&](const QString& label, const QString& value) {
        auto* v = new QLabel(value);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        v->setWordWrap(true);
        details_->addRow(label, v);
    };
    add(tr("Program"), p.id);
    add(tr("Model"), p.model);
    const auto* res = resolutionFor(p.model);
    add(tr("Model folder"), res ? res->describe() : tr("not resolved"));
    add(tr("Kind"), p.kind == QLatin1String("image-to-image")
                        ? tr("image-to-image (strength %1)").arg(p.strength)
                        : tr("text-to-image"));
    add(tr("Steps"), QString::number(p.steps));
    add(tr("Guidance"), QString::number(p.guidance));
    add(tr("Size"), p.sizeText());
    add(tr("Sampler"), p.sampler);
    add(tr("Template"), p.promptTemplate);
    add(tr("Negative prompt"), p.negativePrompt.isEmpty() ? tr("(none)") : p.negativePrompt);
    QStringList loras;
    for (const auto& l : p.loras) loras << QStringLiteral("%1 × %2").arg(l.path).arg(l.scale);
    add(tr("LoRAs"), loras.isEmpty() ? tr("(none)") : loras.join(QStringLiteral(", ")));
    add(tr("Seed"), p.seedPolicy == QLatin1String("fixed") ? tr("fixed: %1").arg(p.seed)
                                                           : tr("random per run"));
    add(tr("Defined in"), p.source);
}

}  // namespace archival::ui
