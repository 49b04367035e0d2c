#pragma once
// The studio window. At this stage: the registry's programs with their settings, and an
// honest account of which models were found and where (or where we looked). Only what
// works is shown; generation panels arrive with the pipeline service.

#include <QList>
#include <QMainWindow>

#include "pipeline/model_resolver.h"
#include "pipeline/program_registry.h"

class QLabel;
class QListWidget;
class QFormLayout;

namespace archival::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    MainWindow(pipeline::ProgramRegistry registry, QList<pipeline::ModelResolution> models,
               QWidget* parent = nullptr);

    // For tests and the status line.
    QListWidget* programList() const { return programList_; }
    QString modelStatusText() const;

  private:
    void showProgram(int row);
    const pipeline::ModelResolution* resolutionFor(const QString& modelId) const;

    pipeline::ProgramRegistry registry_;
    QList<pipeline::ModelResolution> models_;
    QListWidget* programList_ = nullptr;
    QFormLayout* details_ = nullptr;
    QLabel* modelsLabel_ = nullptr;
    QLabel* issuesLabel_ = nullptr;
};

}  // namespace archival::ui
