#pragma once
// The R2 secret access key in the OS keychain (adapters/keychain), stored per access key
// id. Never in QSettings, files or logs. Without a working keychain (a headless server)
// every call fails with the keychain's own message; the secret can then come from
// ARCHIVAL_R2_SECRET for that run only.

#include <QString>
#include <functional>

#include "adapters/keychain/keychain.h"

namespace archival::adapters {

class SecretStore {
  public:
    // notFound: the keychain works but holds no secret for this key id.
    using Result = Keychain::Result;
    using Callback = Keychain::Callback;

    static constexpr const char* kService = "archival-studio-r2";
    static constexpr const char* kEnvironmentVariable = "ARCHIVAL_R2_SECRET";

    // Asynchronous (the GUI): `done` runs on the caller's thread.
    static void read(const QString& accessKeyId, Callback done);
    static void write(const QString& accessKeyId, const QString& secret, Callback done);
    static void remove(const QString& accessKeyId, Callback done);

    // Blocking versions for the command line (a local event loop).
    static Result readNow(const QString& accessKeyId);
    static Result writeNow(const QString& accessKeyId, const QString& secret);
    static Result removeNow(const QString& accessKeyId);

    // The secret for a run: ARCHIVAL_R2_SECRET when set, else the keychain. When neither
    // gives one, `error` says why and what to do.
    static Result secretForRun(const QString& accessKeyId);
};

}  // namespace archival::adapters
