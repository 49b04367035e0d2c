#pragma once
// The error banner over the window's centre: the last error (rich text from errorHtml())
// in a red strip with a dismiss button; hidden when there is none.

#include <QWidget>

class QLabel;
class QToolButton;

namespace archival::ui {

class ErrorBanner : public QWidget {
    Q_OBJECT
  public:
    explicit ErrorBanner(QWidget* parent = nullptr);

    void showError(const QString& html);
    void clear();
    // The error shown; empty when none.
    QString text() const;

  private:
    QLabel* label_;
    QToolButton* close_;
};

}  // namespace archival::ui
