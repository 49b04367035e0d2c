#include "ui/program_panel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace archival::ui {

namespace {

QLabel* valueLabel(const QString& text, const QString& accessibleName) {
    auto* v = new QLabel(text);
    v->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    v->setWordWrap(true);
    v->setAccessibleName(accessibleName);
    return v;
}

}  // namespace

ProgramPanel::ProgramPanel(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);

    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("programList"));
    list_->setAccessibleName(tr("Programs"));
    list_->setMaximumHeight(110);
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    list_->setTextElideMode(Qt::ElideRight);
    outer->addWidget(list_);

    // A broken programs file can have many problems: a short scrollable box, not a wall.
    issues_ = new QPlainTextEdit(this);
    issues_->setObjectName(QStringLiteral("issuesView"));
    issues_->setAccessibleName(tr("Problems in the program files"));
    issues_->setReadOnly(true);
    issues_->setTabChangesFocus(true);
    issues_->setMaximumHeight(92);
    issues_->setStyleSheet(QStringLiteral("color: #a40000;"));
    issues_->hide();
    outer->addWidget(issues_);

    // Details and overrides scroll together: at 1366x768 they do not always fit.
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* inner = new QWidget(scroll);
    auto* innerLayout = new QVBoxLayout(inner);
    innerLayout->setContentsMargins(0, 0, 0, 0);

    auto* overrideBox = new QGroupBox(tr("This run only"), inner);
    overrideBox->setToolTip(tr("Overrides for the next run; the program file is not changed."));
    auto* form = new QFormLayout(overrideBox);
    auto row = [&](QCheckBox* on, QWidget* field) {
        auto* w = new QWidget(overrideBox);
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(field, 1);
        field->setEnabled(false);
        connect(on, &QCheckBox::toggled, field, &QWidget::setEnabled);
        form->addRow(on, w);
    };
    seedOn_ = new QCheckBox(tr("Seed"), overrideBox);
    seedOn_->setObjectName(QStringLiteral("seedOverride"));
    seed_ = new QLineEdit(overrideBox);
    seed_->setObjectName(QStringLiteral("seedValue"));
    seed_->setAccessibleName(tr("Seed value"));
    seed_->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), seed_));
    seed_->setPlaceholderText(tr("e.g. 42"));
    row(seedOn_, seed_);

    stepsOn_ = new QCheckBox(tr("Steps"), overrideBox);
    stepsOn_->setObjectName(QStringLiteral("stepsOverride"));
    steps_ = new QSpinBox(overrideBox);
    steps_->setObjectName(QStringLiteral("stepsValue"));
    steps_->setAccessibleName(tr("Steps value"));
    steps_->setRange(1, 200);
    row(stepsOn_, steps_);

    guidanceOn_ = new QCheckBox(tr("Guidance"), overrideBox);
    guidanceOn_->setObjectName(QStringLiteral("guidanceOverride"));
    guidance_ = new QDoubleSpinBox(overrideBox);
    guidance_->setObjectName(QStringLiteral("guidanceValue"));
    guidance_->setAccessibleName(tr("Guidance value"));
    guidance_->setRange(0.0, 30.0);
    guidance_->setSingleStep(0.5);
    guidance_->setDecimals(2);
    row(guidanceOn_, guidance_);

    sizeOn_ = new QCheckBox(tr("Size"), overrideBox);
    sizeOn_->setObjectName(QStringLiteral("sizeOverride"));
    auto* sizeBox = new QWidget(overrideBox);
    auto* sizeLayout = new QHBoxLayout(sizeBox);
    sizeLayout->setContentsMargins(0, 0, 0, 0);
    width_ = new QSpinBox(sizeBox);
    width_->setObjectName(QStringLiteral("widthValue"));
    width_->setAccessibleName(tr("Width"));
    height_ = new QSpinBox(sizeBox);
    height_->setObjectName(QStringLiteral("heightValue"));
    height_->setAccessibleName(tr("Height"));
    for (QSpinBox* s : {width_, height_}) {
        s->setRange(16, 8192);
        s->setSingleStep(8);  // both families need multiples of 8 pixels (latent cells)
    }
    sizeLayout->addWidget(width_, 1);
    sizeLayout->addWidget(new QLabel(QStringLiteral("×"), sizeBox));
    sizeLayout->addWidget(height_, 1);
    row(sizeOn_, sizeBox);

    auto* reset = new QPushButton(tr("Use the program's values"), overrideBox);
    reset->setObjectName(QStringLiteral("resetOverrides"));
    reset->setAccessibleName(tr("Use the program's values"));
    form->addRow(reset);
    connect(reset, &QPushButton::clicked, this, &ProgramPanel::clearOverrides);
    innerLayout->addWidget(overrideBox);

    auto* sentBox = new QGroupBox(tr("Prompt as sent"), inner);
    auto* sentLayout = new QVBoxLayout(sentBox);
    sent_ = new QLabel(sentBox);
    sent_->setObjectName(QStringLiteral("promptAsSent"));
    sent_->setAccessibleName(tr("Prompt as sent"));
    sent_->setWordWrap(true);
    sent_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    sentLayout->addWidget(sent_);
    innerLayout->addWidget(sentBox);

    auto* detailsBox = new QGroupBox(tr("Program settings"), inner);
    details_ = new QFormLayout(detailsBox);
    details_->setRowWrapPolicy(QFormLayout::WrapLongRows);
    innerLayout->addWidget(detailsBox);

    innerLayout->addStretch(1);

    scroll->setWidget(inner);
    outer->addWidget(scroll, 1);

    connect(list_, &QListWidget::currentRowChanged, this, &ProgramPanel::showProgram);
}

void ProgramPanel::setRegistry(const pipeline::ProgramRegistry& registry,
                               const QList<pipeline::ModelResolution>& models) {
    const QString keep = currentProgramId();
    registry_ = registry;
    models_ = models;
    {
        const QSignalBlocker block(list_);
        list_->clear();
        for (const auto& p : registry_.programs()) {
            auto* item = new QListWidgetItem(QStringLiteral("%1 — %2").arg(p.id, p.title), list_);
            item->setToolTip(item->text());
            if (!p.available()) {
                item->setText(tr("%1 (unavailable)").arg(item->text()));
                item->setToolTip(p.assetProblems.join(QLatin1Char('\n')));
            }
        }
    }
    QStringList issues;
    for (const auto& i : registry_.issues()) issues << i.toString();
    issues_->setPlainText(
        issues.isEmpty() ? QString()
                         : tr("Problems in the program files (built-in programs stay in use):") +
                               QLatin1Char('\n') + issues.join(QLatin1Char('\n')));
    issues_->setVisible(!issues.isEmpty());
    if (!selectProgram(keep) && list_->count() > 0) list_->setCurrentRow(0);
}

const pipeline::Program* ProgramPanel::currentProgram() const {
    const int row = list_->currentRow();
    if (row < 0 || row >= registry_.programs().size()) return nullptr;
    return &registry_.programs().at(row);
}

QString ProgramPanel::currentProgramId() const {
    const auto* p = currentProgram();
    return p ? p->id : QString();
}

bool ProgramPanel::selectProgram(const QString& id) {
    for (int i = 0; i < registry_.programs().size(); ++i) {
        if (registry_.programs().at(i).id == id) {
            list_->setCurrentRow(i);
            return true;
        }
    }
    return false;
}

const pipeline::ModelResolution* ProgramPanel::resolutionFor(const QString& modelId) const {
    for (const auto& m : models_)
        if (m.modelId == modelId) return &m;
    return nullptr;
}

void ProgramPanel::setTypedPrompt(const QString& prompt) {
    typed_ = prompt;
    updateSent();
}

QString ProgramPanel::promptAsSent() const {
    const auto* p = currentProgram();
    return p ? p->applyTemplate(typed_) : typed_;
}

void ProgramPanel::updateSent() {
    sent_->setText(typed_.trimmed().isEmpty() ? tr("(type a prompt)") : promptAsSent());
}

void ProgramPanel::applyOverrides(pipeline::JobRequest* request) const {
    if (seedOn_->isChecked() && !seed_->text().isEmpty()) {
        bool ok = false;
        const quint64 v = seed_->text().toULongLong(&ok);
        if (ok) request->seed = v;
    }
    if (stepsOn_->isChecked()) request->steps = steps_->value();
    if (guidanceOn_->isChecked()) request->guidance = guidance_->value();
    if (sizeOn_->isChecked()) request->size = QSize(width_->value(), height_->value());
}

void ProgramPanel::setOverrides(std::optional<quint64> seed, std::optional<int> steps,
                                std::optional<double> guidance, std::optional<QSize> size) {
    seedOn_->setChecked(seed.has_value());
    if (seed) seed_->setText(QString::number(*seed));
    stepsOn_->setChecked(steps.has_value());
    if (steps) steps_->setValue(*steps);
    guidanceOn_->setChecked(guidance.has_value());
    if (guidance) guidance_->setValue(*guidance);
    sizeOn_->setChecked(size.has_value());
    if (size) {
        width_->setValue(size->width());
        height_->setValue(size->height());
    }
}

void ProgramPanel::clearOverrides() {
    for (QCheckBox* c : {seedOn_, stepsOn_, guidanceOn_, sizeOn_}) c->setChecked(false);
    showProgram(list_->currentRow());
}

void ProgramPanel::showProgram(int row) {
    while (details_->rowCount() > 0) details_->removeRow(0);
    if (row < 0 || row >= registry_.programs().size()) return;
    const auto& p = registry_.programs().at(row);
    auto add = [&](const QString& label, const QString& value) {
        details_->addRow(label, valueLabel(value, label));
    };
    add(tr("Program"), QStringLiteral("%1 — %2").arg(p.id, p.title));
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
    for (const auto& l : p.loras)
        loras << QStringLiteral("%1 × %2").arg(l.path.isEmpty() ? l.name : l.path).arg(l.scale);
    add(tr("LoRAs"), loras.isEmpty() ? tr("(none)") : loras.join(QStringLiteral(", ")));
    if (!p.initImageName.isEmpty())
        add(tr("Source image"), p.initImage.isEmpty() ? p.initImageName : p.initImage);
    if (!p.available()) add(tr("Unavailable"), p.assetProblems.join(QLatin1Char('\n')));
    add(tr("Seed"), p.seedPolicy == QLatin1String("fixed") ? tr("fixed: %1").arg(p.seed)
                                                           : tr("random per run"));
    add(tr("Defined in"), p.source);

    // Overrides that are off follow the program, so turning one on starts from its value.
    if (!stepsOn_->isChecked()) steps_->setValue(p.steps);
    if (!guidanceOn_->isChecked()) guidance_->setValue(p.guidance);
    if (!sizeOn_->isChecked()) {
        const QSize s = p.sizeMade(p.size.isValid() ? p.size : p.sizes.value(0));
        width_->setValue(s.width());
        height_->setValue(s.height());
    }
    updateSent();
    Q_EMIT programChanged(p.id);
}

}  // namespace archival::ui
