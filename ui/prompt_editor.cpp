#include "ui/prompt_editor.h"

#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

#include "pipeline/prompt_tokens.h"

namespace archival::ui {

PromptEditor::PromptEditor(QWidget* parent) : QWidget(parent) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(4, 4, 4, 4);

    auto* promptLabel = new QLabel(tr("&Prompt"), this);
    prompt_ = new QPlainTextEdit(this);
    prompt_->setObjectName(QStringLiteral("promptEdit"));
    prompt_->setAccessibleName(tr("Prompt"));
    prompt_->setPlaceholderText(tr("What should the image show? Ctrl+Enter generates."));
    prompt_->setTabChangesFocus(true);
    promptLabel->setBuddy(prompt_);

    auto* negativeLabel = new QLabel(tr("&Negative"), this);
    negative_ = new QPlainTextEdit(this);
    negative_->setObjectName(QStringLiteral("negativeEdit"));
    negative_->setAccessibleName(tr("Negative prompt"));
    negative_->setTabChangesFocus(true);
    negativeLabel->setBuddy(negative_);

    tokens_ = new QLabel(this);
    tokens_->setObjectName(QStringLiteral("tokenCount"));
    tokens_->setAccessibleName(tr("Token count"));
    tokens_->setWordWrap(true);

    auto* historyLabel = new QLabel(tr("&History"), this);
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("historySearch"));
    search_->setAccessibleName(tr("Search prompt history"));
    search_->setPlaceholderText(tr("Search earlier prompts"));
    search_->setClearButtonEnabled(true);
    historyLabel->setBuddy(search_);
    historyList_ = new QListWidget(this);
    historyList_->setObjectName(QStringLiteral("historyList"));
    historyList_->setAccessibleName(tr("Prompt history"));
    historyList_->setToolTip(tr("Enter or double-click puts the prompt back in the editor."));
    historyList_->setUniformItemSizes(true);

    grid->addWidget(promptLabel, 0, 0);
    grid->addWidget(prompt_, 1, 0);
    grid->addWidget(negativeLabel, 0, 1);
    grid->addWidget(negative_, 1, 1);
    grid->addWidget(historyLabel, 0, 2);
    auto* historyBox = new QVBoxLayout;
    historyBox->addWidget(search_);
    historyBox->addWidget(historyList_, 1);
    grid->addLayout(historyBox, 1, 2);
    grid->addWidget(tokens_, 2, 0, 1, 3);
    grid->setColumnStretch(0, 5);
    grid->setColumnStretch(1, 3);
    grid->setColumnStretch(2, 3);
    grid->setRowStretch(1, 1);

    // Counting runs the tokenizer: wait until typing pauses.
    tokenTimer_ = new QTimer(this);
    tokenTimer_->setSingleShot(true);
    tokenTimer_->setInterval(150);
    connect(tokenTimer_, &QTimer::timeout, this, &PromptEditor::updateTokens);
    connect(prompt_, &QPlainTextEdit::textChanged, this, [this] {
        tokenTimer_->start();
        Q_EMIT promptChanged(prompt());
    });
    connect(search_, &QLineEdit::textChanged, this, &PromptEditor::refreshHistory);
    connect(historyList_, &QListWidget::itemActivated, this, &PromptEditor::useHistoryItem);
    refreshHistory();
    updateTokens();
}

QString PromptEditor::prompt() const {
    return prompt_->toPlainText();
}

void PromptEditor::setPrompt(const QString& prompt) {
    prompt_->setPlainText(prompt);
    updateTokens();
}

QString PromptEditor::negativePrompt() const {
    return negative_->toPlainText();
}

void PromptEditor::setNegativePrompt(const QString& negative) {
    negative_->setPlainText(negative);
}

void PromptEditor::setNegativeDefault(const QString& negative) {
    negative_->setPlaceholderText(negative.isEmpty()
                                      ? tr("What the image should not show (optional)")
                                      : tr("Program default: %1").arg(negative));
}

void PromptEditor::setTokenCounter(std::shared_ptr<pipeline::PromptTokenCounter> counter,
                                   const QString& promptTemplate, const QString& unavailable) {
    counter_ = std::move(counter);
    template_ = promptTemplate;
    unavailable_ = unavailable;
    updateTokens();
}

QString PromptEditor::tokenText() const {
    return tokens_->text();
}

void PromptEditor::remember(const QString& prompt) {
    history_.add(prompt);
    refreshHistory();
}

void PromptEditor::refreshHistory() {
    historyList_->clear();
    for (const QString& e : history_.search(search_->text())) {
        auto* item = new QListWidgetItem(QString(e).replace(QLatin1Char('\n'), QLatin1Char(' ')),
                                         historyList_);
        item->setData(Qt::UserRole, e);
        item->setToolTip(e);
    }
}

void PromptEditor::useHistoryItem(QListWidgetItem* item) {
    if (!item) return;
    setPrompt(item->data(Qt::UserRole).toString());
    prompt_->setFocus();
}

void PromptEditor::updateTokens() {
    keptChars_ = -1;
    prompt_->setExtraSelections({});
    if (!counter_) {
        tokens_->setText(unavailable_.isEmpty()
                             ? tr("Token count unavailable.")
                             : tr("Token count unavailable: %1").arg(unavailable_));
        return;
    }
    const QString typed = prompt();
    const int at = template_.indexOf(QStringLiteral("{prompt}"));
    const QString sent =
        at < 0 ? typed : QString(template_).replace(QStringLiteral("{prompt}"), typed);
    const pipeline::PromptTokenCount count = counter_->count(sent);
    if (!count.truncated()) {
        tokens_->setStyleSheet(QString());
        tokens_->setText(
            tr("%1 / %2 tokens (prompt as sent)").arg(count.tokens).arg(count.capacity));
        return;
    }
    tokens_->setStyleSheet(QStringLiteral("color: #a40000;"));
    const int prefix = at < 0 ? 0 : at;
    const int kept = count.keptChars - prefix;
    if (kept >= typed.size()) {
        // The typed prompt fits; the template's own tail is what gets cut.
        tokens_->setText(tr("%1 / %2 tokens: the end of the program's template is cut off.")
                             .arg(count.tokens)
                             .arg(count.capacity));
        return;
    }
    keptChars_ = qMax(0, kept);
    tokens_->setText(tr("%1 / %2 tokens: the model does not see the marked end of the prompt.")
                         .arg(count.tokens)
                         .arg(count.capacity));
    QTextEdit::ExtraSelection cut;
    cut.cursor = QTextCursor(prompt_->document());
    cut.cursor.setPosition(keptChars_);
    cut.cursor.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    cut.format.setBackground(QColor(255, 205, 205));
    cut.format.setFontStrikeOut(true);
    prompt_->setExtraSelections({cut});
}

}  // namespace archival::ui
