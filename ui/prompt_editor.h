#pragma once
// The prompt and negative prompt, the searchable history of earlier prompts, and the CLIP
// token count of the prompt as sent (template applied) against the 75 prompt tokens CLIP
// sees; the tail that will be cut off is marked in the text.

#include <QWidget>
#include <memory>

#include "ui/prompt_history.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QTimer;

namespace archival::pipeline {
class PromptTokenCounter;
}

namespace archival::ui {

class PromptEditor : public QWidget {
    Q_OBJECT
  public:
    explicit PromptEditor(QWidget* parent = nullptr);

    QString prompt() const;
    void setPrompt(const QString& prompt);
    QString negativePrompt() const;
    void setNegativePrompt(const QString& negative);
    // The program's default negative prompt, shown while the field is empty.
    void setNegativeDefault(const QString& negative);

    // The tokenizer of the selected program's model and its template; null counter:
    // `unavailable` says why there is no count.
    void setTokenCounter(std::shared_ptr<pipeline::PromptTokenCounter> counter,
                         const QString& promptTemplate, const QString& unavailable = {});
    QString tokenText() const;
    // Characters of the typed prompt the model sees; -1 when all of it.
    int keptChars() const { return keptChars_; }

    void remember(const QString& prompt);  // after a submit
    PromptHistory& history() { return history_; }

    QPlainTextEdit* promptEdit() const { return prompt_; }
    QPlainTextEdit* negativeEdit() const { return negative_; }
    QLineEdit* historySearch() const { return search_; }
    QListWidget* historyList() const { return historyList_; }

  Q_SIGNALS:
    void promptChanged(const QString& prompt);

  private:
    void updateTokens();
    void refreshHistory();
    void useHistoryItem(QListWidgetItem* item);

    PromptHistory history_;
    QPlainTextEdit* prompt_;
    QPlainTextEdit* negative_;
    QLabel* tokens_;
    QLineEdit* search_;
    QListWidget* historyList_;
    QTimer* tokenTimer_;
    std::shared_ptr<pipeline::PromptTokenCounter> counter_;
    QString template_;
    QString unavailable_;
    int keptChars_ = -1;
};

}  // namespace archival::ui
