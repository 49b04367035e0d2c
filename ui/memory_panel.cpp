#include "ui/memory_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/generation_core.h"

namespace archival::ui {

QString formatBytes(quint64 bytes) {
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

MemoryPanel::MemoryPanel(GenerationCore* core, QWidget* parent) : QWidget(parent), core_(core) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    stats_ = new QLabel(this);
    stats_->setObjectName(QStringLiteral("memoryStats"));
    stats_->setAccessibleName(tr("Memory use"));
    stats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stats_->setWordWrap(true);
    layout->addWidget(stats_);

    cached_ = new QTreeWidget(this);
    cached_->setObjectName(QStringLiteral("cachedModels"));
    cached_->setAccessibleName(tr("Cached models"));
    cached_->setRootIsDecorated(false);
    cached_->setHeaderLabels({tr("Model"), tr("Memory"), tr("Device"), tr("In use")});
    cached_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    cached_->header()->setAccessibleName(tr("Cached model columns"));
    layout->addWidget(cached_, 1);

    auto* buttons = new QHBoxLayout;
    auto* refreshButton =
        new QPushButton(QIcon(QStringLiteral(":/ui/refresh.svg")), tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshMemory"));
    refreshButton->setAccessibleName(tr("Refresh memory stats"));
    clear_ =
        new QPushButton(QIcon(QStringLiteral(":/ui/clear-cache.svg")), tr("Clear cache"), this);
    clear_->setObjectName(QStringLiteral("clearCache"));
    clear_->setAccessibleName(tr("Clear cache"));
    clear_->setToolTip(tr("Unload every model not used by a running job."));
    buttons->addWidget(refreshButton);
    buttons->addStretch(1);
    buttons->addWidget(clear_);
    layout->addLayout(buttons);

    timer_ = new QTimer(this);
    timer_->setInterval(2000);
    connect(timer_, &QTimer::timeout, this, &MemoryPanel::refresh);
    connect(refreshButton, &QPushButton::clicked, this, &MemoryPanel::refresh);
    connect(clear_, &QPushButton::clicked, this, [this] {
        core_->clearCache();
        refresh();
    });
    refresh();
}

void MemoryPanel::refresh() {
    const pipeline::MemoryStats s = core_->memoryStats();
    QStringList lines;
    lines << tr("Process: %1 (peak %2)").arg(formatBytes(s.rssBytes), formatBytes(s.peakRssBytes));
    if (s.cuda)
        lines << tr("CUDA: %1 allocated, %2 reserved, peak %3")
                     .arg(formatBytes(s.cudaAllocatedBytes), formatBytes(s.cudaReservedBytes),
                          formatBytes(s.cudaPeakBytes));
    else
        lines << tr("CUDA: not in use");
    lines << (s.budgetBytes ? tr("Budget for models: %1").arg(formatBytes(s.budgetBytes))
                            : tr("Budget for models: not set"));
    lines << tr("%n model(s) cached", nullptr, int(s.cached.size()));
    stats_->setText(lines.join(QLatin1Char('\n')));

    cached_->clear();
    for (const auto& c : s.cached) {
        auto* item = new QTreeWidgetItem(cached_);
        item->setText(0, c.modelId);
        item->setToolTip(0, c.path);
        item->setText(1, formatBytes(c.bytes));
        item->setText(2, QStringLiteral("%1 / %2").arg(c.device, c.dtype));
        item->setText(3, c.inUse ? tr("yes") : tr("no"));
    }
}

QString MemoryPanel::statsText() const {
    return stats_->text();
}

void MemoryPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    timer_->start();
}

void MemoryPanel::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    timer_->stop();
}

}  // namespace archival::ui
