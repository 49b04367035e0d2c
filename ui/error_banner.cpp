#include "ui/error_banner.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QToolButton>

namespace archival::ui {

ErrorBanner::ErrorBanner(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("errorBar"));
    setStyleSheet(QStringLiteral("#errorBar { background: #fde7e7; }"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 4, 6);
    label_ = new QLabel(this);
    label_->setObjectName(QStringLiteral("errorBanner"));
    label_->setAccessibleName(tr("Error"));
    label_->setWordWrap(true);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setStyleSheet(QStringLiteral("color: #8a1010;"));
    close_ = new QToolButton(this);
    close_->setIcon(QIcon(QStringLiteral(":/ui/clear.svg")));
    close_->setAccessibleName(tr("Dismiss error"));
    close_->setToolTip(tr("Dismiss"));
    close_->setAutoRaise(true);
    layout->addWidget(label_, 1);
    layout->addWidget(close_, 0, Qt::AlignTop);
    hide();
    connect(close_, &QToolButton::clicked, this, &ErrorBanner::clear);
}

void ErrorBanner::showError(const QString& html) {
    label_->setText(html);
    show();
}

void ErrorBanner::clear() {
    label_->clear();
    hide();
}

QString ErrorBanner::text() const {
    return isHidden() ? QString() : label_->text();
}

}  // namespace archival::ui
