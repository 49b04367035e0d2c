#pragma once
// One secret in the OS keychain (QtKeychain: Secret Service / KWallet on Linux, Keychain on
// macOS, Credential Manager on Windows), found by a service name and a key. Never a
// plain-text file instead. The R2 secret (batch/secret_store) and the exhibition host's
// access token (host/access_token) both live here, each under its own service name.
//
//   Keychain r2(QStringLiteral("archival-studio-r2"));
//   r2.read(accessKeyId, [](const Keychain::Result& r) { ... });   // the GUI
//   const Keychain::Result r = r2.readNow(accessKeyId);            // the command line

#include <QString>
#include <functional>

namespace archival::adapters {

class Keychain {
  public:
    struct Result {
        bool ok = false;
        bool notFound = false;  // the keychain works but holds nothing under this key
        QString secret;         // read only
        QString error;          // the keychain's own message when !ok
    };
    using Callback = std::function<void(const Result&)>;

    explicit Keychain(QString service) : service_(std::move(service)) {}

    // Asynchronous: `done` runs on the caller's thread once the keychain answers.
    void read(const QString& key, Callback done) const;
    void write(const QString& key, const QString& secret, Callback done) const;
    void remove(const QString& key, Callback done) const;

    // Blocking (a local event loop). With `timeoutMs` > 0 a keychain that has not answered
    // by then gives an error ("did not answer in N s"); the job finishes on its own later.
    Result readNow(const QString& key, int timeoutMs = 0) const;
    Result writeNow(const QString& key, const QString& secret, int timeoutMs = 0) const;
    Result removeNow(const QString& key, int timeoutMs = 0) const;

  private:
    QString service_;
};

}  // namespace archival::adapters
