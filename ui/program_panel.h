#pragma once
// The registry's programs, the selected one's settings (model and where it was found, kind,
// steps, guidance, size, template, LoRAs), per-run overrides of seed, steps, guidance and
// size that never touch the program file, and the prompt exactly as it will be sent.

#include <QList>
#include <QWidget>
#include <optional>

#include "pipeline/generation_job.h"
#include "pipeline/model_resolver.h"
#include "pipeline/program_registry.h"

class QCheckBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QListWidget;
class QSpinBox;

namespace archival::ui {

class ProgramPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ProgramPanel(QWidget* parent = nullptr);

    void setRegistry(const pipeline::ProgramRegistry& registry,
                     const QList<pipeline::ModelResolution>& models);
    const pipeline::ProgramRegistry& registry() const { return registry_; }
    const pipeline::Program* currentProgram() const;
    QString currentProgramId() const;
    bool selectProgram(const QString& id);
    const pipeline::ModelResolution* resolutionFor(const QString& modelId) const;

    // The prompt as typed: shown with the program's template applied.
    void setTypedPrompt(const QString& prompt);
    QString promptAsSent() const;

    // Writes the enabled overrides into a request.
    void applyOverrides(pipeline::JobRequest* request) const;
    // Turns the overrides on with these values ("use these settings again").
    void setOverrides(std::optional<quint64> seed, std::optional<int> steps,
                      std::optional<double> guidance, std::optional<QSize> size);
    void clearOverrides();

    QListWidget* programList() const { return list_; }
    QPlainTextEdit* issuesView() const { return issues_; }

  Q_SIGNALS:
    void programChanged(const QString& id);

  private:
    void showProgram(int row);
    void updateSent();

    pipeline::ProgramRegistry registry_;
    QList<pipeline::ModelResolution> models_;
    QString typed_;
    QListWidget* list_;
    QFormLayout* details_;
    QPlainTextEdit* issues_;
    QLabel* sent_;
    QCheckBox* seedOn_;
    QLineEdit* seed_;
    QCheckBox* stepsOn_;
    QSpinBox* steps_;
    QCheckBox* guidanceOn_;
    QDoubleSpinBox* guidance_;
    QCheckBox* sizeOn_;
    QSpinBox* width_;
    QSpinBox* height_;
};

}  // namespace archival::ui
