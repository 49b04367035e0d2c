#include "ui/broker_sets_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "adapters/broker/broker_password.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/broker/redis_connection.h"

namespace archival::ui {

using adapters::BrokerSetState;

namespace {
enum Column { kSet, kProgram, kState, kWorker, kError };
constexpr int kDefaultPollMs = 2000;
constexpr int kReplyTimeoutMs = 5000;  // a broker that stops answering is dropped and retried
}  // namespace

BrokerSetsView::BrokerSetsView(QWidget* parent) : QWidget(parent) {
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("brokerSets"));
    tree_->setColumnCount(5);
    tree_->setHeaderLabels(
        {tr("Action / set"), tr("Program"), tr("State"), tr("Worker"), tr("Error")});
    tree_->header()->setSectionResizeMode(kError, QHeaderView::Stretch);
    tree_->setRootIsDecorated(false);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("brokerStatus"));
    status_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tree_, 1);
    layout->addWidget(status_);
    poll_.setInterval(kDefaultPollMs);
    connect(&poll_, &QTimer::timeout, this, &BrokerSetsView::refresh);
}

BrokerSetsView::~BrokerSetsView() = default;

QString BrokerSetsView::statusText() const {
    return status_->text();
}

void BrokerSetsView::setBrokerUrl(const QString& url) {
    if (url.trimmed() == url_ && (connection_ || url_.isEmpty())) return;
    url_ = url.trimmed();
    ++generation_;
    reading_ = false;
    poll_.stop();
    sets_.reset();
    connection_.reset();
    tree_->clear();
    if (url_.isEmpty()) {
        status_->clear();
        return;
    }
    auto parsed = adapters::RedisAddress::parse(url_);
    if (const auto* problem = std::get_if<QString>(&parsed)) {
        status_->setText(tr("The broker URL cannot be used: %1").arg(*problem));
        return;
    }
    const adapters::RedisAddress address =
        adapters::BrokerPassword::resolve(std::get<adapters::RedisAddress>(parsed));
    connection_ = std::make_unique<adapters::RedisConnection>(address);
    connection_->setReplyTimeoutMs(kReplyTimeoutMs);
    sets_ = std::make_unique<adapters::BrokerSetQueue>(connection_.get());
    connect(connection_.get(), &adapters::RedisConnection::ready, this, &BrokerSetsView::refresh);
    status_->setText(tr("Connecting to %1 ...").arg(address.display()));
    connection_->open();
    poll_.start();
}

void BrokerSetsView::refresh() {
    if (!sets_ || reading_) return;
    reading_ = true;
    const int generation = generation_;
    const QString where = connection_->address().display();
    sets_->readStates([self = QPointer<BrokerSetsView>(this), generation, where](
                          const QList<BrokerSetState>& states, const adapters::BrokerError* e) {
        if (!self || self->generation_ != generation) return;
        self->reading_ = false;
        if (e) {
            self->status_->setText(tr("Broker %1: %2").arg(where, e->toString()));
            Q_EMIT self->refreshed();
            return;
        }
        // Rebuilt whole: a few hundred rows, every few seconds; the selection is kept by key.
        const QTreeWidgetItem* current = self->tree_->currentItem();
        const QString selected = current ? current->text(kSet) : QString();
        self->tree_->clear();
        int failed = 0;
        for (const BrokerSetState& s : states) {
            auto* item = new QTreeWidgetItem(self->tree_);
            item->setText(kSet, QStringLiteral("%1 / %2").arg(s.value(QStringLiteral("action")),
                                                              s.value(QStringLiteral("set"))));
            item->setText(kProgram, s.value(QStringLiteral("program")));
            QString state = s.value(QStringLiteral("state"));
            if (!s.value(QStringLiteral("total")).isEmpty())
                state += QStringLiteral(" %1/%2").arg(s.value(QStringLiteral("step")),
                                                      s.value(QStringLiteral("total")));
            item->setText(kState, state);
            item->setText(kWorker, s.value(QStringLiteral("worker")));
            if (s.value(QStringLiteral("state")) == QLatin1String("failed")) {
                ++failed;
                item->setText(kError,
                              QStringLiteral("%1: %2").arg(s.value(QStringLiteral("error_code")),
                                                           s.value(QStringLiteral("reason"))));
                item->setToolTip(kError, item->text(kError));
            }
            if (item->text(kSet) == selected) self->tree_->setCurrentItem(item);
        }
        self->status_->setText(tr("Broker %1: %n set(s), %2 failed", nullptr, int(states.size()))
                                   .arg(where)
                                   .arg(failed));
        Q_EMIT self->refreshed();
    });
}

}  // namespace archival::ui
