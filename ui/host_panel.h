#pragma once
// The exhibition host in the studio: switch it on and off, see where screens connect, copy
// or regenerate the access token, and see the attached displays (name, address, role, what
// they watch) with a Disconnect button each. Self-contained: give it the host; the main
// window places it.
//
//   auto* panel = new HostPanel(&host, this);

#include <QWidget>
#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace archival::adapters::host {
class ExhibitionHost;
}

namespace archival::ui {

class HostPanel : public QWidget {
    Q_OBJECT
  public:
    // Stores a new token where the host's token lives (the keychain by default); false with a
    // message when it could not.
    using TokenStore = std::function<bool(const QString& token, QString* error)>;

    // `host` must outlive the panel.
    explicit HostPanel(adapters::host::ExhibitionHost* host, QWidget* parent = nullptr,
                       TokenStore storeToken = {});

    // For tests and the window's status line.
    QCheckBox* enabledSwitch() const { return enabled_; }
    QTableWidget* clientTable() const { return clients_; }
    QString tokenText() const;
    QString statusText() const;

  public Q_SLOTS:
    void regenerateToken();
    void copyToken();

  Q_SIGNALS:
    // A message for the window's status bar ("token copied", "keychain unavailable: ...").
    void message(const QString& text);

  private:
    void setEnabledFromSwitch(bool on);
    void refreshState();
    void refreshClients();

    adapters::host::ExhibitionHost* host_;
    TokenStore storeToken_;
    QCheckBox* enabled_ = nullptr;
    QLabel* address_ = nullptr;
    QLabel* page_ = nullptr;
    QLabel* status_ = nullptr;
    QLineEdit* token_ = nullptr;
    QPushButton* showToken_ = nullptr;
    QPushButton* copy_ = nullptr;
    QPushButton* regenerate_ = nullptr;
    QTableWidget* clients_ = nullptr;
};

}  // namespace archival::ui
