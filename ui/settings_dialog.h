#pragma once
// The studio's settings: where models are (explicit folders, model roots, the Hugging Face
// cache and what it holds), device and precision, output folder, previews, language, and
// the exhibition host's address. The R2 destination and its key are edited in the batch
// panel (where Test connection tries them); this dialog points there. Secrets are not here:
// the batch and host panels keep keys and tokens in the OS keychain.

#include <QDialog>

#include "ui/studio_settings.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace archival::ui {

class SettingsDialog : public QDialog {
    Q_OBJECT
  public:
    SettingsDialog(const StudioSettings& settings, const QStringList& modelIds,
                   QWidget* parent = nullptr);

    StudioSettings settings() const;
    QTabWidget* tabs() const { return tabs_; }

  private:
    void refreshHubList();
    QWidget* modelsTab(const QStringList& modelIds);
    QWidget* deviceTab();
    QWidget* outputTab();
    QWidget* connectionsTab();

    StudioSettings initial_;
    QTabWidget* tabs_;
    QTableWidget* explicitPaths_ = nullptr;
    QPlainTextEdit* roots_ = nullptr;
    QLineEdit* hub_ = nullptr;
    QLabel* hubContents_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QCheckBox* loadT5_ = nullptr;
    QCheckBox* releaseEncoders_ = nullptr;
    QLineEdit* output_ = nullptr;
    QCheckBox* previews_ = nullptr;
    QSpinBox* previewInterval_ = nullptr;
    QComboBox* language_ = nullptr;
    QLineEdit* hostAddress_ = nullptr;
    QLineEdit* brokerUrl_ = nullptr;
    QSpinBox* hostPort_ = nullptr;
};

}  // namespace archival::ui
